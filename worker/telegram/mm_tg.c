#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telegram/mm_tg.h"

/* aborts a transfer (a long poll, say) once SIGTERM arrived */
static int mm_tg_progress(void *ctx, curl_off_t dlt, curl_off_t dln, curl_off_t ult,
                          curl_off_t uln) {
    (void) dlt, (void) dln, (void) ult, (void) uln;
    return atomic_load(&((mm_ctx *) ctx)->stop) != 0;
}

void mm_tg_url(const mm_config *cfg, const char *method, char *out, size_t outlen) {
    size_t n = strlen(cfg->telegram_api_base);

    while (n && cfg->telegram_api_base[n - 1] == '/')
        n--;
    snprintf(out, outlen, "%.*s/bot%s/%s", (int) n, cfg->telegram_api_base,
             cfg->telegram_token, method);
}

int mm_tg_init(mm_tg *tg, mm_ctx *ctx) {
    memset(tg, 0, sizeof(*tg));
    tg->ctx = ctx;
    tg->easy = curl_easy_init();
    if (tg->easy == NULL)
        return -1;
    mm_buf_init(&tg->body);
    return 0;
}

void mm_tg_free(mm_tg *tg) {
    if (tg->easy)
        curl_easy_cleanup(tg->easy);
    mm_buf_free(&tg->body);
    tg->easy = NULL;
}

void mm_tg_result_free(mm_tg_result *r) {
    json_decref(r->root);
    memset(r, 0, sizeof(*r));
}

int mm_tg_parse(long http_status, const char *body, size_t len, mm_tg_result *r) {
    json_t *ok, *params;
    const char *desc;

    memset(r, 0, sizeof(*r));
    r->http_status = http_status;
    r->root = json_loadb(body, len, 0, NULL);
    ok = json_object_get(r->root, "ok");
    if (!json_is_boolean(ok)) {
        /* a proxy's HTML error page, a truncated body, … */
        r->error_code = (int) http_status;
        snprintf(r->description, sizeof(r->description),
                 "HTTP %ld with a body that is not a Bot API answer", http_status);
        json_decref(r->root);
        r->root = NULL;
        return -1;
    }
    if (json_is_true(ok) && http_status == 200) {
        r->ok = 1;
        r->result = json_object_get(r->root, "result");
        return 0;
    }
    r->error_code = json_is_integer(json_object_get(r->root, "error_code"))
        ? (int) json_integer_value(json_object_get(r->root, "error_code"))
        : (int) http_status;
    desc = json_string_value(json_object_get(r->root, "description"));
    snprintf(r->description, sizeof(r->description), "%s", desc ? desc : "no description");
    params = json_object_get(r->root, "parameters");
    if (json_is_integer(json_object_get(params, "retry_after")))
        r->retry_after = (int) json_integer_value(json_object_get(params, "retry_after"));
    return -1;
}

int mm_tg_retryable(const mm_tg_result *r) {
    return !r->ok && (r->http_status == 0 || r->error_code == 429 || r->error_code >= 500
                      || r->http_status >= 500);
}

int mm_tg_call(mm_tg *tg, const char *method, json_t *params, long timeout_ms,
               mm_tg_result *r) {
    struct curl_slist *headers = NULL;
    char url[1024], errbuf[CURL_ERROR_SIZE] = "";
    char *json = json_dumps(params, JSON_COMPACT);
    long status = 0;
    CURLcode rc;

    memset(r, 0, sizeof(*r));
    if (json == NULL) {
        snprintf(r->description, sizeof(r->description), "out of memory");
        return -1;
    }
    mm_tg_url(&tg->ctx->cfg, method, url, sizeof(url));
    mm_buf_reset(&tg->body);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(tg->easy, CURLOPT_URL, url);
    curl_easy_setopt(tg->easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(tg->easy, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(tg->easy, CURLOPT_WRITEFUNCTION, mm_buf_curl_write);
    curl_easy_setopt(tg->easy, CURLOPT_WRITEDATA, &tg->body);
    curl_easy_setopt(tg->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(tg->easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(tg->easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(tg->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(tg->easy, CURLOPT_XFERINFOFUNCTION, mm_tg_progress);
    curl_easy_setopt(tg->easy, CURLOPT_XFERINFODATA, tg->ctx);
    curl_easy_setopt(tg->easy, CURLOPT_NOPROGRESS, 0L);
    rc = curl_easy_perform(tg->easy);
    curl_slist_free_all(headers);
    free(json);
    if (rc != CURLE_OK) {
        /* curl's messages name the host, never the path with the token */
        snprintf(r->description, sizeof(r->description), "%s: %.180s", curl_easy_strerror(rc),
                 errbuf);
        return -1;
    }
    curl_easy_getinfo(tg->easy, CURLINFO_RESPONSE_CODE, &status);
    return mm_tg_parse(status, tg->body.data ? tg->body.data : "", tg->body.len, r);
}

int mm_tg_call_retry(mm_tg *tg, const char *method, json_t *params, long timeout_ms,
                     int attempts, mm_tg_result *r) {
    int backoff = 500;

    for (int i = 1;; i++) {
        if (mm_tg_call(tg, method, params, timeout_ms, r) == 0)
            return 0;
        if (!mm_tg_retryable(r) || i >= attempts || atomic_load(&tg->ctx->stop))
            return -1;
        mm_logf(&tg->ctx->log, MM_LOG_WARN, "telegram", NULL,
                "%s failed (%s), retrying in %d ms", method, r->description,
                r->retry_after ? r->retry_after * 1000 : backoff);
        mm_nap(tg->ctx, r->retry_after ? r->retry_after * 1000 : backoff);
        if (!r->retry_after)
            backoff *= 2;
        mm_tg_result_free(r);
    }
}

int mm_tg_username(mm_tg *tg, char *out, size_t outlen, char *err, size_t errlen) {
    json_t *none;
    mm_tg_result r;
    const char *name;

    if (tg->ctx->cfg.bot_username) {
        snprintf(out, outlen, "%s", tg->ctx->cfg.bot_username);
        return 0;
    }
    none = json_object();
    if (mm_tg_call_retry(tg, "getMe", none, 15000, 5, &r)) {
        json_decref(none);
        snprintf(err, errlen, "getMe failed: %s%s", r.description,
                 r.error_code == 401 ? " (check TELEGRAM_TOKEN)" : "");
        mm_tg_result_free(&r);
        return -1;
    }
    json_decref(none);
    name = json_string_value(json_object_get(r.result, "username"));
    snprintf(out, outlen, "%s", name ? name : "");
    mm_tg_result_free(&r);
    return 0;
}
