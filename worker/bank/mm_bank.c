#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bank/mm_bank.h"
#include "bank/mm_ready.h"
#include "log/mm_metrics.h"
#include "mm_buf.h"
#include "quiz/mm_maze.h"

long long mm_question_store(mm_db *db, const mm_question *q, const char *source, int *fresh) {
    mm_provenance from = { source, NULL, NULL, 0 };

    return mm_question_store_from(db, q, &from, fresh);
}

long long mm_question_store_from(mm_db *db, const mm_question *q, const mm_provenance *from,
                                 int *fresh) {
    char hash[65];
    mm_buf opts;
    mm_params p;
    PGresult *res;
    long long id = -1;
    int rc;

    mm_buf_init(&opts);
    mm_buf_adds(&opts, "{");
    for (int i = 0; i < 4; i++) {
        mm_buf_adds(&opts, i ? ",\"" : "\"");
        for (const char *c = q->options[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                mm_buf_add(&opts, "\\", 1);
            mm_buf_add(&opts, c, 1);
        }
        mm_buf_adds(&opts, "\"");
    }
    mm_buf_adds(&opts, "}");
    if (opts.oom || mm_question_hash(q, hash))
        goto done;
    mm_params_init(&p, MM_SQL_QUESTION_ADD);
    mm_param_str(&p, q->topic);
    mm_param_str(&p, q->text);
    mm_param_str(&p, opts.data);
    mm_param_int(&p, q->correct);
    mm_param_str(&p, q->explanation);
    mm_param_int(&p, q->sdi);
    mm_param_str(&p, from->source);
    mm_param_str(&p, hash);
    mm_param_str(&p, from->model);
    mm_param_str(&p, from->prompt_hash);
    if (from->sdi_claimed)
        mm_param_int(&p, from->sdi_claimed);
    else
        mm_param_null(&p);
    if ((rc = mm_db_one(db, &p, &res)) < 0)
        goto done;
    if (fresh)
        *fresh = rc;
    if (rc == 0) {
        mm_params_init(&p, MM_SQL_QUESTION_BY_HASH);
        mm_param_str(&p, hash);
        if ((rc = mm_db_one(db, &p, &res)) < 0)
            goto done;
    }
    if (rc == 1)
        id = mm_col_ll(res, 0, 0);
    PQclear(res);

done:
    mm_buf_free(&opts);
    return id;
}

static int mm_topic_cmp(const void *a, const void *b) {
    return strcmp(a, b);
}

long long mm_question_near(mm_db *db, const mm_question *q, double *sim) {
    mm_params p;
    PGresult *res;
    char hash[65];
    long long id = 0;

    mm_params_init(&p, MM_SQL_TOPIC_TEXTS);
    mm_param_str(&p, q->topic);
    if (mm_question_hash(q, hash) || (res = mm_db_query(db, &p)) == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res) && id == 0; i++) {
        double s = mm_question_similarity(q->text, mm_col_str(res, i, MM_TEXT_QUESTION));
        if (s >= MM_NEAR_DUPLICATE && strcmp(hash, mm_col_str(res, i, MM_TEXT_HASH))) {
            id = mm_col_ll(res, i, MM_TEXT_ID);
            *sim = s;
        }
    }
    PQclear(res);
    return id;
}

/* Keeps those of ids[0..n) that are still served (a moderator may have
 * hidden or rejected one since it was cached), in their order; how many,
 * or -1. */
static int mm_bank_still_active(mm_db *db, long long *ids, int n) {
    mm_params p;
    PGresult *res;
    mm_buf list;
    int kept = 0;

    mm_buf_init(&list);
    mm_buf_adds(&list, "{");
    for (int i = 0; i < n; i++)
        mm_buf_printf(&list, "%s%lld", i ? "," : "", ids[i]);
    mm_buf_adds(&list, "}");
    mm_params_init(&p, MM_SQL_STILL_ACTIVE);
    mm_param_str(&p, list.data);
    res = list.oom ? NULL : mm_db_query(db, &p);
    mm_buf_free(&list);
    if (res == NULL)
        return -1;
    for (int i = 0; i < n; i++)
        for (int r = 0; r < PQntuples(res); r++)
            if (mm_col_ll(res, r, 0) == ids[i]) {
                ids[kept++] = ids[i];
                break;
            }
    PQclear(res);
    return kept;
}

