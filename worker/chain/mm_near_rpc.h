/*
 * NEAR JSON-RPC over libcurl with ordered failover: the primary endpoint
 * (NEAR_RPC_ENDPOINT, FASTNEAR_API_KEY sent to it as a bearer token) and
 * then NEAR_RPC_FALLBACKS.  Each endpoint has a circuit breaker (open after
 * 5 consecutive failures, one trial call after 60 s) and at most 3 retries
 * with exponential backoff and jitter (1 s, 2 s, 4 s by default).
 *
 * What counts as the endpoint's failure, and so moves on: transport errors
 * and timeouts (15 s for the premium primary, 30 s for public ones), HTTP
 * 429 (Retry-After honoured) and 5xx without a JSON-RPC body, bodies that
 * are not JSON-RPC, INTERNAL_ERROR, and causes that mean the node cannot
 * serve (UNKNOWN_BLOCK, NOT_SYNCED_YET, …).  Any other JSON-RPC error is
 * the answer about our request, whatever the HTTP status, and is final.
 */

#ifndef MM_NEAR_RPC_H
#define MM_NEAR_RPC_H

#include <stdint.h>

#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#define MM_RPC_MAX_ENDPOINTS  8

typedef enum {
    MM_RPC_OK = 0,        /* *result holds the "result" member */
    MM_RPC_ERROR,         /* the node's answer is an error about the request */
    MM_RPC_UNAVAILABLE    /* no endpoint could answer */
} mm_rpc_rc;

typedef struct mm_rpc_error {
    char name[48];        /* HANDLER_ERROR, …; "UNAVAILABLE" when no answer */
    char cause[48];       /* UNKNOWN_ACCOUNT, INVALID_TRANSACTION, TIMEOUT_ERROR, … */
    char message[256];    /* one line for a log, no secrets */
    json_t *error;        /* the whole error object, or NULL; the caller's reference */
    int unanswered;       /* attempts of this call that got no answer: each may have
                           * reached a node all the same */
} mm_rpc_error;

typedef struct mm_rpc_endpoint {
    char *url;            /* may hold a provider's key (path, query, userinfo): never shown */
    char name[80];        /* what errors, logs and metrics call it: "host #rank" */
    char host[64];        /* its host alone, the metrics' label */
    char *auth;           /* "Authorization: Bearer …" or NULL */
    long timeout_ms;
    int failures;         /* consecutive */
    double open_until;    /* breaker open until this monotonic second */
    uint64_t calls, errors;
    double latency_ms;    /* of the last answer */
} mm_rpc_endpoint;

typedef struct mm_near_rpc {
    mm_rpc_endpoint endpoint[MM_RPC_MAX_ENDPOINTS];
    int n;
    CURL *curl;
    long backoff_ms;      /* first retry delay; doubles */
    int retries;          /* per endpoint */
    int breaker_after;    /* consecutive failures */
    double breaker_open_s;
    uint64_t next_id;
    redisContext *metrics;    /* counts calls per endpoint in mm:metrics, or NULL */
} mm_near_rpc;

/* Endpoints from a primary URL, comma-separated fallbacks and an optional
 * API key; 0, or -1 with err naming the setting at fault. */
int mm_near_rpc_init(mm_near_rpc *rpc, const char *primary, const char *fallbacks,
                     const char *api_key, char *err, size_t errlen);
void mm_near_rpc_free(mm_near_rpc *rpc);

/* One call; params is borrowed.  On MM_RPC_OK *result is a new reference. */
mm_rpc_rc mm_near_rpc_call(mm_near_rpc *rpc, const char *method, json_t *params,
                           json_t **result, mm_rpc_error *err);

#endif /* MM_NEAR_RPC_H */
