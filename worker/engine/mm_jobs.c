#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank/mm_bank.h"
#include "bank/mm_ready.h"
#include "engine/mm_difficulty.h"
#include "engine/mm_jobs.h"
#include "log/mm_metrics.h"
#include "mm_member.h"
#include "sched/mm_budget.h"
#include "sched/mm_queue.h"
#include "sched/mm_timers.h"

#define MM_JOB_ATTEMPTS    3
#define MM_TOPUP_TOPICS    5
#define MM_TOPUP_LOW       5        /* ready questions below which a topic is topped up */
#define MM_TOPUP_COUNT     10
#define MM_IDLE_MS         500
#define MM_PRUNE_BATCH     5000     /* rows per statement: no lock is held long */

int mm_generate_queue(mm_db *db, long long user_id, long long chat_id, const char *topic,
                      int sdi, int count) {
    json_t *payload = json_pack("{s:s, s:i, s:i}", "topic", topic, "sdi", sdi, "count", count);
    char dedupe[MM_Q_TOPIC_MAX + 32];
    int rc;

    if (user_id)
        snprintf(dedupe, sizeof(dedupe), "user:%lld", user_id);
    else
        snprintf(dedupe, sizeof(dedupe), "topup:%d:%s", sdi, topic);
    /* a player waits; a top-up does not */
    rc = mm_queue_add(db, MM_JOB_GENERATE, user_id, chat_id, payload, dedupe, user_id ? 0 : 1,
                      NULL);
    json_decref(payload);
    return rc;
}

int mm_quiz_job_queue(mm_db *db, long long quiz, long long user_id, long long chat_id) {
    json_t *payload = json_pack("{s:I}", "quiz", (json_int_t) quiz);
    char dedupe[48];
    int rc;

    snprintf(dedupe, sizeof(dedupe), "quiz:%lld", quiz);
    rc = mm_queue_add(db, MM_JOB_QUIZ, user_id, chat_id, payload, dedupe, 0, NULL);
    json_decref(payload);
    return rc;
}

static void mm_jobs_log(void *arg, const char *provider, const char *what) {
    mm_ctx *ctx = arg;

    mm_log_warn(&ctx->log, "engine", "%s: %s", provider, what);
}

typedef struct mm_generate_run {
    mm_ctx *ctx;
    mm_job *job;
} mm_generate_run;

/* between provider calls: the job is still ours for another lease */
static void mm_jobs_extend(void *arg) {
    mm_generate_run *run = arg;

    if (mm_queue_extend(run->job))
        mm_log_warn(&run->ctx->log, "engine", "job %lld: keeping its lease: %s", run->job->id,
                    run->job->db->err);
}

/* A generation job: the engine writes its questions into the bank. */
static json_t *mm_generate_job(void *runner, mm_job *job, char *err, size_t errlen) {
    mm_engine_loop *el = runner;
    mm_engine *e = &el->engine;
    mm_ctx *ctx = el->loop.ctx;
    mm_question out[MM_ENGINE_MAX];
    mm_engine_result res;
    mm_llm_request req = { .language = "English" };
    char topic[MM_Q_TOPIC_MAX];
    mm_generate_run run = { ctx, job };
    long long t0 = mm_mono_ms();
    int made;

    memset(&res, 0, sizeof(res));
    snprintf(topic, sizeof(topic), "%s", mm_member_str(job->payload, "topic"));
    req.topic = topic;
    req.sdi = (int) mm_member_ll(job->payload, "sdi");
    req.count = (int) mm_member_ll(job->payload, "count");
    e->db = job->db;
    e->redis = el->loop.redis;
    e->progress = mm_jobs_extend;
    e->progress_arg = &run;
    made = mm_engine_make(e, &req, out, &res);
    e->progress = NULL;
    mm_log_info(&ctx->log, "engine", "job %lld (%s \"%s\", SDI %d): %d of %d questions from %s "
                "in %lld ms%s%s", job->id, job->user_id ? "player" : "top-up", topic, req.sdi,
                made, req.count, res.provider ? res.provider : "none", mm_mono_ms() - t0,
                made ? "" : ": ", made ? "" : res.why);
    mm_metric_add(e->redis, "mm_engine_jobs_total",
                  made > 0 ? "state=\"done\"" : "state=\"failed\"", 1);
    if (made == 0) {
        snprintf(err, errlen, "%s", res.why);
        return NULL;
    }
    return json_pack("{s:i, s:s}", "made", made, "provider", res.provider ? res.provider : "");
}

/* Up to want more ids from the engine into ids[*n], in rounds of at most
 * MM_ENGINE_MAX; the provider that answered, or NULL (why in res). */
static const char *mm_quiz_generate(mm_engine_loop *el, mm_llm_request *req,
                                    int want, long long *ids, int *n, mm_engine_result *res) {
    mm_question out[MM_ENGINE_MAX];
    const char *provider = NULL;

    for (int round = 0; round < 3 && *n < want; round++) {
        int made;
        req->count = want - *n < MM_ENGINE_MAX ? want - *n : MM_ENGINE_MAX;
        memset(res, 0, sizeof(*res));
        if ((made = mm_engine_make(&el->engine, req, out, res)) == 0)
            break;
        provider = res->provider;
        for (int i = 0; i < made && *n < want; i++)
            ids[(*n)++] = res->ids[i];
    }
    return provider;
}

