#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mm_difficulty.h"
#include "engine/mm_engine.h"
#include "engine/mm_jobs.h"
#include "log/mm_metrics.h"
#include "mm_ctx.h"
#include "bank/mm_bank.h"
#include "bank/mm_ready.h"
#include "sched/mm_timers.h"
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
    mm_params p;

    mm_params_init(&p, MM_SQL_JOB_EXTEND);
    mm_param_str(&p, l->id);
    mm_param_str(&p, l->owner);
    mm_param_int(&p, l->ctx->cfg.job_lease_ms);
    if (mm_db_do(l->db, &p))
        mm_log_warn(&l->ctx->log, "engine", "job %s lease: %s", l->id, l->db->err);
}

/* Claims and runs one job; 1 when there was one, 0 when none, -1 on error. */
static int mm_jobs_run_one(mm_ctx *ctx, mm_engine *e, mm_db *db, const char *owner) {
    mm_question out[MM_ENGINE_MAX];
    mm_engine_result res;
    mm_llm_request req = { .language = "English" };
    mm_job_lease held = { ctx, db, NULL, owner };
    mm_params p;
    PGresult *job;
    char id[24], topic[MM_Q_TOPIC_MAX];
    int made = 0, player, rc;

    memset(&res, 0, sizeof(res));
    mm_params_init(&p, MM_SQL_JOB_CLAIM);
    mm_param_str(&p, owner);
    mm_param_int(&p, ctx->cfg.job_lease_ms);
    if ((rc = mm_db_one(db, &p, &job)) <= 0)
        return rc;
    snprintf(id, sizeof(id), "%s", mm_col_str(job, 0, MM_JOB_ID));
    snprintf(topic, sizeof(topic), "%s", mm_col_str(job, 0, MM_JOB_TOPIC));
    player = !mm_col_null(job, 0, MM_JOB_USER);
    req.topic = topic;
    req.sdi = mm_col_int(job, 0, MM_JOB_SDI);
    req.count = mm_col_int(job, 0, MM_JOB_COUNT);
    if (mm_col_int(job, 0, MM_JOB_ATTEMPTS) > MM_JOB_ATTEMPTS) {
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

    mm_params_init(&p, MM_SQL_JOB_END);
    mm_param_str(&p, id);
    mm_param_str(&p, owner);
    mm_param_str(&p, made > 0 ? "done" : "failed");
    mm_param_int(&p, made);
    mm_param_str(&p, made ? res.provider : NULL);
    mm_param_str(&p, made ? NULL : res.why);
    mm_param_str(&p, MM_TIMER_QUIZ_READY);
    if (mm_db_do(db, &p))
        return -1;
    mm_metric_add(e->redis, "mm_engine_jobs_total",
                  made > 0 ? "state=\"done\"" : "state=\"failed\"", 1);
    return 1;
}

/* Generated topics players keep choosing get more before they run dry. */
static void mm_jobs_topup(mm_ctx *ctx, mm_engine *e, mm_db *db) {
    mm_params p;
    PGresult *res;

    mm_params_init(&p, MM_SQL_TOPUP_TOPICS);
    mm_param_int(&p, 86400);
    mm_param_int(&p, MM_TOPUP_TOPICS);
    if ((res = mm_db_query(db, &p)) == NULL) {
        mm_log_warn(&ctx->log, "engine", "top-up: %s", db->err);
        return;
    }
    for (int i = 0; i < PQntuples(res) && i < MM_TOPUP_TOPICS; i++) {
        const char *topic = mm_col_str(res, i, MM_TOPUP_TOPIC);
        int sdi = mm_col_int(res, i, MM_TOPUP_SDI);
        long long ready = mm_ready_count(e->redis, topic, sdi);

        if (ready < 0 || ready >= MM_TOPUP_LOW)
            continue;
        mm_params_init(&p, MM_SQL_TOPUP_ADD);
        mm_param_str(&p, topic);
        mm_param_int(&p, sdi);
        mm_param_int(&p, MM_TOPUP_COUNT);
        if (mm_db_do(db, &p))
            mm_log_warn(&ctx->log, "engine", "top-up of \"%s\": %s", topic, db->err);
    }
    PQclear(res);
}

/* The SDI of questions answered lately, from all their answers. */
static void mm_jobs_calibrate(mm_ctx *ctx, mm_engine *e, mm_db *db, int window_s) {
    mm_params p;
    PGresult *res;
    int changed = 0;

    mm_params_init(&p, MM_SQL_CALIBRATE_READ);
    mm_param_int(&p, window_s);
    mm_param_int(&p, MM_SDI_MIN_PLAYS);
    if ((res = mm_db_query(db, &p)) == NULL) {
        mm_log_warn(&ctx->log, "engine", "calibration: %s", db->err);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        int prior = mm_col_int(res, i, MM_CAL_PRIOR), plays = mm_col_int(res, i, MM_CAL_PLAYS);
        int median = mm_col_int(res, i, MM_CAL_MEDIAN);
        double rate = mm_col_double(res, i, MM_CAL_RATE);
        int sdi = mm_sdi_calibrated(prior, plays, rate, median, ctx->cfg.question_seconds * 1000);
        char rate_s[32];

        snprintf(rate_s, sizeof(rate_s), "%.4f", rate);
        changed += sdi != mm_col_int(res, i, MM_CAL_SDI);
        mm_params_init(&p, MM_SQL_CALIBRATE_SET);
        mm_param_ll(&p, mm_col_ll(res, i, MM_CAL_ID));
        mm_param_int(&p, sdi);
        mm_param_int(&p, plays);
        mm_param_str(&p, rate_s);
        mm_param_int(&p, median);
        if (mm_db_do(db, &p))
            mm_log_warn(&ctx->log, "engine", "calibration: %s", db->err);
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
