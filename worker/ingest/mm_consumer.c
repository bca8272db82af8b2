#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/mm_bot.h"
#include "ingest/mm_ingest.h"
#include "telegram/mm_update.h"
#include "mm_stream.h"
#include "store/mm_db.h"
#include "store/mm_redis.h"

#define MM_READ_BATCH 64

typedef struct mm_part {
    int owned;
    long long epoch;
    int has_pending;            /* entries delivered to us and not yet acked */
    long long retry_at;         /* monotonic; after a failure */
    char stream[128];
    char lease[160];
} mm_part;

struct mm_consumer {
    mm_loop loop;               /* its redis and db; owner names it in the group */
    int index;
    char name[16];
    mm_db read_db;              /* DATABASE_READ_URL, or unused */
    mm_part *parts;
    int owned;
    long long leases_at;
};

static void mm_drop(mm_consumer *c, int k, const char *why) {
    mm_part *p = &c->parts[k];

    if (!p->owned)
        return;
    p->owned = 0;
    c->owned--;
    mm_logf(&c->loop.ctx->log, why ? MM_LOG_WARN : MM_LOG_DEBUG, "ingest", NULL,
            "partition %d released%s%s", k, why ? ": " : "", why ? why : "");
}

/* Takes partition k: Redis lease, PostgreSQL fencing epoch, the group, and
 * whatever an earlier owner left pending (taken over in id order). */
static int mm_take(mm_consumer *c, int k) {
    mm_part *p = &c->parts[k];
    mm_ctx *ctx = c->loop.ctx;
    long long e = mm_lease_acquire(c->loop.redis, p->lease, c->loop.owner, ctx->cfg.lease_ms),
              stored;
    mm_params params;
    PGresult *res;

    if (e <= 0)
        return -1;
    mm_params_init(&params, MM_SQL_EPOCH_CLAIM);
    mm_param_int(&params, k);
    mm_param_ll(&params, e);
    if (mm_db_ensure(&c->loop.db) || mm_db_one(&c->loop.db, &params, &res) != 1) {
        mm_log_warn(&ctx->log, "ingest", "partition %d: %s", k, c->loop.db.err);
        mm_lease_release(c->loop.redis, p->lease, c->loop.owner, e);
        return -1;
    }
    stored = mm_col_ll(res, 0, 0);
    PQclear(res);
    if (stored > e) {
        /* Redis forgot its epochs (restarted empty): catch up, retry later */
        mm_lease_raise_epoch(c->loop.redis, p->lease, stored);
        mm_lease_release(c->loop.redis, p->lease, c->loop.owner, e);
        return -1;
    }
    freeReplyObject(redisCommand(c->loop.redis, "XGROUP CREATE %s %s 0 MKSTREAM", p->stream,
                                 ctx->cfg.group));
    for (char cursor[64] = "0-0";;) {
        redisReply *reply =
            redisCommand(c->loop.redis, "XAUTOCLAIM %s %s %s 0 %s COUNT 1000 JUSTID", p->stream,
                         ctx->cfg.group, c->loop.owner, cursor);
        int more = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2
                   && strcmp(reply->element[0]->str, "0-0");
        if (more)
            snprintf(cursor, sizeof(cursor), "%s", reply->element[0]->str);
        freeReplyObject(reply);
        if (!more)
            break;
    }
    p->owned = 1;
    p->epoch = e;
    p->has_pending = 1;
    p->retry_at = 0;
    c->owned++;
    mm_log_debug(&ctx->log, "ingest", "partition %d taken (epoch %lld)", k, e);
    return 0;
}

/* Keeps our fair share of partitions: heartbeats, renews, releases what
 * is over the share, takes free ones up to it. */
