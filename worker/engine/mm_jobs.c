#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mm_difficulty.h"
#include "engine/mm_engine.h"
#include "engine/mm_jobs.h"
#include "log/mm_metrics.h"
#include "mm_ctx.h"
#include "quiz/mm_source.h"
#include "store/mm_redis.h"

#define MM_JOB_ATTEMPTS    3
#define MM_TOPUP_TOPICS    5
#define MM_TOPUP_LOW       5        /* ready questions below which a topic is topped up */
#define MM_TOPUP_COUNT     10
#define MM_IDLE_MS         500

static void mm_jobs_log(void *arg, const char *provider, const char *what) {
    mm_ctx *ctx = arg;

    mm_log_warn(&ctx->log, "engine", "%s: %s", provider, what);
}

typedef struct mm_job_lease {
    mm_ctx *ctx;
    mm_db *db;
    const char *id, *owner;
} mm_job_lease;

/* between provider calls: the job is still ours for another lease */
static void mm_jobs_extend(void *arg) {
    mm_job_lease *l = arg;
    char lease[24];
    const char *p[3] = { l->id, l->owner, lease };

    snprintf(lease, sizeof(lease), "%d", l->ctx->cfg.job_lease_ms);
    PQclear(mm_db_run(l->db, MM_SQL_JOB_EXTEND, 3, p));
}

/* Claims and runs one job; 1 when there was one, 0 when none, -1 on error. */
static int mm_jobs_run_one(mm_ctx *ctx, mm_engine *e, mm_db *db, const char *owner) {
    char lease[24], made_s[16];
    mm_question out[MM_ENGINE_MAX];
    mm_engine_result res;
    mm_llm_request req = { .language = "English" };
    const char *claim[2] = { owner, lease };
    mm_job_lease held = { ctx, db, NULL, owner };
    PGresult *job, *end;
    char id[24], topic[MM_Q_TOPIC_MAX];
    const char *state;
    int made = 0, player;

    memset(&res, 0, sizeof(res));
    snprintf(lease, sizeof(lease), "%d", ctx->cfg.job_lease_ms);
    if ((job = mm_db_run(db, MM_SQL_JOB_CLAIM, 2, claim)) == NULL)
        return -1;
    if (PQntuples(job) == 0) {
        PQclear(job);
        return 0;
    }
    snprintf(id, sizeof(id), "%s", PQgetvalue(job, 0, 0));
    snprintf(topic, sizeof(topic), "%s", PQgetvalue(job, 0, 3));
    player = !PQgetisnull(job, 0, 1);
    req.topic = topic;
    req.sdi = atoi(PQgetvalue(job, 0, 4));
    req.count = atoi(PQgetvalue(job, 0, 5));
    if (atoi(PQgetvalue(job, 0, 6)) > MM_JOB_ATTEMPTS) {
        /* the workers that held it died mid-way: it will not go better */
        snprintf(res.why, sizeof(res.why), "gave up after %d attempts", MM_JOB_ATTEMPTS);
    } else {
        long long t0 = mm_mono_ms();
        held.id = id;
        e->progress = mm_jobs_extend;
        e->progress_arg = &held;
        made = mm_engine_make(e, &req, out, &res);
        e->progress = NULL;
        mm_log_info(&ctx->log, "engine", "job %s (%s \"%s\", SDI %d): %d of %d questions from "
                    "%s in %lld ms%s%s", id, player ? "player" : "top-up", topic, req.sdi, made,
                    req.count, res.provider ? res.provider : "none", mm_mono_ms() - t0,
                    made ? "" : ": ", made ? "" : res.why);
    }
    PQclear(job);

    state = made > 0 ? "done" : "failed";
    snprintf(made_s, sizeof(made_s), "%d", made);
    {
        const char *p[6] = { id, owner, state, made_s, made ? res.provider : NULL,
                             made ? NULL : res.why };
        if ((end = mm_db_run(db, MM_SQL_JOB_END, 6, p)) == NULL)
            return -1;
        PQclear(end);
    }
    mm_metric_add(e->redis, "mm_engine_jobs_total",
                  made > 0 ? "state=\"done\"" : "state=\"failed\"", 1);
    return 1;
}

