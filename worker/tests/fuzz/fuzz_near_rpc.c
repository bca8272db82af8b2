/*
 * libFuzzer target: how the NEAR RPC client (chain/mm_near_rpc.c) takes a
 * node's answers: a JSON-RPC result, an error about the request, or a
 * failure of the endpoint (and so the next one).  The classification sits
 * inside try_once() with the curl calls, so this target links the real
 * mm_near_rpc.c against a fake libcurl defined here (no -lcurl: no
 * socket is ever opened) that answers each curl_easy_perform with the next
 * answer of the input.  So the whole of mm_near_rpc_call runs: three
 * endpoints, retries (no backoff), circuit breakers, Retry-After.
 *
 *   make fuzz && build/tests/fuzz_near_rpc -max_total_time=600 <corpus> worker/tests/fuzz/seeds/near_rpc
 *
 * Input: answers separated by "\n===\n", each "<http status> <curl code>
 * <retry-after s>\n<body>"; when they run out, the fake cannot connect.
 * Invariants: at most 3 x 4 tries; MM_RPC_OK exactly with a result, which
 * equals the "result" member of the last answer; MM_RPC_ERROR with the
 * last answer's "error" object, named as it names itself (or ERROR),
 * whose cause is not one that means "this node cannot serve now"; MM_RPC_UNAVAILABLE only when no answer was a
 * result or such an error, named UNAVAILABLE; every text field terminated.
 */

#define _GNU_SOURCE         /* memmem */

#include <stdarg.h>
#include <stdio.h>

#include <sodium.h>

#include "fuzz.h"
#include "chain/mm_near_rpc.h"

#define SEP "\n===\n"
#define MAX_ANSWERS 64

typedef struct answer { long status; int cc; long retry_after; const char *body; size_t len; } answer;

static answer answers[MAX_ANSWERS];
static int nanswers, next, performed[MAX_ANSWERS], nperformed;
static curl_write_callback write_fn;
static void *write_data;
static long cur_status, cur_retry_after;
static int fake_handle;

/* the fake libcurl: only what mm_near_rpc.c calls */
CURL *(curl_easy_init)(void) { return (CURL *) &fake_handle; }
void (curl_easy_cleanup)(CURL *c) { (void) c; }
void (curl_easy_reset)(CURL *c) { (void) c; write_fn = NULL; write_data = NULL; }
const char *(curl_easy_strerror)(CURLcode cc) { return cc ? "fake transport error" : "No error"; }
struct curl_slist *(curl_slist_append)(struct curl_slist *l, const char *s) {
    static struct curl_slist one;
    (void) l, (void) s;
    return &one;
}
void (curl_slist_free_all)(struct curl_slist *l) { (void) l; }

CURLcode (curl_easy_setopt)(CURL *c, CURLoption opt, ...) {
    va_list ap;

    (void) c;
    va_start(ap, opt);
    if (opt == CURLOPT_WRITEFUNCTION)
        write_fn = va_arg(ap, curl_write_callback);
    else if (opt == CURLOPT_WRITEDATA)
        write_data = va_arg(ap, void *);
    va_end(ap);
    return CURLE_OK;
}

CURLcode (curl_easy_getinfo)(CURL *c, CURLINFO info, ...) {
    va_list ap;

    (void) c;
    va_start(ap, info);
    if (info == CURLINFO_RESPONSE_CODE)
        *va_arg(ap, long *) = cur_status;
    else if (info == CURLINFO_RETRY_AFTER)
        *va_arg(ap, curl_off_t *) = cur_retry_after;
    va_end(ap);
    return CURLE_OK;
}

CURLcode (curl_easy_perform)(CURL *c) {
    answer *a;
    size_t half;

    (void) c;
    CHECK(write_fn != NULL && nperformed < MAX_ANSWERS);
    if (next >= nanswers) {
        performed[nperformed++] = -1;
        return CURLE_COULDNT_CONNECT;
    }
    performed[nperformed++] = next;
    a = &answers[next++];
    cur_status = a->status;
    cur_retry_after = a->retry_after;
    /* the body in two writes, as a network would */
    half = a->len / 2;
    if (half && write_fn((char *) a->body, 1, half, write_data) != half)
        return CURLE_WRITE_ERROR;
    if (a->len - half && write_fn((char *) a->body + half, 1, a->len - half, write_data)
                         != a->len - half)
        return CURLE_WRITE_ERROR;
    return (CURLcode) a->cc;
}

