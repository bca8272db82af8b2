#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "log/mm_metrics.h"
#include "chain/mm_near_rpc.h"

#define MM_RPC_BODY_MAX  (16 << 20)

typedef struct body {
    char *data;
    size_t len;
    int too_big;
} body;

typedef enum { ANSWER, RETRY, NEXT } mm_rpc_verdict;   /* what to do after one try */

static double mm_rpc_now_s(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static void mm_rpc_sleep_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0)
        ;
}

static size_t mm_rpc_on_body(char *p, size_t size, size_t n, void *data) {
    body *b = data;
    char *grown;

    n *= size;
    if (b->len + n > MM_RPC_BODY_MAX) {
        b->too_big = 1;
        return 0;
    }
    if ((grown = realloc(b->data, b->len + n + 1)) == NULL)
        return 0;
    b->data = grown;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* The host of an http(s) url (len bytes): after the scheme and any
 * userinfo, before the port, path, query or fragment; keys live in all of
 * those but the host. */
static void mm_rpc_host(const char *url, size_t len, char *out, size_t outlen) {
    size_t skip = strncmp(url, "https://", 8) == 0 ? 8 : 7, a = 0, n = 0;
    const char *p = url + skip;

    len -= skip;
    while (a < len && p[a] != '/' && p[a] != '?' && p[a] != '#')
        a++;
    for (size_t i = a; i > 0; i--)
        if (p[i - 1] == '@') {
            p += i;
            a -= i;
            break;
        }
    if (a && p[0] == '[')
        while (n < a && p[n++] != ']')
            ;
    else
        while (n < a && p[n] != ':')
            n++;
    snprintf(out, outlen, "%.*s", (int) (n < outlen ? n : outlen - 1), p);
}

static int mm_rpc_add_endpoint(mm_near_rpc *rpc, const char *url, size_t len, const char *key,
                        char *err, size_t errlen) {
    mm_rpc_endpoint *e;
    char host[64];
    int rank;

    while (len && (*url == ' ')) url++, len--;
    while (len && url[len - 1] == ' ') len--;
    if (len == 0)
        return 0;
    if (rpc->n == MM_RPC_MAX_ENDPOINTS) {
        snprintf(err, errlen, "NEAR_RPC_FALLBACKS: at most %d endpoints", MM_RPC_MAX_ENDPOINTS - 1);
        return -1;
    }
    if (!(len > 7 && strncmp(url, "http://", 7) == 0)
        && !(len > 8 && strncmp(url, "https://", 8) == 0)) {
        /* not echoed: the text may hold a key */
        snprintf(err, errlen, "%s: endpoint #%d is not an http(s) URL",
                 rpc->n ? "NEAR_RPC_FALLBACKS" : "NEAR_RPC_ENDPOINT", rpc->n);
        return -1;
    }
    rank = rpc->n++;
    e = &rpc->endpoint[rank];
    memset(e, 0, sizeof(*e));
    mm_rpc_host(url, len, host, sizeof(host));
    snprintf(e->host, sizeof(e->host), "%s", host);
    snprintf(e->name, sizeof(e->name), "%s #%d", host, rank);
    e->url = strndup(url, len);
    e->timeout_ms = key ? 15000 : 30000;
    if (key) {
        size_t n = strlen(key) + 32;
        if ((e->auth = malloc(n)) != NULL)
            snprintf(e->auth, n, "Authorization: Bearer %s", key);
    }
    return e->url ? 0 : -1;
}

int mm_near_rpc_init(mm_near_rpc *rpc, const char *primary, const char *fallbacks,
                     const char *api_key, char *err, size_t errlen) {
    const char *p;

    memset(rpc, 0, sizeof(*rpc));
    rpc->backoff_ms = 1000;
    rpc->retries = 3;
    rpc->breaker_after = 5;
    rpc->breaker_open_s = 60;
    if (primary == NULL || *primary == '\0') {
        snprintf(err, errlen, "NEAR_RPC_ENDPOINT is not set");
        return -1;
    }
    if (mm_rpc_add_endpoint(rpc, primary, strlen(primary), api_key && *api_key ? api_key : NULL,
                     err, errlen))
        goto fail;
    for (p = fallbacks; p && *p; ) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t) (comma - p) : strlen(p);
        if (mm_rpc_add_endpoint(rpc, p, len, NULL, err, errlen))
            goto fail;
        p += len + (comma != NULL);
    }
    if ((rpc->curl = curl_easy_init()) == NULL) {
        snprintf(err, errlen, "libcurl failed to initialise");
        goto fail;
    }
    return 0;
fail:
    mm_near_rpc_free(rpc);
    return -1;
}

