#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "quiz/mm_when.h"

#define MM_YEAR_S (366LL * 86400)

typedef struct mm_unit {
    const char *name;
    long long seconds;
} mm_unit;

/* longest spellings first where one is the other's prefix */
static const mm_unit mm_units[] = {
    { "minutes", 60 }, { "minute", 60 }, { "mins", 60 }, { "min", 60 }, { "m", 60 },
    { "hours", 3600 }, { "hour", 3600 }, { "hrs", 3600 }, { "hr", 3600 }, { "h", 3600 },
    { "days", 86400 }, { "day", 86400 }, { "d", 86400 },
    { "seconds", 1 }, { "second", 1 }, { "secs", 1 }, { "sec", 1 }, { "s", 1 },
};

static const char *mm_skip_space(const char *p) {
    while (isspace((unsigned char) *p))
        p++;
    return p;
}

long long mm_when_span_parse(const char *text) {
    const char *p = mm_skip_space(text);
    long long n, unit = 60;
    char *end;

    if (!isdigit((unsigned char) *p))
        return -1;
    n = strtoll(p, &end, 10);
    if (n <= 0 || n > MM_YEAR_S)
        return -1;
    p = mm_skip_space(end);
    if (*p) {
        size_t len = 0;
        while (isalpha((unsigned char) p[len]))
            len++;
        unit = 0;
        for (size_t i = 0; i < sizeof(mm_units) / sizeof(mm_units[0]) && !unit; i++)
            if (strlen(mm_units[i].name) == len && !strncasecmp(p, mm_units[i].name, len))
                unit = mm_units[i].seconds;
        if (!unit || *mm_skip_space(p + len))
            return -1;
    }
    return n * unit > MM_YEAR_S ? -1 : n * unit;
}

/* "HH:MM" at p: 0 with the minutes of the day and the end, or -1 */
static int mm_clock(const char *p, int *minutes, const char **end) {
    int h, m, used = 0;

    if (sscanf(p, "%2d:%2d%n", &h, &m, &used) != 2 || h < 0 || h > 23 || m < 0 || m > 59
        || !isdigit((unsigned char) p[used - 1]))
        return -1;
    *minutes = h * 60 + m;
    *end = p + used;
    return 0;
}

int mm_when_start_parse(const char *text, long long now_ms, long long *delay_s,
                        long long *at_ms) {
    const char *p = mm_skip_space(text), *end;
    int y, mo, d, used = 0, minutes;

    *delay_s = -1;
    *at_ms = -1;
    if (!strncasecmp(p, "now", 3) && !*mm_skip_space(p + 3)) {
        *delay_s = 0;
        return 0;
    }
    if (!strncasecmp(p, "in ", 3) || isdigit((unsigned char) *p)) {
        long long span = mm_when_span_parse(!strncasecmp(p, "in ", 3) ? p + 3 : p);
        if (span > 0) {
            *delay_s = span;
            return 0;
        }
    }
    if (mm_clock(p, &minutes, &end) == 0 && !*mm_skip_space(end)) {
        long long day = now_ms / 86400000 * 86400000;
        long long at = day + minutes * 60000LL;
        *at_ms = at > now_ms ? at : at + 86400000;
        return 0;
    }
    if (sscanf(p, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 && used == 10
        && (p[10] == ' ' || p[10] == 'T' || p[10] == 't')
        && mm_clock(mm_skip_space(p + 11), &minutes, &end) == 0 && !*mm_skip_space(end)
        && y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31) {
        struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d };
        time_t t = timegm(&tm);
        struct tm back;
        /* 2026-02-31 is not a day */
        if (t == (time_t) -1 || gmtime_r(&t, &back) == NULL || back.tm_mday != d)
            return -1;
        *at_ms = ((long long) t + minutes * 60LL) * 1000;
        return 0;
    }
    return -1;
}

int mm_when_iso_parse(const char *text, long long *ms) {
    int y, mo, d, h, mi, sec = 0, used = 0;
    const char *p = mm_skip_space(text), *rest;
    struct tm tm, back;
    time_t t;

    if (sscanf(p, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10
        || (p[10] != 'T' && p[10] != 't' && p[10] != ' '))
        return -1;
    p += 11;
    if (sscanf(p, "%2d:%2d%n", &h, &mi, &used) != 2 || used != 5)
        return -1;
    rest = p + 5;
    if (*rest == ':') {
        if (sscanf(rest + 1, "%2d%n", &sec, &used) != 1 || used != 2)
            return -1;
        rest += 3;
    }
    if (*rest == 'Z' || *rest == 'z')
        rest++;
    else if (!strncmp(rest, "+00:00", 6))
        rest += 6;
    if (*mm_skip_space(rest) || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23
        || mi > 59 || sec > 59 || h < 0 || mi < 0 || sec < 0)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    if ((t = timegm(&tm)) == (time_t) -1 || gmtime_r(&t, &back) == NULL || back.tm_mday != d)
        return -1;
    *ms = (long long) t * 1000;
    return 0;
}

void mm_when_span(mm_buf *b, long long seconds) {
    static const mm_unit shown[] = { { "d", 86400 }, { "h", 3600 }, { "min", 60 }, { "s", 1 } };
    int parts = 0;

    if (seconds <= 0) {
        mm_buf_adds(b, "0 s");
        return;
    }
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]) && parts < 2; i++) {
        long long n = seconds / shown[i].seconds;
        if (n == 0) {
            if (parts)
                break;      /* "1 d" rather than "1 d 0 h 5 min" */
            continue;
        }
        mm_buf_printf(b, "%s%lld %s", parts ? " " : "", n, shown[i].name);
        seconds -= n * shown[i].seconds;
        parts++;
    }
}

void mm_when_html(mm_buf *b, long long at_ms, long long now_ms) {
    time_t t = (time_t) (at_ms / 1000);
    long long diff = (at_ms - now_ms) / 1000;
    struct tm tm;

    gmtime_r(&t, &tm);
    mm_buf_printf(b, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min);
    if (diff > 0) {
        mm_buf_adds(b, " (in ");
        mm_when_span(b, diff);
        mm_buf_adds(b, ")");
    } else if (diff < 0) {
        mm_buf_adds(b, " (");
        mm_when_span(b, -diff);
        mm_buf_adds(b, " ago)");
    } else {
        mm_buf_adds(b, " (now)");
    }
}
