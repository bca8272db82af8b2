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

/*
 * A failing update holds back its own chat, not its partition.  The chat
 * is remembered with its retry time; its entries (the failing one and any
 * later ones) stay delivered to us and unacknowledged, in the partition's
 * pending list, while other chats' entries go on.  A pass over the pending
 * list, in id order, takes a chat's entries again once its retry is due:
 *
 *   entry of chat C --> C held? --no--> handle --ok--> ack
 *                         |                  +--failed--> hold C (retry_at),
 *                         |                               later C entries skipped
 *                        yes: ">" read, retry not due, or C already
 *                             skipped or failed in this pass --> skip (stays pending)
 *
 * So a chat's updates still take effect in arrival order, whoever reads
 * the partition after a crash (XAUTOCLAIM keeps them pending, a pass from
 * "0" meets them in order).  A lost database connection is nobody's
 * fault: it stops the partition's pass without counting an attempt.
 */
typedef struct mm_hold {
    int k;                      /* its partition */
    int64_t key;                /* the chat's order key */
    long long retry_at;         /* monotonic */
    unsigned pass;              /* the pass that last met it */
} mm_hold;

typedef struct mm_part {
    int owned;
    long long epoch;
    int has_pending;            /* a pass over the pending list is under way */
    unsigned pass;              /* numbers the passes */
    char cursor[64];            /* where the pass goes on */
    long long retry_at;         /* monotonic; after the database went away */
    int db_failures;            /* in a row, for the backoff */
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
    mm_hold *holds;             /* chats held back, every partition's */
    int nholds, holds_cap;
};

static mm_hold *mm_hold_find(mm_consumer *c, int k, int64_t key) {
    for (int i = 0; i < c->nholds; i++)
        if (c->holds[i].k == k && c->holds[i].key == key)
            return &c->holds[i];
    return NULL;
}

/* Holds chat key of partition k until retry_at; NULL out of memory. */
static mm_hold *mm_hold_set(mm_consumer *c, int k, int64_t key, long long retry_at) {
    mm_hold *h = mm_hold_find(c, k, key);

    if (h == NULL) {
        if (c->nholds == c->holds_cap) {
            int cap = c->holds_cap ? 2 * c->holds_cap : 16;
            mm_hold *more = realloc(c->holds, (size_t) cap * sizeof(*more));
            if (more == NULL)
                return NULL;
            c->holds = more;
            c->holds_cap = cap;
        }
        h = &c->holds[c->nholds++];
        h->k = k;
        h->key = key;
    }
    h->retry_at = retry_at;
    h->pass = c->parts[k].pass;
    return h;
}

static void mm_hold_drop(mm_consumer *c, mm_hold *h) {
    *h = c->holds[--c->nholds];
}

/* Forgets the holds of partition k: all of them, or (stale_only) those
 * its last pass did not meet (their entries are gone). */
static void mm_holds_clear(mm_consumer *c, int k, int stale_only) {
    for (int i = 0; i < c->nholds;)
        if (c->holds[i].k == k && (!stale_only || c->holds[i].pass != c->parts[k].pass))
            mm_hold_drop(c, &c->holds[i]);
        else
            i++;
}

/* Starts a pass over partition k's pending list, from its first entry. */
static void mm_pass_start(mm_part *p) {
    p->has_pending = 1;
    p->pass++;
    snprintf(p->cursor, sizeof(p->cursor), "0");
}

