#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm_buf.h"
#include "mm_utf8.h"
#include "sched/mm_queue.h"

int mm_queue_add(mm_db *db, const char *kind, long long user_id, long long chat_id,
                 json_t *payload, const char *dedupe, int priority, long long *id) {
    json_t *empty = payload ? NULL : json_object();
    char *json = json_dumps(payload ? payload : empty, JSON_COMPACT);
    mm_params p;
    PGresult *res;
    int rc;

    json_decref(empty);
    if (json == NULL) {
        snprintf(db->err, sizeof(db->err), "out of memory queueing a %s job", kind);
        return -1;
    }
    mm_params_init(&p, MM_SQL_JOB_ADD);
    mm_param_str(&p, kind);
    if (user_id)
        mm_param_ll(&p, user_id);
    else
        mm_param_null(&p);
    if (chat_id)
        mm_param_ll(&p, chat_id);
    else
        mm_param_null(&p);
    mm_param_str(&p, json);
    mm_param_str(&p, dedupe);
    mm_param_int(&p, priority);
    rc = mm_db_one(db, &p, &res);
    free(json);
    if (rc == 1 && id)
        *id = mm_col_ll(res, 0, 0);
    PQclear(res);
    return rc;
}

int mm_queue_extend(mm_job *job) {
    mm_params p;

    mm_params_init(&p, MM_SQL_JOB_EXTEND);
    mm_param_ll(&p, job->id);
    mm_param_str(&p, job->owner);
    mm_param_int(&p, job->lease_ms);
    return mm_db_do(job->db, &p);
}

/* Claims one job: 1 with job filled, 0 none, -1. */
static int mm_queue_claim(mm_db *db, const char *owner, int lease_ms, const mm_queue_kind *kinds,
                          int nkinds, mm_job *job) {
    mm_params p;
    PGresult *res;
    mm_buf list;
    int rc;

    mm_buf_init(&list);
    mm_buf_adds(&list, "{");
    for (int i = 0; i < nkinds; i++)
        mm_buf_printf(&list, "%s\"%s\"", i ? "," : "", kinds[i].kind);
    mm_buf_adds(&list, "}");
    mm_params_init(&p, MM_SQL_JOB_CLAIM);
    mm_param_str(&p, owner);
    mm_param_int(&p, lease_ms);
    mm_param_str(&p, list.data);
    rc = list.oom ? -1 : mm_db_one(db, &p, &res);
    mm_buf_free(&list);
    if (rc <= 0)
        return rc;
    memset(job, 0, sizeof(*job));
    job->id = mm_col_ll(res, 0, MM_JOB_ID);
    snprintf(job->kind, sizeof(job->kind), "%s", mm_col_str(res, 0, MM_JOB_KIND));
    job->user_id = mm_col_ll(res, 0, MM_JOB_USER);
    job->chat_id = mm_col_ll(res, 0, MM_JOB_CHAT);
    job->payload = json_loads(mm_col_str(res, 0, MM_JOB_PAYLOAD), 0, NULL);
    if (job->payload == NULL)
        job->payload = json_object();
    job->attempts = mm_col_int(res, 0, MM_JOB_ATTEMPTS);
    job->owner = (char *) owner;
    job->db = db;
    job->lease_ms = lease_ms;
    PQclear(res);
    return 1;
}

/* Ends a job we hold: done with result, or failed with why. */
static int mm_queue_end(mm_job *job, const mm_queue_kind *k, json_t *result, const char *why) {
    char *text = result ? json_dumps(result, JSON_COMPACT) : NULL;
    mm_params p;
    int rc;

    mm_params_init(&p, MM_SQL_JOB_END);
    mm_param_ll(&p, job->id);
    mm_param_str(&p, job->owner);
    mm_param_str(&p, result ? "done" : "failed");
    mm_param_str(&p, text);
    mm_param_str(&p, result ? NULL : why);
    mm_param_str(&p, k ? k->done_timer : NULL);
    rc = mm_db_do(job->db, &p);
    free(text);
    return rc;
}

int mm_queue_run_one(mm_db *db, const char *owner, int lease_ms, const mm_queue_kind *kinds,
                     int nkinds, void *runner, char *err, size_t errlen) {
    const mm_queue_kind *k = NULL;
    json_t *result = NULL;
    char why[300] = "";
    mm_job job;
    int rc;

    if ((rc = mm_queue_claim(db, owner, lease_ms, kinds, nkinds, &job)) <= 0) {
        if (rc < 0)
            snprintf(err, errlen, "claiming a job: %s", db->err);
        return rc;
    }
    for (int i = 0; i < nkinds && k == NULL; i++)
        if (!strcmp(kinds[i].kind, job.kind))
            k = &kinds[i];
    if (k == NULL)
        /* a kind this build does not run: claimed only through a wrong kinds[] */
        snprintf(why, sizeof(why), "no handler for kind %s", job.kind);
    else if (job.attempts > k->max_attempts)
        /* the workers that held it died mid-way: it will not go better */
        snprintf(why, sizeof(why), "gave up after %d attempts", k->max_attempts);
    else
        result = k->run(runner, &job, why, sizeof(why));
    mm_utf8_fix(why);           /* a provider's or a node's text: PostgreSQL wants UTF-8 */
    rc = mm_queue_end(&job, k, result, why);
    if (rc)
        snprintf(err, errlen, "ending %s job %lld: %s", job.kind, job.id, db->err);
    json_decref(result);
    json_decref(job.payload);
    return rc ? -1 : 1;
}

int mm_queue_announce(mm_db *db, long long id, long long chat_id, const char *kind,
                      PGresult **row) {
    mm_params p;

    mm_params_init(&p, MM_SQL_JOB_ANNOUNCE);
    mm_param_ll(&p, id);
    mm_param_ll(&p, chat_id);
    mm_param_str(&p, kind);
    return mm_db_one(db, &p, row);
}

int mm_queue_get(mm_db *db, long long id, PGresult **row) {
    mm_params p;

    mm_params_init(&p, MM_SQL_JOB_GET);
    mm_param_ll(&p, id);
    return mm_db_one(db, &p, row);
}
