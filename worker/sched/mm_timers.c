#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "telegram/mm_update.h"
#include "mm_buf.h"
#include "mm_stream.h"
#include "sched/mm_timers.h"
#include "store/mm_db.h"
#include "store/mm_redis.h"

#define MM_TIMER_TICK_MS 200
#define MM_TIMER_BATCH   200     /* timers_due's LIMIT */

/* Fires what is due; how many, or -1. */
static int mm_timers_fire(mm_ctx *ctx, mm_db *db, redisContext *r) {
    mm_params p;
    PGresult *res;
    mm_buf ids;
    int n, fired = 0;

    if (mm_db_exec(db, "BEGIN"))
        return -1;
    mm_params_init(&p, MM_SQL_TIMERS_DUE);
    if ((res = mm_db_query(db, &p)) == NULL) {
        mm_db_exec(db, "ROLLBACK");
        return -1;
    }
    n = PQntuples(res);
    mm_buf_init(&ids);
    mm_buf_adds(&ids, "{");
    for (int i = 0; i < n; i++) {
        long long chat = mm_col_ll(res, i, MM_TIMER_CHAT);
        json_t *payload = json_loads(mm_col_str(res, i, MM_TIMER_PAYLOAD), 0, NULL);
        char stream[160], *json, now[24];
        redisReply *reply;

        if (!json_is_object(payload))
            payload = json_object();
        json_object_set_new(payload, "kind", json_string(mm_col_str(res, i, MM_TIMER_KIND)));
        json_object_set_new(payload, "chat_id", json_integer(chat));
        json_object_set_new(payload, "timer_id", json_integer(mm_col_ll(res, i, MM_TIMER_ID)));
        json = json_dumps(payload, JSON_COMPACT);
        json_decref(payload);
        if (json == NULL)
            continue;
        snprintf(stream, sizeof(stream), MM_STREAM_PARTITION_FMT, ctx->cfg.stream,
                 mm_partition_of(chat, ctx->cfg.partitions));
        snprintf(now, sizeof(now), "%lld", mm_now_ms());
        reply = redisCommand(r, "XADD %s * " MM_STREAM_FIELD_TIMER " %s "
                             MM_STREAM_FIELD_RECEIVED_AT " %s", stream, json, now);
        free(json);
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            /* the row stays and fires on the next tick */
            mm_log_warn(&ctx->log, "sched", "firing a timer: %s",
                        reply ? reply->str : r->errstr);
            freeReplyObject(reply);
            break;
        }
        freeReplyObject(reply);
        mm_buf_printf(&ids, "%s%s", fired++ ? "," : "", mm_col_str(res, i, MM_TIMER_ID));
    }
    PQclear(res);
    mm_buf_adds(&ids, "}");
    if (fired) {
        mm_params_init(&p, MM_SQL_TIMERS_FIRED);
        mm_param_str(&p, ids.data);
        mm_param_int(&p, ctx->cfg.timer_retry_s);
        if (mm_db_do(db, &p)) {
            mm_buf_free(&ids);
            mm_db_exec(db, "ROLLBACK");
            return -1;
        }
    }
    mm_buf_free(&ids);
    return mm_db_exec(db, "COMMIT") ? -1 : fired;
}

/* One pass: what is due, fired; at once again when the batch was full. */
static int mm_timers_step(mm_loop *l) {
    int fired = mm_timers_fire(l->ctx, &l->db, l->redis);

    if (fired < 0) {
        mm_log_warn(&l->ctx->log, "sched", "%s", l->db.err);
        return -1;
    }
    return fired == MM_TIMER_BATCH ? 1 : 0;
}

void mm_timers_init(mm_loop *l, mm_ctx *ctx) {
    mm_loop_init(l, ctx, "sched", MM_LOOP_REDIS | MM_LOOP_DB, mm_timers_step, MM_TIMER_TICK_MS,
                 NULL);
}