/* Generated topics players keep choosing get more before they run dry. */
static void mm_jobs_topup(mm_ctx *ctx, mm_engine *e, mm_db *db) {
    const char *p[2] = { "86400", "5" };
    PGresult *res = mm_db_run(db, MM_SQL_TOPUP_TOPICS, 2, p);

    if (res == NULL) {
        mm_log_warn(&ctx->log, "engine", "top-up: %s", db->err);
        return;
    }
    for (int i = 0; i < PQntuples(res) && i < MM_TOPUP_TOPICS; i++) {
        const char *topic = PQgetvalue(res, i, 0), *sdi = PQgetvalue(res, i, 1);
        long long ready = mm_ready_count(e->redis, topic, atoi(sdi));
        char count[16];
        const char *add[3] = { topic, sdi, count };

        if (ready < 0 || ready >= MM_TOPUP_LOW)
            continue;
        snprintf(count, sizeof(count), "%d", MM_TOPUP_COUNT);
        PQclear(mm_db_run(db, MM_SQL_TOPUP_ADD, 3, add));
    }
    PQclear(res);
}

/* The SDI of questions answered lately, from all their answers. */
static void mm_jobs_calibrate(mm_ctx *ctx, mm_engine *e, mm_db *db, int window_s) {
    char since[16], min[16];
    const char *p[2] = { since, min };
    PGresult *res;
    int changed = 0;

    snprintf(since, sizeof(since), "%d", window_s);
    snprintf(min, sizeof(min), "%d", MM_SDI_MIN_PLAYS);
    if ((res = mm_db_run(db, MM_SQL_CALIBRATE_READ, 2, p)) == NULL) {
        mm_log_warn(&ctx->log, "engine", "calibration: %s", db->err);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        int prior = atoi(PQgetvalue(res, i, 1)), plays = atoi(PQgetvalue(res, i, 3));
        int median = atoi(PQgetvalue(res, i, 5));
        double rate = atof(PQgetvalue(res, i, 4));
        int sdi = mm_sdi_calibrated(prior, plays, rate, median, ctx->cfg.question_seconds * 1000);
        char sdi_s[16], rate_s[32];
        const char *set[5] = { PQgetvalue(res, i, 0), sdi_s, PQgetvalue(res, i, 3), rate_s,
                               PQgetvalue(res, i, 5) };

        snprintf(sdi_s, sizeof(sdi_s), "%d", sdi);
        snprintf(rate_s, sizeof(rate_s), "%.4f", rate);
        changed += sdi != atoi(PQgetvalue(res, i, 2));
        PQclear(mm_db_run(db, MM_SQL_CALIBRATE_SET, 5, set));
    }
    if (PQntuples(res))
        mm_log_info(&ctx->log, "engine", "calibration: %d questions with %d+ answers, %d moved",
                    PQntuples(res), MM_SDI_MIN_PLAYS, changed);
    mm_metric_add(e->redis, "mm_engine_calibrated_total", NULL, changed);
    PQclear(res);
}

void *mm_jobs_main(void *arg) {
    mm_jobs_arg *a = arg;
    mm_ctx *ctx = a->ctx;
    mm_engine engine = *ctx->engine, *e = &engine;     /* breakers and timeouts: this thread's */
    redisContext *r = NULL;
    long long next_topup = 0, next_calibration = 0;
    int period_ms = ctx->cfg.engine_period_s * 1000;
    char owner[128];
    mm_db db;

    /* each thread holds its jobs under its own name */
    snprintf(owner, sizeof(owner), "%s/%d", ctx->instance, a->index);
    memset(&db, 0, sizeof(db));
    db.url = ctx->cfg.database_url;
    e->log = mm_jobs_log;
    e->log_arg = ctx;
    while (!atomic_load(&ctx->stop)) {
        int ran;

        if (mm_redis_ensure(ctx, &r, "engine") < 0)
            continue;
        if (mm_db_ensure(&db)) {
            mm_log_warn(&ctx->log, "engine", "%s", db.err);
            mm_nap(ctx, 1000);
            continue;
        }
        e->db = &db;
        e->redis = r;
        if ((ran = mm_jobs_run_one(ctx, e, &db, owner)) < 0)
            mm_log_warn(&ctx->log, "engine", "job: %s", db.err);
        if (ran == 1)
            continue;
        if (a->index == 0 && mm_mono_ms() >= next_calibration) {
            mm_jobs_calibrate(ctx, e, &db, 2 * ctx->cfg.engine_period_s);
            next_calibration = mm_mono_ms() + period_ms;
        }
        if (a->index == 0 && mm_engine_can_generate(e) && mm_mono_ms() >= next_topup) {
            mm_jobs_topup(ctx, e, &db);
            next_topup = mm_mono_ms() + period_ms;
        }
        mm_nap(ctx, ran < 0 ? 1000 : MM_IDLE_MS);
    }
    if (r)
        redisFree(r);
    mm_db_close(&db);
    return NULL;
}
