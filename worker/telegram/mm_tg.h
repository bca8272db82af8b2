/*
 * The Bot API client: one libcurl handle per caller (connections reused),
 * JSON in and out.  A call's outcome is classified so callers retry only
 * what can succeed: 429 (after retry_after), 5xx and transport failures.
 */

#ifndef MM_TG_H
#define MM_TG_H

#include <curl/curl.h>
#include <jansson.h>

#include "mm_buf.h"
#include "mm_ctx.h"

typedef struct mm_tg_result {
    int ok;
    long http_status;           /* 0: no HTTP answer (transport failure) */
    int error_code;
    int retry_after;            /* seconds, from parameters.retry_after */
    char description[256];      /* Telegram's, or ours for transport/parse errors */
    json_t *root;               /* owned; result = json_object_get(root, "result") */
    json_t *result;
} mm_tg_result;

typedef struct mm_tg {
    CURL *easy;
    mm_buf body;
    char url_prefix[512];       /* <base>/bot<token>/ (a secret: never logged) */
    mm_ctx *ctx;
} mm_tg;

int mm_tg_init(mm_tg *tg, mm_ctx *ctx);
void mm_tg_free(mm_tg *tg);

/* Builds <base>/bot<token>/<method>. */
void mm_tg_url(const mm_config *cfg, const char *method, char *out, size_t outlen);

/* Classifies an HTTP answer (pure): fills r, returns r->ok ? 0 : -1. */
int mm_tg_parse(long http_status, const char *body, size_t len, mm_tg_result *r);

/* 1 when the same request may succeed later (429, 5xx, transport). */
int mm_tg_retryable(const mm_tg_result *r);

/* One POST of params (borrowed) as JSON; 0 when ok. */
int mm_tg_call(mm_tg *tg, const char *method, json_t *params, long timeout_ms,
               mm_tg_result *r);

/* mm_tg_call with retries: 429 after retry_after, 5xx and transport errors
 * with backoff 0.5 s doubling, at most `attempts`; stops early on SIGTERM. */
int mm_tg_call_retry(mm_tg *tg, const char *method, json_t *params, long timeout_ms,
                     int attempts, mm_tg_result *r);

void mm_tg_result_free(mm_tg_result *r);

/* The bot's username: BOT_USERNAME, else getMe's (with retries).  0, or
 * -1 with why in err. */
int mm_tg_username(mm_tg *tg, char *out, size_t outlen, char *err, size_t errlen);

#endif /* MM_TG_H */