static void mm_balance(mm_consumer *c, long long now) {
    mm_ctx *ctx = c->loop.ctx;
    int n = ctx->cfg.partitions, live = 1, share;
    char key[160];
    redisReply *reply;
    long long wall = mm_now_ms();

    c->leases_at = now + ctx->cfg.lease_ms / 3;
    snprintf(key, sizeof(key), "%s:consumers", ctx->cfg.stream);
    freeReplyObject(redisCommand(c->loop.redis, "ZADD %s %lld %s", key, wall + ctx->cfg.lease_ms,
                                 c->loop.owner));
    freeReplyObject(redisCommand(c->loop.redis, "ZREMRANGEBYSCORE %s -inf %lld", key, wall));
    reply = redisCommand(c->loop.redis, "ZCARD %s", key);
    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer > 0)
        live = (int) reply->integer;
    freeReplyObject(reply);
    share = (n + live - 1) / live;

    for (int k = 0; k < n; k++) {
        mm_part *p = &c->parts[k];
        if (!p->owned)
            continue;
        if (c->owned > share) {
            mm_lease_release(c->loop.redis, p->lease, c->loop.owner, p->epoch);
            mm_drop(c, k, NULL);
        } else if (mm_lease_renew(c->loop.redis, p->lease, c->loop.owner, p->epoch,
                                  ctx->cfg.lease_ms)
                   != 1) {
            mm_drop(c, k, "lease lost");
        }
    }
    /* start at a different place per thread so threads do not collide */
    for (int i = 0; i < n && c->owned < share; i++) {
        int k = (c->index * 7 + i) % n;
        if (!c->parts[k].owned)
            mm_take(c, k);
    }
}

static void mm_ack(mm_consumer *c, mm_part *p, const char *id) {
    redisAppendCommand(c->loop.redis, "XACK %s %s %s", p->stream, c->loop.ctx->cfg.group, id);
    redisAppendCommand(c->loop.redis, "XDEL %s %s", p->stream, id);
    for (int i = 0; i < 2; i++) {
        redisReply *reply = NULL;
        redisGetReply(c->loop.redis, (void **) &reply);
        freeReplyObject(reply);
    }
}

typedef enum { MM_DONE, MM_FAILED, MM_FENCED, MM_POISON } mm_outcome;

/* BEGIN and the fence (with the dedupe by update_id for Telegram's updates;
 * timers have none) in one round trip: MM_DONE when the transaction is open
 * and the update is ours to handle (or, with *dup, already handled: rolled
 * back), MM_FENCED when a newer owner holds the partition, MM_FAILED. */
static mm_outcome mm_begin(mm_consumer *c, int k, const mm_update *u, int *dup) {
    mm_params fence, seen;
    mm_db_step steps[2] = { { NULL, "BEGIN", NULL }, { &fence, NULL, NULL } };
    PGresult *res;
    int fresh;

    *dup = 0;
    mm_params_init(&fence, u->update_id < 0 ? MM_SQL_FENCE : MM_SQL_FENCE_DEDUPE);
    if (u->update_id >= 0)
        mm_param_ll(&fence, u->update_id);
    mm_param_int(&fence, k);
    mm_param_ll(&fence, c->parts[k].epoch);
    if (mm_db_batch(&c->loop.db, steps, 2))
        return MM_FAILED;
    PQclear(steps[0].res);
    fresh = PQntuples(steps[1].res) == 1;
    PQclear(steps[1].res);
    if (fresh)
        return MM_DONE;
    if (u->update_id >= 0) {
        mm_params_init(&seen, MM_SQL_IS_PROCESSED);
        mm_param_ll(&seen, u->update_id);
        if ((*dup = mm_db_one(&c->loop.db, &seen, &res)) < 0)
            return MM_FAILED;
        PQclear(res);
    }
    mm_db_exec(&c->loop.db, "ROLLBACK");
    return *dup ? MM_DONE : MM_FENCED;
}