static void mm_drop(mm_consumer *c, int k, const char *why) {
    mm_part *p = &c->parts[k];

    if (!p->owned)
        return;
    p->owned = 0;
    c->owned--;
    mm_holds_clear(c, k, 0);
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
    mm_holds_clear(c, k, 0);
    mm_pass_start(p);
    p->retry_at = 0;
    p->db_failures = 0;
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

/* MM_FAILED is the handler's own failure and counts as an attempt;
 * MM_DB_DOWN (the connection went away) does not. */
typedef enum { MM_DONE, MM_FAILED, MM_DB_DOWN, MM_FENCED, MM_POISON } mm_outcome;

/* After a failed statement: whose fault it was. */
static mm_outcome mm_blame(mm_consumer *c) {
    PGconn *conn = c->loop.db.conn;

    return conn == NULL || PQstatus(conn) != CONNECTION_OK ? MM_DB_DOWN : MM_FAILED;
}

/* BEGIN and the fence (with the dedupe by update_id for Telegram's updates;
 * a timer's row is taken instead: it goes only if the handling commits) in
 * one round trip: MM_DONE when the transaction is open and the update is
 * ours to handle (or, with *dup, already handled: rolled back), MM_FENCED
 * when a newer owner holds the partition, MM_FAILED. */
static mm_outcome mm_begin(mm_consumer *c, int k, const mm_update *u, int *dup) {
    mm_params fence, seen, take;
    mm_db_step steps[3] = { { NULL, "BEGIN", NULL }, { &fence, NULL, NULL },
                            { &take, NULL, NULL } };
    long long timer = json_integer_value(json_object_get(u->timer, "timer_id"));
    int nsteps = timer > 0 ? 3 : 2;
    PGresult *res;
    int fresh;

    *dup = 0;
    mm_params_init(&fence, u->update_id < 0 ? MM_SQL_FENCE : MM_SQL_FENCE_DEDUPE);
    if (u->update_id >= 0)
        mm_param_ll(&fence, u->update_id);
    mm_param_int(&fence, k);
    mm_param_ll(&fence, c->parts[k].epoch);
    mm_params_init(&take, MM_SQL_TIMER_TAKE);
    mm_param_ll(&take, timer);
    if (mm_db_batch(&c->loop.db, steps, nsteps))
        return MM_FAILED;
    PQclear(steps[0].res);
    fresh = PQntuples(steps[1].res) == 1;
    PQclear(steps[1].res);
    if (nsteps == 3)
        PQclear(steps[2].res);
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

/* One update: fenced, deduplicated, handled and committed, or rolled back. */
static mm_outcome mm_process(mm_consumer *c, int k, mm_update *u, const char *recv, char *err,
                             size_t errlen) {
    mm_ctx *ctx = c->loop.ctx;
    mm_outcome o;
    mm_turn turn;
    int dup;

    if ((o = mm_begin(c, k, u, &dup)) != MM_DONE || dup) {
        if (o == MM_FAILED) {
            snprintf(err, errlen, "%s", c->loop.db.err);
            o = mm_blame(c);
            mm_db_exec(&c->loop.db, "ROLLBACK");
        } else if (dup) {
            mm_log_ids ids = { u->chat_id, u->user_id, u->update_id };
            mm_logf(&ctx->log, MM_LOG_INFO, "ingest", &ids, "duplicate update ignored");
        }
        return o;
    }
    mm_turn_init(&turn, ctx, &c->loop.db, ctx->cfg.database_read_url ? &c->read_db : &c->loop.db,
                 c->loop.redis, u, recv ? atoll(recv) : mm_now_ms());
    if (mm_bot_handle(&turn)) {
        snprintf(err, errlen, "%s", turn.err);
        o = mm_blame(c);
        mm_db_exec(&c->loop.db, "ROLLBACK");
    } else if (mm_db_exec(&c->loop.db, "COMMIT")) {
        snprintf(err, errlen, "%s", c->loop.db.err);
        o = mm_blame(c);
    }
    if (o == MM_DONE)
        mm_turn_commit(&turn);
    else
        mm_turn_discard(&turn);
    return o;
}

/* Appends a failed entry to <stream>:dead, capped at MM_DEAD_LETTER_MAX
 * (roughly: MAXLEN ~); 0, or -1 logged. */
static int mm_dead_letter(mm_consumer *c, int k, const char *id, redisReply *fields,
                          const char *err) {
    mm_ctx *ctx = c->loop.ctx;
    redisReply *reply;
    char dead[160];
    size_t ulen = 0, ilen = 0, tlen = 0;
    const char *upd = mm_redis_field(fields, MM_STREAM_FIELD_UPDATE, &ulen);
    const char *uid = mm_redis_field(fields, MM_STREAM_FIELD_UPDATE_ID, &ilen);
    const char *timer = mm_redis_field(fields, MM_STREAM_FIELD_TIMER, &tlen);

    /* a timer is kept for the record only: its row fires it again */
    snprintf(dead, sizeof(dead), "%s:dead", ctx->cfg.stream);
    reply = redisCommand(c->loop.redis,
                         "XADD %s MAXLEN ~ %d * " MM_STREAM_FIELD_UPDATE " %b "
                         MM_STREAM_FIELD_UPDATE_ID " %b " MM_STREAM_FIELD_TIMER " %b "
                         "partition %d entry %s error %s",
                         dead, ctx->cfg.dead_letter_max, upd ? upd : "", upd ? ulen : (size_t) 0,
                         uid ? uid : "", uid ? ilen : (size_t) 0, timer ? timer : "",
                         timer ? tlen : (size_t) 0, k, id, err);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        mm_log_error(&ctx->log, "ingest", "dead-lettering %s failed: %s", id,
                     reply ? reply->str : c->loop.redis->errstr);
        freeReplyObject(reply);
        return -1;
    }
    freeReplyObject(reply);
    return 0;
}

/* An entry whose handler failed (or that is malformed): 1 when it is to be
 * tried again in *delay_ms, 0 when it went to the dead letters (acked). */
static int mm_failed(mm_consumer *c, int k, const char *id, redisReply *fields, const char *err,
                     int poison, long long *delay_ms) {
    mm_ctx *ctx = c->loop.ctx;
    redisReply *reply;
    long long attempts = ctx->cfg.max_attempts;
    char akey[160], field[200];

    snprintf(akey, sizeof(akey), "%s:attempts", ctx->cfg.stream);
    snprintf(field, sizeof(field), "%d/%s", k, id);
    if (!poison) {
        reply = redisCommand(c->loop.redis, "HINCRBY %s %s 1", akey, field);
        attempts = reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : 1;
        freeReplyObject(reply);
    }
    if (attempts < ctx->cfg.max_attempts) {
        *delay_ms = 100LL << (attempts < 6 ? attempts : 6);
        mm_log_warn(&ctx->log, "ingest", "partition %d entry %s failed (attempt %lld of %d, "
                    "retry in %lld ms), its chat waits: %s", k, id, attempts,
                    ctx->cfg.max_attempts, *delay_ms, err);
        return 1;
    }
    if (mm_dead_letter(c, k, id, fields, err)) {
        *delay_ms = 1000;
        return 1;
    }
    mm_log_error(&ctx->log, "ingest", "partition %d entry %s moved to %s:dead after %lld "
                 "attempt(s): %s", k, id, ctx->cfg.stream, attempts, err);
    mm_ack(c, &c->parts[k], id);
    freeReplyObject(redisCommand(c->loop.redis, "HDEL %s %s", akey, field));
    return 0;
}

/* Handles one stream's entries in id order (pending: a pass over what was
 * delivered to us; else new entries): a held chat's entries are skipped
 * and stay pending.  0, or -1 when the database went away (the partition
 * starts its pass again after a pause). */
static int mm_handle_entries(mm_consumer *c, int k, redisReply *entries, int pending) {
    mm_ctx *ctx = c->loop.ctx;
    mm_part *p = &c->parts[k];

    for (size_t i = 0; i < entries->elements && !atomic_load(&ctx->stop) && p->owned; i++) {
        redisReply *e = entries->element[i], *fields = e->element[1];
        const char *id = e->element[0]->str, *upd, *timer, *recv;
        long long now = mm_mono_ms(), delay = 0;
        char err[512] = "";
        size_t ulen, tlen, rlen;
        mm_outcome o;
        mm_update u;
        mm_hold *h;
        int64_t key;

        if (pending)
            snprintf(p->cursor, sizeof(p->cursor), "%s", id);
        if (fields->type != REDIS_REPLY_ARRAY) {
            mm_ack(c, p, id);        /* deleted while pending */
            continue;
        }
        upd = mm_redis_field(fields, MM_STREAM_FIELD_UPDATE, &ulen);
        timer = mm_redis_field(fields, MM_STREAM_FIELD_TIMER, &tlen);
        /* a timer travels in its own field, which only the timer thread writes */
        if (timer ? mm_update_parse_timer(timer, tlen, &u, err, sizeof(err))
                  : upd == NULL || mm_update_parse(upd, ulen, &u, err, sizeof(err))) {
            if (upd == NULL && timer == NULL)
                snprintf(err, sizeof(err), "entry has no update field");
            if (mm_failed(c, k, id, fields, err, 1, &delay)) {
                /* not even dead-lettered: the partition pauses */
                mm_pass_start(p);
                p->retry_at = now + delay;
                return 0;
            }
            continue;
        }
        key = mm_update_order_key(&u);
        h = mm_hold_find(c, k, key);
        if (h && (!pending || h->pass == p->pass || h->retry_at > now)) {
            h->pass = p->pass;      /* an earlier entry of its chat waits */
            mm_update_free(&u);
            continue;
        }
        recv = mm_redis_field(fields, MM_STREAM_FIELD_RECEIVED_AT, &rlen);
        o = mm_process(c, k, &u, recv, err, sizeof(err));
        mm_update_free(&u);
        if (o == MM_DONE) {
            mm_ack(c, p, id);
            if (pending) {
                char akey[160];
                snprintf(akey, sizeof(akey), "%s:attempts", ctx->cfg.stream);
                freeReplyObject(redisCommand(c->loop.redis, "HDEL %s %d/%s", akey, k, id));
            }
            if (h)
                mm_hold_drop(c, h);
            p->db_failures = 0;
        } else if (o == MM_FENCED) {
            mm_drop(c, k, "a newer owner holds it");
            return 0;
        } else if (o == MM_DB_DOWN) {
            delay = 100LL << (p->db_failures < 6 ? p->db_failures : 6);
            p->db_failures++;
            mm_log_warn(&ctx->log, "ingest", "partition %d entry %s waits for the database "
                        "(not counted as an attempt; again in %lld ms): %s", k, id, delay, err);
            mm_pass_start(p);
            p->retry_at = now + delay;
            return -1;
        } else if (mm_failed(c, k, id, fields, err, 0, &delay)) {
            if (mm_hold_set(c, k, key, now + delay) == NULL) {
                mm_pass_start(p);       /* out of memory: the whole partition waits */
                p->retry_at = now + delay;
                return 0;
            }
        } else if (h) {
            mm_hold_drop(c, h);         /* dead-lettered: its chat goes on */
        }
    }
    return 0;
}

/* One read over the partitions we own: a pass over what is pending to us
 * first (after a take-over, or when a held chat's retry is due), else new
 * entries. */
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
    for (int i = 0; i < c->nholds; i++) {
        mm_part *p = &c->parts[c->holds[i].k];
        if (p->owned && !p->has_pending && c->holds[i].retry_at <= now)
            mm_pass_start(p);
    }
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
        argv[argc++] = pending ? c->parts[which[i]].cursor : ">";
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
        int db_down = -1;           /* the partition that found the database gone */
        for (size_t s = 0; s < reply->elements; s++) {
            redisReply *st = reply->element[s];
            int k = -1;
            for (int i = 0; i < count; i++)
                if (!strcmp(c->parts[which[i]].stream, st->element[0]->str))
                    k = which[i];
            if (k < 0 || !c->parts[k].owned)
                continue;
            if (db_down >= 0) {
                /* delivered to us and not handled: the next pass takes them */
                if (!pending)
                    mm_pass_start(&c->parts[k]);
                c->parts[k].retry_at = c->parts[db_down].retry_at;
                continue;
            }
            if (pending && st->element[1]->elements == 0) {
                c->parts[k].has_pending = 0;
                mm_holds_clear(c, k, 1);
                continue;
            }
            if (mm_handle_entries(c, k, st->element[1], pending))
                db_down = k;
        }
        if (pending)        /* streams absent from the reply have nothing pending */
            for (int i = 0; i < count; i++) {
                int found = 0;
                for (size_t s = 0; s < reply->elements; s++)
                    found |= !strcmp(reply->element[s]->element[0]->str,
                                     c->parts[which[i]].stream);
                if (!found && c->parts[which[i]].has_pending) {
                    c->parts[which[i]].has_pending = 0;
                    mm_holds_clear(c, which[i], 1);
                }
            }
    }
    freeReplyObject(reply);

done:
    free(argv);
    free(which);
}

/* The dead-letter stream's length, a gauge in mm:metrics. */
int mm_ingest_report(mm_ctx *ctx, redisContext *r) {
    redisReply *reply = redisCommand(r, "XLEN %s:dead", ctx->cfg.stream);
    long long len = reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;

    freeReplyObject(reply);
    if (len < 0)
        return -1;
    reply = redisCommand(r, "HSET " MM_METRICS_KEY " mm_ingest_dead_letters %lld", len);
    len = reply && reply->type == REDIS_REPLY_INTEGER ? 0 : -1;
    freeReplyObject(reply);
    return (int) len;
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
    free(c->holds);
    free(c);
}
