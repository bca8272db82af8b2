/*
 * Structured logs: one JSON object per line on stderr,
 *   {"ts":"…","level":"info","component":"ingest","msg":"…","chat_id":…}
 * Registered secrets (bot token, passwords, keys) are replaced by
 * "[redacted]" wherever they appear in a message.
 */

#ifndef MM_LOG_H
#define MM_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum { MM_LOG_DEBUG, MM_LOG_INFO, MM_LOG_WARN, MM_LOG_ERROR } mm_log_level;

#define MM_LOG_MAX_SECRETS 24
#define MM_LOG_VAULT_SIZE  16384    /* the secrets' copies, all together */
#define MM_LOG_LINE_MAX    4096     /* a message's JSON text; cut after redaction */

typedef struct mm_log {
    mm_log_level level;
    const char *secrets[MM_LOG_MAX_SECRETS];    /* in vault */
    int nsecrets;
    char *vault;            /* locked, out of core dumps, wiped when freed */
    size_t vault_used;
} mm_log;

/* ids that are 0 are left out of the line */
typedef struct mm_log_ids {
    int64_t chat_id;
    int64_t user_id;
    int64_t update_id;
} mm_log_ids;

/* "debug", "info", "warn" or "error"; -1 for anything else */
int mm_log_parse_level(const char *name);

/* Registers a copy of secret (kept for the process's life, in locked
 * memory left out of core dumps).  Strings shorter than 4 bytes are not
 * registered (they would redact noise). */
void mm_log_secret(mm_log *log, const char *secret);

void mm_logf(const mm_log *log, mm_log_level level, const char *component,
             const mm_log_ids *ids, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Forgets (and frees) the registered secrets. */
void mm_log_free(mm_log *log);

/* Writes msg with every registered secret replaced, JSON-escaped (a byte
 * that is not UTF-8 becomes U+FFFD), cut to outlen at a character boundary
 * only after the secrets were replaced; for tests. */
void mm_log_redact(const mm_log *log, const char *msg, char *out, size_t outlen);

#define mm_log_error(l, c, ...) mm_logf((l), MM_LOG_ERROR, (c), NULL, __VA_ARGS__)
#define mm_log_warn(l, c, ...)  mm_logf((l), MM_LOG_WARN, (c), NULL, __VA_ARGS__)
#define mm_log_info(l, c, ...)  mm_logf((l), MM_LOG_INFO, (c), NULL, __VA_ARGS__)
#define mm_log_debug(l, c, ...) mm_logf((l), MM_LOG_DEBUG, (c), NULL, __VA_ARGS__)

#endif /* MM_LOG_H */