/* One entry: fenced, deduplicated, handled and committed, or rolled back. */
static mm_outcome mm_process(mm_consumer *c, int k, redisReply *fields, char *err,
                             size_t errlen) {
    mm_ctx *ctx = c->loop.ctx;
    size_t ulen, rlen, tlen;
    const char *upd = mm_redis_field(fields, MM_STREAM_FIELD_UPDATE, &ulen);
    const char *recv = mm_redis_field(fields, MM_STREAM_FIELD_RECEIVED_AT, &rlen);
    const char *timer = mm_redis_field(fields, MM_STREAM_FIELD_TIMER, &tlen);
    mm_outcome o;
    mm_update u;
    mm_turn turn;
    int dup;

    /* a timer travels in its own field, which only the timer thread writes */
    if (timer ? mm_update_parse_timer(timer, tlen, &u, err, errlen)
              : upd == NULL ? (snprintf(err, errlen, "entry has no update field"), -1)
              : mm_update_parse(upd, ulen, &u, err, errlen))
        return MM_POISON;
    if ((o = mm_begin(c, k, &u, &dup)) != MM_DONE || dup) {
        if (o == MM_FAILED) {
            snprintf(err, errlen, "%s", c->loop.db.err);
            mm_db_exec(&c->loop.db, "ROLLBACK");
        } else if (dup) {
            mm_log_ids ids = { u.chat_id, u.user_id, u.update_id };
            mm_logf(&ctx->log, MM_LOG_INFO, "ingest", &ids, "duplicate update ignored");
        }
        mm_update_free(&u);
        return o;
    }
    mm_turn_init(&turn, ctx, &c->loop.db, ctx->cfg.database_read_url ? &c->read_db : &c->loop.db,
                 c->loop.redis, &u, recv ? atoll(recv) : mm_now_ms());
    if (mm_bot_handle(&turn)) {
        snprintf(err, errlen, "%s", turn.err);
        mm_db_exec(&c->loop.db, "ROLLBACK");
        o = MM_FAILED;
    } else if (mm_db_exec(&c->loop.db, "COMMIT")) {
        snprintf(err, errlen, "%s", c->loop.db.err);
        o = MM_FAILED;
    }
    if (o == MM_DONE)
        mm_turn_commit(&turn);
    else
        mm_turn_discard(&turn);
    mm_update_free(&u);
    return o;
}

/* An entry that failed: retried later, or dead-lettered after max_attempts. */
static void mm_failed(mm_consumer *c, int k, const char *id, redisReply *fields,
                      const char *err, int poison) {
    mm_ctx *ctx = c->loop.ctx;
    mm_part *p = &c->parts[k];
    redisReply *reply;
    long long attempts = ctx->cfg.max_attempts;
    char akey[160], dead[160], field[200];
    size_t ulen, ilen;
    const char *upd = mm_redis_field(fields, MM_STREAM_FIELD_UPDATE, &ulen);
    const char *uid = mm_redis_field(fields, MM_STREAM_FIELD_UPDATE_ID, &ilen);

    snprintf(akey, sizeof(akey), "%s:attempts", ctx->cfg.stream);
    snprintf(field, sizeof(field), "%d/%s", k, id);
    if (!poison) {
        reply = redisCommand(c->loop.redis, "HINCRBY %s %s 1", akey, field);
        attempts = reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : 1;
        freeReplyObject(reply);
    }
    if (attempts < ctx->cfg.max_attempts) {
        long long delay = 100LL << (attempts < 6 ? attempts : 6);
        mm_log_warn(&ctx->log, "ingest", "partition %d entry %s failed (attempt %lld of %d, "
                    "retry in %lld ms): %s", k, id, attempts, ctx->cfg.max_attempts, delay, err);
        p->has_pending = 1;
        p->retry_at = mm_mono_ms() + delay;
        return;
    }
    snprintf(dead, sizeof(dead), "%s:dead", ctx->cfg.stream);
    reply = redisCommand(c->loop.redis,
                         "XADD %s * " MM_STREAM_FIELD_UPDATE " %b " MM_STREAM_FIELD_UPDATE_ID
                         " %b partition %d entry %s error %s",
                         dead, upd ? upd : "", upd ? ulen : (size_t) 0, uid ? uid : "",
                         uid ? ilen : (size_t) 0, k, id, err);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        mm_log_error(&ctx->log, "ingest", "dead-lettering %s failed: %s", id,
                     reply ? reply->str : c->loop.redis->errstr);
        freeReplyObject(reply);
        p->has_pending = 1;
        p->retry_at = mm_mono_ms() + 1000;
        return;
    }
    freeReplyObject(reply);
    mm_log_error(&ctx->log, "ingest", "partition %d entry %s moved to %s after %lld "
                 "attempt(s): %s", k, id, dead, attempts, err);
    mm_ack(c, p, id);
    freeReplyObject(redisCommand(c->loop.redis, "HDEL %s %s", akey, field));
}

