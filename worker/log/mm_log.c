#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    char *copy;

    if (secret == NULL || strlen(secret) < 4 || log->nsecrets == MM_LOG_MAX_SECRETS)
        return;
    for (int i = 0; i < log->nsecrets; i++)
        if (!strcmp(log->secrets[i], secret))
            return;
    /* a copy: the caller's text may be a buffer it reuses */
    if ((copy = strdup(secret)) != NULL)
        log->secrets[log->nsecrets++] = copy;
}

void mm_log_free(mm_log *log) {
    for (int i = 0; i < log->nsecrets; i++)
        free((char *) log->secrets[i]);
    log->nsecrets = 0;
}

/* Appends s[0..n) JSON-escaped; stops (truncating) when out is full. */
static size_t mm_json_append(char *out, size_t pos, size_t outlen, const char *s, size_t n) {
    for (size_t i = 0; i < n && pos + 7 < outlen; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c == '"' || c == '\\') {
            out[pos++] = '\\';
            out[pos++] = (char) c;
        } else if (c == '\n') {
            out[pos++] = '\\';
            out[pos++] = 'n';
        } else if (c < 0x20) {
            pos += (size_t) snprintf(out + pos, outlen - pos, "\\u%04x", c);
        } else {
            out[pos++] = (char) c;
        }
    }
    out[pos] = '\0';
    return pos;
}

void mm_log_redact(const mm_log *log, const char *msg, char *out, size_t outlen) {
    size_t pos = 0;

    out[0] = '\0';
    while (*msg) {
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
            mm_json_append(out, pos, outlen, msg, strlen(msg));
            return;
        }
        pos = mm_json_append(out, pos, outlen, msg, (size_t) (hit - msg));
        pos = mm_json_append(out, pos, outlen, "[redacted]", 10);
        msg = hit + hitlen;
    }
}

void mm_logf(const mm_log *log, mm_log_level level, const char *component,
             const mm_log_ids *ids, const char *fmt, ...) {
    char msg[2048], safe[4096], ts[40], idbuf[160] = "";
    struct timeval tv;
    struct tm tm;
    va_list ap;

    if (level < log->level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    mm_log_redact(log, msg, safe, sizeof(safe));

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
