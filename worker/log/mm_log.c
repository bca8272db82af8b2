#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>

#include "log/mm_log.h"

static const char *mm_level_names[] = { "debug", "info", "warn", "error" };

int mm_log_parse_level(const char *name) {
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, mm_level_names[i]))
            return i;
    return -1;
}

void mm_log_secret(mm_log *log, const char *secret) {
    size_t n;

    if (secret == NULL || (n = strlen(secret)) < 4 || log->nsecrets == MM_LOG_MAX_SECRETS)
        return;
    for (int i = 0; i < log->nsecrets; i++)
        if (!strcmp(log->secrets[i], secret))
            return;
    if (log->vault == NULL) {
        void *p = mmap(NULL, MM_LOG_VAULT_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return;
        mlock(p, MM_LOG_VAULT_SIZE);            /* best effort: never swapped */
        madvise(p, MM_LOG_VAULT_SIZE, MADV_DONTDUMP);
        log->vault = p;
        log->vault_used = 0;
    }
    if (log->vault_used + n + 1 > MM_LOG_VAULT_SIZE)
        return;
    /* a copy: the caller's text may be a buffer it reuses or wipes */
    memcpy(log->vault + log->vault_used, secret, n + 1);
    log->secrets[log->nsecrets++] = log->vault + log->vault_used;
    log->vault_used += n + 1;
}

void mm_log_free(mm_log *log) {
    if (log->vault) {
        explicit_bzero(log->vault, MM_LOG_VAULT_SIZE);
        munlock(log->vault, MM_LOG_VAULT_SIZE);
        munmap(log->vault, MM_LOG_VAULT_SIZE);
    }
    log->vault = NULL;
    log->vault_used = 0;
    log->nsecrets = 0;
}

/* The length of the well-formed UTF-8 character at s (n bytes left), or 0. */
static size_t mm_log_utf8_char(const unsigned char *s, size_t n) {
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, lo = s[0] == 0xe0 ? 0xa0 : 0x80, hi = s[0] == 0xed ? 0x9f : 0xbf;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, lo = s[0] == 0xf0 ? 0x90 : 0x80, hi = s[0] == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* Appends s[0..n) JSON-escaped, whole characters and escapes only; a byte
 * that is not UTF-8 becomes \ufffd.  Stops when the next one does not fit
 * (*full set); returns the new length. */
static size_t mm_json_append(char *out, size_t pos, size_t outlen, const char *s, size_t n,
                             int *full) {
    const unsigned char *u = (const unsigned char *) s;

    for (size_t i = 0; i < n && !*full;) {
        char esc[8];
        const char *put = esc;
        size_t len, take;

        if (u[i] == '"' || u[i] == '\\') {
            esc[0] = '\\', esc[1] = (char) u[i], len = 2, take = 1;
        } else if (u[i] == '\n') {
            esc[0] = '\\', esc[1] = 'n', len = 2, take = 1;
        } else if (u[i] < 0x20 || u[i] == 0x7f) {
            len = (size_t) snprintf(esc, sizeof(esc), "\\u%04x", u[i]), take = 1;
        } else if ((take = mm_log_utf8_char(u + i, n - i)) == 0) {
            memcpy(esc, "\\ufffd", 6), len = 6, take = 1;
        } else {
            put = s + i, len = take;
        }
        if (pos + len + 1 > outlen) {
            *full = 1;
            break;
        }
        memcpy(out + pos, put, len);
        pos += len;
        i += take;
    }
    out[pos] = '\0';
    return pos;
}

void mm_log_redact(const mm_log *log, const char *msg, char *out, size_t outlen) {
    size_t pos = 0;
    int full = 0;

    out[0] = '\0';
    while (*msg && !full) {
        const char *hit = NULL;
        size_t hitlen = 0;
        for (int i = 0; i < log->nsecrets; i++) {
            const char *p = strstr(msg, log->secrets[i]);
            if (p && (hit == NULL || p < hit)) {
                hit = p;
                hitlen = strlen(log->secrets[i]);
            }
        }
        if (hit == NULL) {
            mm_json_append(out, pos, outlen, msg, strlen(msg), &full);
            return;
        }
        pos = mm_json_append(out, pos, outlen, msg, (size_t) (hit - msg), &full);
        pos = mm_json_append(out, pos, outlen, "[redacted]", 10, &full);
        msg = hit + hitlen;
    }
}

void mm_logf(const mm_log *log, mm_log_level level, const char *component,
             const mm_log_ids *ids, const char *fmt, ...) {
    char buf[2048], *msg = buf, safe[MM_LOG_LINE_MAX], ts[40], idbuf[160] = "";
    struct timeval tv;
    struct tm tm;
    va_list ap;
    int n;

    if (level < log->level)
        return;
    /* the whole message first: a secret cut in half would escape redaction */
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n >= (int) sizeof(buf) && (msg = malloc((size_t) n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t) n + 1, fmt, ap);
        va_end(ap);
    }
    mm_log_redact(log, msg ? msg : buf, safe, sizeof(safe));
    if (msg != buf && msg) {
        explicit_bzero(msg, (size_t) n);
        free(msg);
    }

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    if (ids) {
        size_t n = 0;
        if (ids->chat_id)
            n += (size_t) snprintf(idbuf + n, sizeof(idbuf) - n, ",\"chat_id\":%lld",
                                   (long long) ids->chat_id);
        if (ids->user_id)
            n += (size_t) snprintf(idbuf + n, sizeof(idbuf) - n, ",\"user_id\":%lld",
                                   (long long) ids->user_id);
        if (ids->update_id)
            snprintf(idbuf + n, sizeof(idbuf) - n, ",\"update_id\":%lld",
                     (long long) ids->update_id);
    }
    /* one fprintf per line: stdio locks the stream, lines never interleave */
    fprintf(stderr,
            "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"component\":\"%s\"%s,\"msg\":\"%s\"}\n", ts,
            (int) (tv.tv_usec / 1000), mm_level_names[level], component, idbuf, safe);
}