/* Handles one stream's entries in order; stops at the first failure so
 * later updates of the chat wait for it. */
static void mm_handle_entries(mm_consumer *c, int k, redisReply *entries) {
    for (size_t i = 0; i < entries->elements && !atomic_load(&c->loop.ctx->stop); i++) {
        redisReply *e = entries->element[i];
        const char *id = e->element[0]->str;
        char err[512] = "";
        mm_outcome o;

        if (e->element[1]->type != REDIS_REPLY_ARRAY) {
            mm_ack(c, &c->parts[k], id);        /* deleted while pending */
            continue;
        }
        o = mm_process(c, k, e->element[1], err, sizeof(err));
        if (o == MM_DONE) {
            mm_ack(c, &c->parts[k], id);
            if (c->parts[k].has_pending) {
                char akey[160];
                snprintf(akey, sizeof(akey), "%s:attempts", c->loop.ctx->cfg.stream);
                freeReplyObject(redisCommand(c->loop.redis, "HDEL %s %d/%s", akey, k, id));
            }
            continue;
        }
        if (o == MM_FENCED) {
            mm_drop(c, k, "a newer owner holds it");
            return;
        }
        mm_failed(c, k, id, e->element[1], err, o == MM_POISON);
        if (o == MM_FAILED)
            return;
    }
}

/* One read over the partitions we own: what is pending to us first. */
static void mm_read(mm_consumer *c) {
    mm_ctx *ctx = c->loop.ctx;
    int n = ctx->cfg.partitions, count = 0, pending = 0;
    const char **argv = calloc((size_t) (2 * n + 10), sizeof(char *));
    int *which = calloc((size_t) n, sizeof(int));
    char count_s[16];
    long long now = mm_mono_ms();
    redisReply *reply;

    if (argv == NULL || which == NULL)
        goto done;
    for (int k = 0; k < n; k++)
        if (c->parts[k].owned && c->parts[k].has_pending && c->parts[k].retry_at <= now)
            which[count++] = k;
    pending = count > 0;
    if (!pending)
        for (int k = 0; k < n; k++)
            if (c->parts[k].owned && !c->parts[k].has_pending)
                which[count++] = k;
    if (count == 0) {
        mm_nap(ctx, 50);
        goto done;
    }
    int argc = 0;
    snprintf(count_s, sizeof(count_s), "%d", MM_READ_BATCH);
    argv[argc++] = "XREADGROUP";
    argv[argc++] = "GROUP";
    argv[argc++] = ctx->cfg.group;
    argv[argc++] = c->loop.owner;
    argv[argc++] = "COUNT";
    argv[argc++] = count_s;
    if (!pending) {
        argv[argc++] = "BLOCK";
        argv[argc++] = "100";
    }
    argv[argc++] = "STREAMS";
    for (int i = 0; i < count; i++)
        argv[argc++] = c->parts[which[i]].stream;
    for (int i = 0; i < count; i++)
        argv[argc++] = pending ? "0" : ">";
    reply = redisCommandArgv(c->loop.redis, argc, argv, NULL);
    if (reply == NULL) {
        mm_log_warn(&ctx->log, "ingest", "read failed: %s", c->loop.redis->errstr);
        goto done;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        /* NOGROUP: the stream was deleted under us; taking it again remakes it */
        mm_log_warn(&ctx->log, "ingest", "read failed: %s", reply->str);
        for (int i = 0; i < count; i++)
            mm_drop(c, which[i], NULL);
    } else if (reply->type == REDIS_REPLY_ARRAY) {
        for (size_t s = 0; s < reply->elements; s++) {
            redisReply *st = reply->element[s];
            int k = -1;
            for (int i = 0; i < count; i++)
                if (!strcmp(c->parts[which[i]].stream, st->element[0]->str))
                    k = which[i];
            if (k < 0 || !c->parts[k].owned)
                continue;
            if (pending && st->element[1]->elements == 0) {
                c->parts[k].has_pending = 0;
                continue;
            }
            mm_handle_entries(c, k, st->element[1]);
        }
        if (pending)        /* streams absent from the reply have nothing pending */
            for (int i = 0; i < count; i++) {
                int found = 0;
                for (size_t s = 0; s < reply->elements; s++)
                    found |= !strcmp(reply->element[s]->element[0]->str,
                                     c->parts[which[i]].stream);
                if (!found)
                    c->parts[which[i]].has_pending = 0;
            }
    }
    freeReplyObject(reply);

done:
    free(argv);
    free(which);
}