void mm_near_rpc_free(mm_near_rpc *rpc) {
    for (int i = 0; i < rpc->n; i++) {
        free(rpc->endpoint[i].url);
        if (rpc->endpoint[i].auth) {
            sodium_memzero(rpc->endpoint[i].auth, strlen(rpc->endpoint[i].auth));
            free(rpc->endpoint[i].auth);
        }
    }
    if (rpc->curl)
        curl_easy_cleanup(rpc->curl);
    memset(rpc, 0, sizeof(*rpc));
}

/* causes that say "this node cannot serve that now", not "your request" */
static int mm_rpc_provider_problem(const char *name, const char *cause) {
    static const char *const causes[] = {
        "UNKNOWN_BLOCK", "GARBAGE_COLLECTED_BLOCK", "NOT_SYNCED_YET", "NO_SYNCED_BLOCKS",
        "UNAVAILABLE_SHARD", "INTERNAL_ERROR", NULL
    };

    if (strcmp(name, "INTERNAL_ERROR") == 0)
        return 1;
    for (int i = 0; causes[i]; i++)
        if (strcmp(cause, causes[i]) == 0)
            return 1;
    return 0;
}

static void mm_rpc_set_error(mm_rpc_error *err, const char *name, const char *cause,
                             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void mm_rpc_set_error(mm_rpc_error *err, const char *name, const char *cause,
                             const char *fmt, ...) {
    va_list ap;

    snprintf(err->name, sizeof(err->name), "%s", name);
    snprintf(err->cause, sizeof(err->cause), "%s", cause);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

/* One request to one endpoint; decides whether the answer stands. */
static mm_rpc_verdict mm_rpc_try_once(mm_near_rpc *rpc, mm_rpc_endpoint *e, const char *request,
                        json_t **result, mm_rpc_error *err, long *retry_after_s) {
    struct curl_slist *headers = NULL;
    body b = { NULL, 0, 0 };
    long status = 0;
    CURLcode cc;
    json_t *doc = NULL, *v;
    mm_rpc_verdict out = NEXT;
    double t0 = mm_rpc_now_s();

    headers = curl_slist_append(headers, "Content-Type: application/json");
    if (e->auth)
        headers = curl_slist_append(headers, e->auth);
    curl_easy_reset(rpc->curl);
    curl_easy_setopt(rpc->curl, CURLOPT_URL, e->url);
    curl_easy_setopt(rpc->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(rpc->curl, CURLOPT_POSTFIELDS, request);
    curl_easy_setopt(rpc->curl, CURLOPT_TIMEOUT_MS, e->timeout_ms);
    curl_easy_setopt(rpc->curl, CURLOPT_CONNECTTIMEOUT_MS,
                     e->timeout_ms < 5000 ? e->timeout_ms : 5000);
    curl_easy_setopt(rpc->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(rpc->curl, CURLOPT_WRITEFUNCTION, mm_rpc_on_body);
    curl_easy_setopt(rpc->curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(rpc->curl, CURLOPT_USERAGENT, "mental-maze-worker");
    curl_easy_setopt(rpc->curl, CURLOPT_PROTOCOLS_STR, "http,https");

    e->calls++;
    cc = curl_easy_perform(rpc->curl);
    curl_slist_free_all(headers);
    e->latency_ms = (mm_rpc_now_s() - t0) * 1000;

    if (cc != CURLE_OK) {
        mm_rpc_set_error(err, "UNAVAILABLE", "TRANSPORT", "%s: %s", e->name,
                  b.too_big ? "answer larger than 16 MiB" : curl_easy_strerror(cc));
        out = cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_COULDNT_CONNECT
              || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING
              ? RETRY : NEXT;
        goto done;
    }
    curl_easy_getinfo(rpc->curl, CURLINFO_RESPONSE_CODE, &status);

    /* a JSON-RPC body is the answer whatever the status says */
    doc = b.data ? json_loadb(b.data, b.len, 0, NULL) : NULL;
    if (json_is_object(doc) && (v = json_object_get(doc, "result")) != NULL) {
        *result = json_incref(v);
        out = ANSWER;
        goto done;
    }
    if (json_is_object(doc) && json_is_object(v = json_object_get(doc, "error"))) {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *cause = json_string_value(json_object_get(json_object_get(v, "cause"), "name"));
        const char *msg = json_string_value(json_object_get(v, "message"));
        json_t *data = json_object_get(v, "data");
        char *data_text = data ? json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

        mm_rpc_set_error(err, name ? name : "ERROR", cause ? cause : "", "%s: %s%s%s%s%s", e->name,
                  name ? name : "error", cause ? "/" : "", cause ? cause : "",
                  msg || data_text ? ": " : "", data_text ? data_text : msg ? msg : "");
        free(data_text);
        err->error = json_incref(v);
        out = mm_rpc_provider_problem(err->name, err->cause) ? NEXT : ANSWER;
        goto done;
    }

    if (status == 429) {
        double ra = 0;
        curl_off_t h = 0;
        if (curl_easy_getinfo(rpc->curl, CURLINFO_RETRY_AFTER, &h) == CURLE_OK)
            ra = (double) h;
        *retry_after_s = (long) ra;
        mm_rpc_set_error(err, "UNAVAILABLE", "RATE_LIMITED", "%s: HTTP 429%s", e->name,
                  ra > 0 ? " with Retry-After" : "");
        out = NEXT;
    } else {
        mm_rpc_set_error(err, "UNAVAILABLE", "BAD_ANSWER", "%s: HTTP %ld without a JSON-RPC body",
                  e->name, status);
        out = status >= 500 ? RETRY : NEXT;
    }
done:
    json_decref(doc);
    free(b.data);
    return out;
}

/* per endpoint, for mm:metrics: its host (never the path, query or
 * userinfo: keys live there with some providers) and its rank in the
 * failover order */
static void mm_rpc_count(mm_near_rpc *rpc, int i, const char *outcome, double ms, int opened) {
    const char *host = rpc->endpoint[i].host;
    char labels[160], lower[32];

    if (rpc->metrics == NULL)
        return;
    snprintf(lower, sizeof(lower), "%s", outcome);
    for (char *c = lower; *c; c++)
        *c = (char) (*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    snprintf(labels, sizeof(labels), "endpoint=\"%s\",rank=\"%d\",outcome=\"%s\"", host, i,
             lower);
    mm_metric_add(rpc->metrics, "mm_near_rpc_calls_total", labels, 1);
    snprintf(labels, sizeof(labels), "endpoint=\"%s\",rank=\"%d\"", host, i);
    mm_metric_observe(rpc->metrics, "mm_near_rpc_call_seconds", labels, ms / 1000);
    if (opened)
        mm_metric_add(rpc->metrics, "mm_near_rpc_breaker_opened_total", labels, 1);
}

mm_rpc_rc mm_near_rpc_call(mm_near_rpc *rpc, const char *method, json_t *params,
                           json_t **result, mm_rpc_error *err) {
    json_t *req;
    char *request, id[24];
    int i, any = 0;

    memset(err, 0, sizeof(*err));
    *result = NULL;
    snprintf(id, sizeof(id), "%llu", (unsigned long long) ++rpc->next_id);
    req = json_pack("{s:s, s:s, s:s, s:O}", "jsonrpc", "2.0", "id", id, "method", method,
                    "params", params);
    request = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (request == NULL) {
        mm_rpc_set_error(err, "UNAVAILABLE", "REQUEST", "out of memory");
        return MM_RPC_UNAVAILABLE;
    }

    for (i = 0; i < rpc->n; i++) {
        mm_rpc_endpoint *e = &rpc->endpoint[i];
        long delay = rpc->backoff_ms;

        if (e->open_until > mm_rpc_now_s())
            continue;                       /* breaker open: skip it */
        any = 1;
        for (int attempt = 0; ; attempt++) {
            long retry_after = 0;
            mm_rpc_verdict v;

            json_decref(err->error);
            err->error = NULL;
            v = mm_rpc_try_once(rpc, e, request, result, err, &retry_after);
            if (v == ANSWER) {
                e->failures = 0;
                e->open_until = 0;
                mm_rpc_count(rpc, i, *result ? "ok" : "error_answer", e->latency_ms, 0);
                free(request);
                return *result ? MM_RPC_OK : MM_RPC_ERROR;
            }
            e->errors++;
            err->unanswered++;
            mm_rpc_count(rpc, i, err->cause[0] ? err->cause : err->name, e->latency_ms,
                         e->failures + 1 >= rpc->breaker_after);
            if (++e->failures >= rpc->breaker_after) {
                e->open_until = mm_rpc_now_s() + rpc->breaker_open_s;
                break;
            }
            if (retry_after > 0) {          /* the provider said when: not now */
                e->open_until = mm_rpc_now_s() + (double) retry_after;
                break;
            }
            if (v == NEXT || attempt >= rpc->retries)
                break;
            /* full jitter within [delay/2, delay] */
            mm_rpc_sleep_ms(delay / 2 + (long) randombytes_uniform((uint32_t) (delay / 2 + 1)));
            delay *= 2;
        }
    }
    free(request);

    if (!any)
        mm_rpc_set_error(err, "UNAVAILABLE", "BREAKER_OPEN", "every NEAR RPC endpoint is failing; "
                  "their circuit breakers are open");
    else
        snprintf(err->name, sizeof(err->name), "UNAVAILABLE");
    return MM_RPC_UNAVAILABLE;
}