static int provider_problem(const char *name, const char *cause) {
    static const char *const causes[] = {
        "UNKNOWN_BLOCK", "GARBAGE_COLLECTED_BLOCK", "NOT_SYNCED_YET", "NO_SYNCED_BLOCKS",
        "UNAVAILABLE_SHARD", "INTERNAL_ERROR", NULL
    };

    if (name && !strcmp(name, "INTERNAL_ERROR"))
        return 1;
    for (int i = 0; cause && causes[i]; i++)
        if (!strcmp(cause, causes[i]))
            return 1;
    return 0;
}

/* what answer i is: 'R' a result, 'E' a final error, 'N' neither; its
 * result or error in *v (a new reference) */
static int kind_of(int i, json_t **v) {
    json_t *doc, *e;
    const char *name, *cause;
    int k = 'N';

    *v = NULL;
    if (i < 0 || answers[i].cc != 0)
        return 'N';
    doc = json_loadb(answers[i].body, answers[i].len, 0, NULL);
    if (json_is_object(doc) && (e = json_object_get(doc, "result")) != NULL) {
        *v = json_incref(e);
        k = 'R';
    } else if (json_is_object(doc) && json_is_object(e = json_object_get(doc, "error"))) {
        name = json_string_value(json_object_get(e, "name"));
        cause = json_string_value(json_object_get(json_object_get(e, "cause"), "name"));
        if (!provider_problem(name ? name : "ERROR", cause ? cause : "")) {
            *v = json_incref(e);
            k = 'E';
        }
    }
    json_decref(doc);
    return k;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void) argc, (void) argv;
    CHECK(sodium_init() >= 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *copy = fuzz_copy(data, size), err[128];
    const char *p = copy, *end = copy + size;
    mm_near_rpc rpc;
    mm_rpc_error e;
    json_t *params = json_object(), *result = (json_t *) 1, *v;
    mm_rpc_rc rc;
    int last, k;

    /* split the answers */
    nanswers = next = nperformed = 0;
    while (p <= end && nanswers < MAX_ANSWERS) {
        const char *sep = memmem(p, (size_t) (end - p), SEP, strlen(SEP));
        const uint8_t *body = (const uint8_t *) p;
        size_t len = (size_t) ((sep ? sep : end) - p);
        long long h[3];

        fuzz_header(&body, &len, h, 3);
        answers[nanswers++] = (answer) { (long) (h[0] % 1000), (int) (h[1] % 100),
                                         (long) (h[2] % 100000), (const char *) body, len };
        if (sep == NULL)
            break;
        p = sep + strlen(SEP);
    }

    CHECK(params != NULL);
    CHECK(mm_near_rpc_init(&rpc, "http://127.0.0.1:9/", "http://127.0.0.1:9/b, http://127.0.0.1:9/c",
                           "key", err, sizeof(err)) == 0);
    CHECK(rpc.n == 3);
    rpc.backoff_ms = 0;

    rc = mm_near_rpc_call(&rpc, "query", params, &result, &e);
    CHECK(rc == MM_RPC_OK || rc == MM_RPC_ERROR || rc == MM_RPC_UNAVAILABLE);
    CHECK(nperformed >= 1 && nperformed <= 3 * 4);
    CHECK(fuzz_terminated(e.name, sizeof(e.name)) && fuzz_terminated(e.cause, sizeof(e.cause))
          && fuzz_terminated(e.message, sizeof(e.message)));
    CHECK((rc == MM_RPC_OK) == (result != NULL));

    last = performed[nperformed - 1];
    k = kind_of(last, &v);
    if (rc == MM_RPC_OK) {
        CHECK(k == 'R' && json_equal(result, v) && e.error == NULL);
    } else if (rc == MM_RPC_ERROR) {
        CHECK(k == 'E' && json_is_object(e.error) && json_equal(e.error, v));
        {
            const char *name = json_string_value(json_object_get(v, "name"));
            CHECK(!strncmp(e.name, name ? name : "ERROR", sizeof(e.name) - 1));
            CHECK(!provider_problem(e.name, e.cause));
        }
    } else {
        CHECK(!strcmp(e.name, "UNAVAILABLE"));
        for (int i = 0; i < nperformed; i++) {
            json_t *w;
            CHECK(kind_of(performed[i], &w) == 'N');
            json_decref(w);
        }
    }
    /* every answer before the last was not final */
    for (int i = 0; i + 1 < nperformed; i++) {
        json_t *w;
        CHECK(kind_of(performed[i], &w) == 'N');
        json_decref(w);
    }
    json_decref(v);
    json_decref(result);
    json_decref(e.error);
    json_decref(params);
    mm_near_rpc_free(&rpc);
    free(copy);
    return 0;
}