/* A new Redis connection: the leases went with the old one. */
static int mm_consumer_connected(mm_loop *l) {
    mm_consumer *c = l->arg;

    for (int k = 0; k < l->ctx->cfg.partitions; k++)
        mm_drop(c, k, NULL);
    c->leases_at = 0;
    return 0;
}

static int mm_consumer_step(mm_loop *l) {
    mm_consumer *c = l->arg;
    long long now = mm_mono_ms();

    if (now >= c->leases_at)
        mm_balance(c, now);
    mm_read(c);
    return 1;
}

/* Leaves our partitions to the next owner at once. */
static int mm_consumer_stop(mm_loop *l) {
    mm_consumer *c = l->arg;
    char key[160];

    for (int k = 0; l->redis && !l->redis->err && k < l->ctx->cfg.partitions; k++)
        if (c->parts[k].owned)
            mm_lease_release(l->redis, c->parts[k].lease, l->owner, c->parts[k].epoch);
    if (l->redis && !l->redis->err) {
        snprintf(key, sizeof(key), "%s:consumers", l->ctx->cfg.stream);
        freeReplyObject(redisCommand(l->redis, "ZREM %s %s", key, l->owner));
    }
    mm_db_close(&c->read_db);
    return 0;
}

mm_consumer *mm_consumer_new(mm_ctx *ctx, int index) {
    mm_consumer *c = calloc(1, sizeof(*c));

    if (c == NULL || (c->parts = calloc((size_t) ctx->cfg.partitions, sizeof(mm_part))) == NULL) {
        free(c);
        return NULL;
    }
    for (int k = 0; k < ctx->cfg.partitions; k++) {
        mm_partition_stream(ctx, k, c->parts[k].stream, sizeof(c->parts[k].stream));
        snprintf(c->parts[k].lease, sizeof(c->parts[k].lease), "%s:lease", c->parts[k].stream);
    }
    c->index = index;
    c->read_db.url = ctx->cfg.database_read_url;
    snprintf(c->name, sizeof(c->name), "t%d", index);
    /* idle 0: reads block */
    mm_loop_init(&c->loop, ctx, c->name, MM_LOOP_REDIS | MM_LOOP_DB, mm_consumer_step, 0, c);
    c->loop.component = "ingest";
    c->loop.on_connect = mm_consumer_connected;
    c->loop.on_stop = mm_consumer_stop;
    return c;
}

mm_loop *mm_consumer_loop(mm_consumer *c) {
    return &c->loop;
}

void mm_consumer_free(mm_consumer *c) {
    if (c == NULL)
        return;
    free(c->parts);
    free(c);
}