/* A group quiz's questions: the engine's from its topic and the creator's
 * notes (with a language model), then the bank's; frozen for the quiz.  A
 * job run again after its holder died finds them made and stops there. */
static json_t *mm_quiz_job(void *runner, mm_job *job, char *err, size_t errlen) {
    mm_engine_loop *el = runner;
    mm_engine *e = &el->engine;
    mm_ctx *ctx = el->loop.ctx;
    long long quiz = mm_member_ll(job->payload, "quiz"), ids[MM_QUIZ_QUESTIONS_MAX], picked[64];
    char topic[MM_Q_TOPIC_MAX], notes[2048 * 4], idlist[MM_QUIZ_QUESTIONS_MAX * 21 + 2];
    mm_llm_request req = { .language = "English", .sdi = 5 };
    mm_generate_run run = { ctx, job };
    mm_engine_result res;
    const char *provider = NULL;
    int count, n = 0, made, np, len;
    mm_params p;
    PGresult *row;

    mm_params_init(&p, MM_SQL_QUIZ_GET);
    mm_param_ll(&p, quiz);
    if (mm_db_one(job->db, &p, &row) != 1) {
        snprintf(err, errlen, "quiz %lld: %s", quiz, job->db->err[0] ? job->db->err : "none");
        return NULL;
    }
    snprintf(topic, sizeof(topic), "%s", mm_col_str(row, 0, MM_QUIZ_TOPIC));
    snprintf(notes, sizeof(notes), "%s", mm_col_str(row, 0, MM_QUIZ_NOTES));
    count = mm_col_int(row, 0, MM_QUIZ_COUNT);
    made = mm_col_int(row, 0, MM_QUIZ_MADE);
    PQclear(row);
    if (made > 0)
        return json_pack("{s:i, s:s}", "made", made, "provider", "");
    if (count > MM_QUIZ_QUESTIONS_MAX)
        count = MM_QUIZ_QUESTIONS_MAX;

    memset(&res, 0, sizeof(res));
    e->db = job->db;
    e->redis = el->loop.redis;
    e->progress = mm_jobs_extend;
    e->progress_arg = &run;
    req.topic = topic;
    req.notes = notes[0] ? notes : NULL;
    if (mm_engine_can_generate(e) && strcmp(topic, MM_TOPIC_MIX))
        provider = mm_quiz_generate(el, &req, count, ids, &n, &res);
    e->progress = NULL;
    /* the rest from the bank, none twice */
    if (n < count) {
        np = mm_bank_pick(job->db, el->loop.redis, topic, req.sdi, job->user_id,
                          count < 64 ? count : 64, picked);
        for (int i = 0; i < np && n < count; i++) {
            int dup = 0;
            for (int j = 0; j < n; j++)
                dup |= ids[j] == picked[i];
            if (!dup)
                ids[n++] = picked[i];
        }
    }
    mm_log_info(&ctx->log, "engine", "job %lld (quiz %lld \"%s\"): %d of %d questions%s%s", job->id,
                quiz, topic, n, count, provider ? " from " : " from the bank",
                provider ? provider : "");
    if (n == 0) {
        snprintf(err, errlen, "%s", res.why[0] ? res.why : "no questions on this topic");
        return NULL;
    }
    len = snprintf(idlist, sizeof(idlist), "{");
    for (int i = 0; i < n; i++)
        len += snprintf(idlist + len, sizeof(idlist) - (size_t) len, "%s%lld", i ? "," : "",
                        ids[i]);
    snprintf(idlist + len, sizeof(idlist) - (size_t) len, "}");
    mm_params_init(&p, MM_SQL_QUIZ_QUESTIONS_SET);
    mm_param_ll(&p, quiz);
    mm_param_str(&p, idlist);
    if (mm_db_do(job->db, &p)) {
        snprintf(err, errlen, "quiz %lld: %s", quiz, job->db->err);
        return NULL;
    }
    return json_pack("{s:i, s:s}", "made", n, "provider", provider ? provider : "bank");
}

static const mm_queue_kind mm_engine_kinds[] = {
    { MM_JOB_GENERATE, mm_generate_job, MM_JOB_ATTEMPTS, MM_TIMER_QUIZ_READY },
    { MM_JOB_QUIZ, mm_quiz_job, MM_JOB_ATTEMPTS, MM_TIMER_QUIZ_MADE },
};

static int mm_engine_step(mm_loop *l) {
    mm_engine_loop *el = l->arg;
    char err[600];
    int rc = mm_queue_run_one(&l->db, l->owner, l->ctx->cfg.job_lease_ms, mm_engine_kinds,
                              sizeof(mm_engine_kinds) / sizeof(mm_engine_kinds[0]), el, err,
                              sizeof(err));

    if (rc < 0)
        mm_log_warn(&l->ctx->log, "engine", "%s", err);
    return rc;
}

