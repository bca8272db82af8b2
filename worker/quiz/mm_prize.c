#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quiz/mm_prize.h"

typedef unsigned __int128 mm_u128;

#define MM_U128_MAX (~(mm_u128) 0)

static const mm_split mm_splits[] = {
    { "wta", "🥇 Winner takes all", 1, { 10000 } },
    { "top3", "Top 3: 50/30/20 %", 3, { 5000, 3000, 2000 } },
    { "top5", "Top 5: 40/25/15/12/8 %", 5, { 4000, 2500, 1500, 1200, 800 } },
    { "top10", "Top 10: 30/20/10/10/8/7/4.5/4/3.5/3 %", 10,
      { 3000, 2000, 1000, 1000, 800, 700, 450, 400, 350, 300 } },
};

const mm_split *mm_split_find(const char *name) {
    for (size_t i = 0; name && i < sizeof(mm_splits) / sizeof(mm_splits[0]); i++)
        if (!strcmp(mm_splits[i].name, name))
            return &mm_splits[i];
    return NULL;
}

const mm_split *mm_split_at(int i) {
    return i >= 0 && (size_t) i < sizeof(mm_splits) / sizeof(mm_splits[0]) ? &mm_splits[i] : NULL;
}

/* decimal text -> u128: 0, or -1 (empty, not digits, too big) */
static int mm_u128_parse(const char *s, mm_u128 *v) {
    mm_u128 x = 0;

    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        unsigned d = (unsigned) (*s - '0');
        if (d > 9 || x > (MM_U128_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

static void mm_u128_text(mm_u128 v, char out[MM_UNITS_MAX]) {
    char tmp[MM_UNITS_MAX];
    int n = 0;

    do {
        tmp[n++] = (char) ('0' + (int) (v % 10));
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

int mm_prize_split(const char *pool, const int *bps, int n, char out[][MM_UNITS_MAX],
                   char *err, size_t errlen) {
    mm_u128 p, q, r, given = 0, share[MM_PRIZE_RANKS_MAX];
    int total = 0;

    if (mm_u128_parse(pool, &p) || p == 0 || n < 1 || n > MM_PRIZE_RANKS_MAX) {
        snprintf(err, errlen, "the pool must be a whole number of base units above zero");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (bps[i] <= 0)
            total = -1;
        if (total >= 0)
            total += bps[i];
    }
    if (total != 10000) {
        snprintf(err, errlen, "the shares must add up to 100 %%");
        return -1;
    }
    /* pool * bps / 10000 without overflowing: (q * 10000 + r) * bps / 10000 */
    q = p / 10000;
    r = p % 10000;
    for (int i = 0; i < n; i++) {
        share[i] = q * (mm_u128) bps[i] + r * (mm_u128) bps[i] / 10000;
        given += share[i];
    }
    share[0] += p - given;          /* what rounding left over: rank 1's */
    for (int i = 0; i < n; i++) {
        if (share[i] == 0) {
            snprintf(err, errlen, "the pool is too small: rank %d would get nothing", i + 1);
            return -1;
        }
        mm_u128_text(share[i], out[i]);
    }
    return 0;
}

int mm_prize_fee(const char *pool, int bps, char out[MM_UNITS_MAX]) {
    mm_u128 p;

    if (mm_u128_parse(pool, &p) || bps < 0 || bps > 10000)
        return -1;
    mm_u128_text((p / 10000) * (mm_u128) bps + (p % 10000) * (mm_u128) bps / 10000, out);
    return 0;
}

int mm_units_add(const char *a, const char *b, char out[MM_UNITS_MAX]) {
    mm_u128 x, y;

    if (mm_u128_parse(a, &x) || mm_u128_parse(b, &y) || x > MM_U128_MAX - y)
        return -1;
    mm_u128_text(x + y, out);
    return 0;
}

/* "4.5" (at most `scale` decimals) as an integer scaled by 10^scale: 0, -1 */
static int mm_scaled(const char *s, size_t len, int scale, mm_u128 *v) {
    mm_u128 x = 0;
    int frac = -1;

    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (!isdigit((unsigned char) s[i]) || (frac >= 0 && ++frac > scale)
            || x > (MM_U128_MAX - 9) / 10)
            return -1;
        x = x * 10 + (mm_u128) (s[i] - '0');
    }
    for (int i = frac < 0 ? 0 : frac; i < scale; i++) {
        if (x > MM_U128_MAX / 10)
            return -1;
        x *= 10;
    }
    *v = x;
    return 0;
}

int mm_prize_custom(const char *text, const char *pool, int decimals, int *n,
                    char out[][MM_UNITS_MAX], char *err, size_t errlen) {
    mm_u128 v[MM_PRIZE_RANKS_MAX + 1], sum = 0, p;
    int count = 0, percent = strchr(text, '%') != NULL, bps[MM_PRIZE_RANKS_MAX];
    const char *s = text;

    if (mm_u128_parse(pool, &p) || p == 0) {
        snprintf(err, errlen, "the pool must be above zero");
        return -1;
    }
    while (*s) {
        size_t len;
        while (*s == ' ' || *s == ',' || *s == '%' || *s == ';')
            s++;
        if (!*s)
            break;
        len = strspn(s, "0123456789.");
        if (count == MM_PRIZE_RANKS_MAX || mm_scaled(s, len, percent ? 2 : decimals, &v[count])
            || v[count] == 0 || (s[len] && !strchr(" ,;%", s[len]))) {
            snprintf(err, errlen, "type up to %d shares, rank 1 first: percentages like "
                     "<code>60%% 25%% 15%%</code>, or amounts like <code>0.6, 0.25, 0.15</code>",
                     MM_PRIZE_RANKS_MAX);
            return -1;
        }
        /* no share may take more than what is left: the sum can then
         * never wrap (2^128 + pool would pass an equality check) */
        if (v[count] > (percent ? 10000 : p) - sum) {
            snprintf(err, errlen, percent ? "the percentages add up to more than 100 %%"
                                          : "the amounts add up to more than the whole prize");
            return -1;
        }
        sum += v[count++];
        s += len;
    }
    if (count == 0) {
        snprintf(err, errlen, "type the shares, rank 1 first, e.g. <code>60%% 25%% 15%%</code>");
        return -1;
    }
    *n = count;
    if (percent) {
        if (sum != 10000) {
            snprintf(err, errlen, "the percentages add up to %u.%02u %%, not 100 %%",
                     (unsigned) (sum / 100), (unsigned) (sum % 100));
            return -1;
        }
        for (int i = 0; i < count; i++)
            bps[i] = (int) v[i];
        return mm_prize_split(pool, bps, count, out, err, errlen);
    }
    if (sum != p) {
        snprintf(err, errlen, "the amounts must add up to the whole prize exactly");
        return -1;
    }
    for (int i = 0; i < count; i++)
        mm_u128_text(v[i], out[i]);
    return 0;
}
