/*
 * Polling ingress, for deployments without public HTTPS: one leaseholder
 * long-polls getUpdates and appends each update to the same stream the
 * edge fills, together with the next offset, in one Redis script — so a
 * restart neither loses nor repeats an update.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/mm_ingest.h"
#include "mm_json.h"
#include "mm_stream.h"
#include "store/mm_redis.h"
#include "telegram/mm_tg.h"

/* KEYS: stream, offset key, lease key; ARGV: lease value, next offset,
 * then update, update_id, received_at per update */
static const char *mm_poll_append_lua =
    "if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end "
    "for i = 3, #ARGV, 3 do "
    "  redis.call('XADD', KEYS[1], '*', '" MM_STREAM_FIELD_UPDATE "', ARGV[i], "
    "    '" MM_STREAM_FIELD_UPDATE_ID "', ARGV[i + 1], '" MM_STREAM_FIELD_RECEIVED_AT "', "
    "    ARGV[i + 2]) end "
    "redis.call('SET', KEYS[2], ARGV[2]) "
    "return (#ARGV - 2) / 3";

/* 1 when the update has a top-level member named like our internal ones */
static int mm_poll_reserved(json_t *u) {
    const char *key;
    json_t *v;

    json_object_foreach(u, key, v)
        if (mm_update_key_reserved(key, strlen(key)))
            return 1;
    return 0;
}

static int mm_poll_append(mm_ctx *ctx, redisContext *r, const char *offset_key,
                          const char *lease_key, const char *lease_value, json_t *updates,
                          long long *offset) {
    size_t n = json_array_size(updates), argc = 0;
    const char **argv = calloc(8 + 3 * n, sizeof(char *));
    char **owned = calloc(2 * n + 1, sizeof(char *)), next[24], now[24];
    redisReply *reply;
    long long max = *offset - 1;
    int rc = -1;

    if (argv == NULL || owned == NULL)
        goto done;
    snprintf(now, sizeof(now), "%lld", mm_now_ms());
    argv[argc++] = "EVAL";
    argv[argc++] = mm_poll_append_lua;
    argv[argc++] = "3";
    argv[argc++] = ctx->cfg.stream;
    argv[argc++] = offset_key;
    argv[argc++] = lease_key;
    argv[argc++] = lease_value;
    argv[argc++] = next;
    for (size_t i = 0; i < n; i++) {
        json_t *u = json_array_get(updates, i);
        long long id = json_integer_value(json_object_get(u, "update_id"));
        if (id > max)
            max = id;
        /* what the edge refuses (a reserved "mm_" member) is not stored either */
        if (mm_poll_reserved(u)) {
            mm_log_warn(&ctx->log, "poller", "update %lld refused: a reserved field", id);
            continue;
        }
        owned[2 * i] = json_dumps(u, JSON_COMPACT);
        owned[2 * i + 1] = malloc(24);
        if (owned[2 * i] == NULL || owned[2 * i + 1] == NULL)
            goto done;
        snprintf(owned[2 * i + 1], 24, "%lld", id);
        argv[argc++] = owned[2 * i];
        argv[argc++] = owned[2 * i + 1];
        argv[argc++] = now;
    }
    snprintf(next, sizeof(next), "%lld", max + 1);
    reply = redisCommandArgv(r, (int) argc, argv, NULL);
    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer >= 0) {
        *offset = max + 1;
        rc = 0;
    } else {
        mm_log_warn(&ctx->log, "poller", "appending %zu updates failed: %s", n,
                    reply ? (reply->type == REDIS_REPLY_ERROR ? reply->str : "lease lost")
                          : r->errstr);
    }
    freeReplyObject(reply);

done:
    for (size_t i = 0; owned && i < 2 * n; i++)
        free(owned[i]);
    free(owned);
    free(argv);
    return rc;
}

/* Newly the poller: go on from the offset the last one stored. */
static int mm_poller_lead(mm_loop *l) {
    mm_poller *p = l->arg;
    redisReply *reply = redisCommand(l->redis, "GET %s", p->offset_key);

    p->offset = reply && reply->type == REDIS_REPLY_STRING ? atoll(reply->str) : 0;
    freeReplyObject(reply);
    mm_log_info(&l->ctx->log, "poller", "long polling getUpdates from offset %lld", p->offset);
    return 0;
}

/* One long poll, its updates appended with the next offset. */
static int mm_poller_step(mm_loop *l) {
    mm_poller *p = l->arg;
    mm_ctx *ctx = l->ctx;
    char value[240];
    json_t *params;
    mm_tg_result res;
    int rc = 1;

    snprintf(value, sizeof(value), "%s|%lld", l->owner, l->epoch);
    params = json_pack("{s:I, s:i, s:i, s:o}", "offset", (json_int_t) p->offset,
                       "timeout", ctx->cfg.poll_timeout, "limit", 100, "allowed_updates",
                       json_loads(MM_ALLOWED_UPDATES_JSON, 0, NULL));
    if (mm_tg_call(&p->tg, "getUpdates", params, (ctx->cfg.poll_timeout + 15) * 1000L, &res)) {
        if (res.error_code == 409) {
            if (!p->conflict_logged++)
                mm_log_error(&ctx->log, "poller", "getUpdates refused: %s (run mm-worker "
                             "delete-webhook, or set WEBHOOK_URL to use the webhook)",
                             res.description);
        } else {
            mm_log_warn(&ctx->log, "poller", "getUpdates failed: %s", res.description);
        }
        mm_nap(ctx, res.retry_after ? res.retry_after * 1000 : 2000);
    } else if (json_is_array(res.result) && json_array_size(res.result) > 0) {
        p->conflict_logged = 0;
        if (mm_poll_append(ctx, l->redis, p->offset_key, p->lease, value, res.result,
                           &p->offset))
            rc = -1;
    } else {
        p->conflict_logged = 0;
    }
    json_decref(params);
    mm_tg_result_free(&res);
    return rc;
}

static int mm_poller_start(mm_loop *l) {
    mm_poller *p = l->arg;

    return mm_tg_init(&p->tg, l->ctx) ? -1 : 0;
}

static int mm_poller_stop(mm_loop *l) {
    mm_poller *p = l->arg;

    mm_tg_free(&p->tg);
    return 0;
}

void mm_poller_init(mm_poller *p, mm_ctx *ctx) {
    memset(p, 0, sizeof(*p));
    snprintf(p->lease, sizeof(p->lease), "%s:lease:poller", ctx->cfg.stream);
    snprintf(p->offset_key, sizeof(p->offset_key), "%s:poll_offset", ctx->cfg.stream);
    mm_loop_init(&p->loop, ctx, "poller", MM_LOOP_REDIS, mm_poller_step, 0, p);
    p->loop.lease = p->lease;
    /* the lease outlives one long poll, and is extended before each */
    p->loop.lease_ms = (ctx->cfg.poll_timeout + 30) * 1000;
    p->loop.lease_each_step = 1;
    p->loop.on_start = mm_poller_start;
    p->loop.on_leader = mm_poller_lead;
    p->loop.on_stop = mm_poller_stop;
}
