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
        owned[2 * i] = json_dumps(u, JSON_COMPACT);
        owned[2 * i + 1] = malloc(24);
        if (owned[2 * i] == NULL || owned[2 * i + 1] == NULL)
            goto done;
        snprintf(owned[2 * i + 1], 24, "%lld", id);
        argv[argc++] = owned[2 * i];
        argv[argc++] = owned[2 * i + 1];
        argv[argc++] = now;
        if (id > max)
            max = id;
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

void *mm_poller_main(void *arg) {
    mm_ctx *ctx = arg;
    redisContext *r = NULL;
    mm_tg tg;
    char lease_key[160], offset_key[160], me[160], value[200];
    long long epoch = 0, offset = 0;
    int conflict_logged = 0;

    if (mm_tg_init(&tg, ctx))
        return NULL;
    snprintf(lease_key, sizeof(lease_key), "%s:lease:poller", ctx->cfg.stream);
    snprintf(offset_key, sizeof(offset_key), "%s:poll_offset", ctx->cfg.stream);
    snprintf(me, sizeof(me), "%s:poller", ctx->instance);
    while (!atomic_load(&ctx->stop)) {
        json_t *params;
        mm_tg_result res;
        long long e;
        redisReply *reply;

        switch (mm_redis_ensure(ctx, &r, "poller")) {
        case -1:
            continue;
        case 1:
            epoch = 0;      /* a new connection: take the lease again */
        }
        /* the lease outlives one long poll */
        e = mm_lease_acquire(r, lease_key, me, (ctx->cfg.poll_timeout + 30) * 1000);
        if (e <= 0) {
            epoch = 0;
            mm_nap(ctx, 1000);
            continue;
        }
        if (e != epoch) {
            reply = redisCommand(r, "GET %s", offset_key);
            offset = reply && reply->type == REDIS_REPLY_STRING ? atoll(reply->str) : 0;
            freeReplyObject(reply);
            mm_log_info(&ctx->log, "poller", "long polling getUpdates from offset %lld", offset);
            epoch = e;
        }
        snprintf(value, sizeof(value), "%s|%lld", me, epoch);
        params = json_pack("{s:I, s:i, s:i, s:o}", "offset", (json_int_t) offset,
                           "timeout", ctx->cfg.poll_timeout, "limit", 100, "allowed_updates",
                           json_loads(MM_ALLOWED_UPDATES_JSON, 0, NULL));
        if (mm_tg_call(&tg, "getUpdates", params, (ctx->cfg.poll_timeout + 15) * 1000L, &res)) {
            if (res.error_code == 409) {
                if (!conflict_logged++)
                    mm_log_error(&ctx->log, "poller", "getUpdates refused: %s (run mm-worker "
                                 "delete-webhook, or set WEBHOOK_URL to use the webhook)",
                                 res.description);
            } else {
                mm_log_warn(&ctx->log, "poller", "getUpdates failed: %s", res.description);
            }
            mm_nap(ctx, res.retry_after ? res.retry_after * 1000 : 2000);
        } else if (json_is_array(res.result) && json_array_size(res.result) > 0) {
            conflict_logged = 0;
            if (mm_poll_append(ctx, r, offset_key, lease_key, value, res.result, &offset))
                mm_nap(ctx, 1000);
        } else {
            conflict_logged = 0;
        }
        json_decref(params);
        mm_tg_result_free(&res);
    }
    if (r && epoch > 0)
        mm_lease_release(r, lease_key, me, epoch);
    if (r)
        redisFree(r);
    mm_tg_free(&tg);
    return NULL;
}