int mm_bank_pick(mm_db *db, redisContext *redis, const char *topic, int sdi, int64_t user_id,
                   int count, long long *ids) {
    mm_params p;
    PGresult *res;
    int n, ready = 0;

    if (!strcmp(topic, MM_MAZE_TOPIC)) {
        for (n = 0; n < count; n++) {
            mm_question q;
            uint64_t seed;
            randombytes_buf(&seed, sizeof(seed));
            mm_maze_generate(seed, sdi, &q);
            if ((ids[n] = mm_question_store(db, &q, "maze", NULL)) < 0)
                return -1;
        }
        return n;
    }
    /* fresh questions nobody has seen; a player's run may hold them all */
    if (strcmp(topic, MM_TOPIC_MIX))
        ready = mm_ready_take(redis, topic, sdi, count, ids, NULL);
    if (ready > 0 && (ready = mm_bank_still_active(db, ids, ready)) < 0)
        return -1;
    if (ready == count) {
        mm_metric_add(redis, "mm_questions_served_total", "from=\"ready\"", ready);
        return ready;
    }
    mm_params_init(&p, MM_SQL_PICK_QUESTIONS);
    mm_param_str(&p, strcmp(topic, MM_TOPIC_MIX) ? topic : NULL);
    mm_param_int(&p, sdi);
    mm_param_ll(&p, user_id);
    mm_param_int(&p, count);
    if ((res = mm_db_query(db, &p)) == NULL)
        return -1;
    n = ready;
    mm_metric_add(redis, "mm_questions_served_total", "from=\"ready\"", ready);
    for (int i = 0; i < PQntuples(res) && n < count; i++) {
        long long id = mm_col_ll(res, i, 0);
        int seen = 0;
        for (int j = 0; j < ready; j++)
            seen |= ids[j] == id;
        if (!seen)
            ids[n++] = id;
    }
    PQclear(res);
    mm_metric_add(redis, "mm_questions_served_total", "from=\"bank\"", n - ready);
    return n;
}

int mm_bank_topics(mm_db *db, redisContext *redis, char topics[][MM_Q_TOPIC_MAX], int max) {
    redisReply *r = redisCommand(redis, "SMEMBERS mm:topics");
    mm_params p;
    PGresult *res;
    int n = 0;

    /* asked on every /play: kept in Redis for 5 min (the bank changes rarely) */
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
        for (size_t i = 0; i < r->elements && n < max - 1; i++)
            snprintf(topics[n++], MM_Q_TOPIC_MAX, "%s", r->element[i]->str);
        freeReplyObject(r);
        qsort(topics, (size_t) n, MM_Q_TOPIC_MAX, mm_topic_cmp);
    } else {
        freeReplyObject(r);
        mm_params_init(&p, MM_SQL_TOPICS);
        if ((res = mm_db_query(db, &p)) == NULL)
            return -1;
        for (int i = 0; i < PQntuples(res) && n < max - 1; i++) {
            snprintf(topics[n++], MM_Q_TOPIC_MAX, "%s", mm_col_str(res, i, 0));
            freeReplyObject(redisCommand(redis, "SADD mm:topics %s", topics[n - 1]));
        }
        PQclear(res);
        freeReplyObject(redisCommand(redis, "EXPIRE mm:topics 300"));
    }
    snprintf(topics[n++], MM_Q_TOPIC_MAX, "%s", MM_MAZE_TOPIC);
    return n;
}

int mm_bank_seed(mm_db *db, int *rejected) {
    const char *line = mm_bank_jsonl;
    int added = 0;

    *rejected = 0;
    if (mm_db_exec(db, "BEGIN"))
        return -1;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t) (end - line) : strlen(line);
        mm_question q;
        char why[160];

        if (len > 0) {
            if (mm_question_from_json(line, len, &q, why, sizeof(why)))
                (*rejected)++;
            else if (mm_question_store(db, &q, "bank", NULL) < 0)
                goto failed;
            else
                added++;
        }
        line += len + (end != NULL);
    }
    if (mm_db_exec(db, "COMMIT"))
        return -1;
    return added;

failed:
    mm_db_exec(db, "ROLLBACK");
    return -1;
}
