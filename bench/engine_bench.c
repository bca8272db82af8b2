/*
 * engine_bench: the quiz engine's own overhead, with an instant local LLM
 * (bench/llm-instant.mjs) so nothing but our code and our stores is timed.
 *   1. parse + validate + filter of a 20-item answer, in process (items/s)
 *   2. the whole pipeline per request: HTTP, parse, validate, filter,
 *      de-duplicate against the topic, SDI, store in PostgreSQL, offer in
 *      Redis (questions/s, request latency)
 *   3. serving one question: from the Redis ready cache, and from the bank
 *      in PostgreSQL (pick + read), latency percentiles
 * Run by bench/engine.pl, which starts PostgreSQL, Redis and the LLM.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <sodium.h>

#include "engine/mm_engine.h"
#include "engine/mm_llm_output.h"
#include "engine/mm_words.h"
#include "bank/mm_bank.h"
#include "bank/mm_ready.h"

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *us, int n) {
    if (n == 0)
        return;
    qsort(us, (size_t) n, sizeof(double), cmp_double);
    printf("{\"bench\":\"%s\",\"n\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n", what,
           n, us[n / 2] / 1000, us[n * 99 / 100] / 1000, us[n - 1] / 1000);
}

/* a 20-item answer text, as a model writes it */
static char *canned_answer(void) {
    static const char *things[] = { "comet", "nebula", "quasar", "pulsar", "asteroid", "meteor",
                                    "galaxy", "supernova", "planet", "moon" };
    size_t cap = 20 * 400, len = 0;
    char *t = malloc(cap);

    len += (size_t) snprintf(t + len, cap - len, "{\"questions\":[");
    for (int i = 0; i < 20; i++)
        len += (size_t) snprintf(t + len, cap - len,
            "%s{\"question\":\"Which %s fact number %d is true about %s observation?\","
            "\"options\":[\"First %d\",\"Second %d\",\"Third %d\",\"Fourth %d\"],"
            "\"correct_index\":%d,\"explanation\":\"Because the %s is observed so (%d).\","
            "\"sdi\":%d}", i ? "," : "", things[i % 10], i, things[(i + 3) % 10], i, i, i, i,
            i % 4, things[i % 10], i, 1 + i % 10);
    snprintf(t + len, cap - len, "]}");
    return t;
}

int main(int argc, char **argv) {
    int requests = argc > 1 ? atoi(argv[1]) : 100, serves = argc > 2 ? atoi(argv[2]) : 10000;
    const char *port = getenv("REDIS_PORT");
    mm_question out[MM_ENGINE_MAX], q;
    mm_engine_result res;
    mm_engine e;
    mm_config cfg;
    mm_db db = { NULL };
    char err[300] = "", why[200];
    double *lat, t0, t;
    long made = 0;
    char *canned;

    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT)
        || mm_config_load(&cfg, MM_NEED_DATABASE, err, sizeof(err))
        || mm_engine_config(&e, &cfg, err, sizeof(err)) || mm_db_open(&db, cfg.database_url)) {
        fprintf(stderr, "engine_bench: set DATABASE_URL, REDIS_PORT and an LLM (%s %s)\n", err,
                db.err);
        return 1;
    }
    e.db = &db;
    e.redis = redisConnect("127.0.0.1", port ? atoi(port) : 6379);
    lat = calloc((size_t) (requests > serves ? requests : serves), sizeof(double));

    /* 1. in process: the checks every item goes through */
    canned = canned_answer();
    t0 = now_us();
    for (int i = 0; i < 2000; i++)
        if (mm_llm_questions(canned, "space", 5, mm_blocked_words, out, 20, NULL, NULL, why,
                             sizeof(why)) != 20) {
            fprintf(stderr, "engine_bench: canned answer rejected: %s\n", why);
            return 1;
        }
    t = now_us() - t0;
    printf("{\"bench\":\"parse_validate_filter\",\"items\":40000,\"items_per_s\":%.0f,"
           "\"us_per_item\":%.2f}\n", 40000 / (t / 1e6), t / 40000);

    /* 2. the pipeline, 20 questions a request, 10 topics growing side by side */
    t0 = now_us();
    for (int i = 0; i < requests; i++) {
        char topic[32];
        mm_llm_request req = { .topic = topic, .sdi = 5, .count = 20, .language = "English" };
        double s = now_us();
        snprintf(topic, sizeof(topic), "bench topic %d", i % 10);
        made += mm_engine_make(&e, &req, out, &res);
        lat[i] = now_us() - s;
    }
    t = now_us() - t0;
    printf("{\"bench\":\"pipeline\",\"requests\":%d,\"questions\":%ld,\"questions_per_s\":%.0f}\n",
           requests, made, made / (t / 1e6));
    report("pipeline_request", lat, requests);

    /* 3a. serving from the ready cache: one question, parsed */
    memset(&q, 0, sizeof(q));
    snprintf(q.topic, sizeof(q.topic), "serve");
    snprintf(q.text, sizeof(q.text), "Which planet has the shortest year of all eight planets?");
    for (int i = 0; i < 4; i++)
        snprintf(q.options[i], sizeof(q.options[i]), "%s",
                 (const char *[]) { "Mercury", "Venus", "Mars", "Jupiter" }[i]);
    snprintf(q.explanation, sizeof(q.explanation), "Mercury orbits the Sun in 88 days.");
    q.sdi = 5;
    for (int i = 0; i < serves; i++)
        mm_ready_push(e.redis, &q, 5, i + 1);
    for (int i = 0; i < serves; i++) {
        long long id;
        double s = now_us();
        if (mm_ready_take(e.redis, "serve", 5, 1, &id, &q) != 1) {
            fprintf(stderr, "engine_bench: the ready cache ran dry at %d\n", i);
            return 1;
        }
        lat[i] = now_us() - s;
    }
    report("serve_from_redis", lat, serves);

    /* 3b. serving from the bank: the pick a run makes, then the question */
    for (int i = 0; i < serves; i++) {
        char id[24];
        mm_params p;
        PGresult *r;
        double s = now_us();
        mm_params_init(&p, MM_SQL_PICK_QUESTIONS);
        mm_param_str(&p, "bench topic 0");
        mm_param_int(&p, 5);
        mm_param_int(&p, i);
        mm_param_int(&p, 1);
        if (mm_db_one(&db, &p, &r) != 1) {
            fprintf(stderr, "engine_bench: pick failed: %s\n", db.err);
            return 1;
        }
        snprintf(id, sizeof(id), "%s", mm_col_str(r, 0, 0));
        PQclear(r);
        const char *qp[1] = { id };
        r = PQexecParams(db.conn, "SELECT topic, question, options, correct, explanation, sdi "
                         "FROM questions WHERE id = $1", 1, NULL, qp, NULL, NULL, 0);
        PQclear(r);
        lat[i] = now_us() - s;
    }
    report("serve_from_postgresql", lat, serves);

    free(canned);
    free(lat);
    redisFree(e.redis);
    mm_db_close(&db);
    return 0;
}