void mm_engine_loop_init(mm_engine_loop *el, mm_ctx *ctx, int index) {
    memset(el, 0, sizeof(*el));
    el->engine = *ctx->engine;
    el->engine.log = mm_jobs_log;
    el->engine.log_arg = ctx;
    snprintf(el->name, sizeof(el->name), "engine%d", index);
    mm_loop_init(&el->loop, ctx, el->name, MM_LOOP_REDIS | MM_LOOP_DB, mm_engine_step,
                 MM_IDLE_MS, el);
    el->loop.component = "engine";
}

/* Generated topics players keep choosing get more before they run dry. */
static void mm_jobs_topup(mm_ctx *ctx, redisContext *redis, mm_db *db) {
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
        long long ready = mm_ready_count(redis, topic, sdi);

        if (ready < 0 || ready >= MM_TOPUP_LOW)
            continue;
        if (mm_budget_room(db, redis, &ctx->cfg, MM_BUDGET_GENERATIONS, 0) != 1)
            break;          /* the day's budget of generations is spent (or unknown) */
        if (mm_generate_queue(db, 0, 0, topic, sdi, MM_TOPUP_COUNT) < 0)
            mm_log_warn(&ctx->log, "engine", "top-up of \"%s\": %s", topic, db->err);
    }
    PQclear(res);
}

/* The SDI of questions answered lately, from all their answers. */
static void mm_jobs_calibrate(mm_ctx *ctx, redisContext *redis, mm_db *db, int window_s) {
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
    mm_metric_add(redis, "mm_engine_calibrated_total", NULL, changed);
    PQclear(res);
}

/* What the prune bounds: a statement, the setting that says how long its
 * rows are kept (in the statement's unit) and its name in mm:metrics. */
typedef struct mm_prune {
    mm_sql sql;
    size_t keep;                    /* offset of an int in mm_config */
    const char *table;
} mm_prune;

static const mm_prune mm_prunes[] = {
    { MM_SQL_PRUNE_PROCESSED, offsetof(mm_config, processed_retention_h), "processed_updates" },
    { MM_SQL_PRUNE_OUTBOX, offsetof(mm_config, retention_days), "outbox" },
    { MM_SQL_PRUNE_JOBS, offsetof(mm_config, retention_days), "jobs" },
    { MM_SQL_PRUNE_SIGNED_TX, offsetof(mm_config, signed_tx_retention_days), "payouts.signed_tx" },
};

/* One batch of each table's old rows, counted in mm:metrics; 1 when a
 * batch was full (more are due at once), else 0. */
static int mm_jobs_prune(mm_ctx *ctx, redisContext *redis, mm_db *db) {
    int more = 0;

    for (size_t i = 0; i < sizeof(mm_prunes) / sizeof(mm_prunes[0]); i++) {
        const mm_prune *pr = &mm_prunes[i];
        char labels[64];
        mm_params p;
        long long n;

        mm_params_init(&p, pr->sql);
        mm_param_int(&p, *(const int *) (const void *) ((const char *) &ctx->cfg + pr->keep));
        mm_param_int(&p, MM_PRUNE_BATCH);
        if ((n = mm_db_count(db, &p)) < 0) {
            mm_log_warn(&ctx->log, "maintenance", "pruning %s: %s", pr->table, db->err);
            continue;
        }
        if (n > 0)
            mm_log_info(&ctx->log, "maintenance", "pruned %lld old rows of %s", n, pr->table);
        snprintf(labels, sizeof(labels), "table=\"%s\"", pr->table);
        mm_metric_add(redis, "mm_pruned_rows_total", labels, n);
        more |= n == MM_PRUNE_BATCH;
    }
    return more;
}

static int mm_maintenance_step(mm_loop *l) {
    mm_maintenance *m = l->arg;
    mm_ctx *ctx = l->ctx;
    int period_ms = ctx->cfg.engine_period_s * 1000, more = 0;

    if (mm_mono_ms() >= m->next_calibration) {
        mm_jobs_calibrate(ctx, l->redis, &l->db, 2 * ctx->cfg.engine_period_s);
        m->next_calibration = mm_mono_ms() + period_ms;
    }
    if (mm_engine_can_generate(ctx->engine) && mm_mono_ms() >= m->next_topup) {
        mm_jobs_topup(ctx, l->redis, &l->db);
        m->next_topup = mm_mono_ms() + period_ms;
    }
    if (mm_mono_ms() >= m->next_prune) {
        more = mm_jobs_prune(ctx, l->redis, &l->db);
        m->next_prune = more ? 0 : mm_mono_ms() + ctx->cfg.prune_interval_s * 1000LL;
    }
    return more;
}

void mm_maintenance_init(mm_maintenance *m, mm_ctx *ctx) {
    memset(m, 0, sizeof(*m));
    mm_loop_init(&m->loop, ctx, "maintenance", MM_LOOP_REDIS | MM_LOOP_DB, mm_maintenance_step,
                 1000, m);
    m->loop.lease = "mm:lease:maintenance";
    m->loop.lease_ms = ctx->cfg.lease_ms;
}
