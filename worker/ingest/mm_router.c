#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/mm_ingest.h"
#include "telegram/mm_update.h"
#include "mm_stream.h"
#include "store/mm_redis.h"

#define MM_ROUTE_BATCH 256

/* KEYS[1] the stream, KEYS[2..] partitions; ARGV[1] the group, then per
 * entry: id, key index, update, update_id, received_at.  An entry another
 * router already acknowledged is skipped, so nothing is routed twice. */
static const char *mm_route_lua =
    "local n = 0 "
    "for i = 2, #ARGV, 5 do "
    "  if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then "
    "    redis.call('XADD', KEYS[tonumber(ARGV[i + 1])], '*', "
    "      '" MM_STREAM_FIELD_UPDATE "', ARGV[i + 2], '" MM_STREAM_FIELD_UPDATE_ID
    "', ARGV[i + 3], "
    "      '" MM_STREAM_FIELD_RECEIVED_AT "', ARGV[i + 4], '" MM_STREAM_FIELD_SRC "', ARGV[i]) "
    "    n = n + 1 "
    "  end "
    "  redis.call('XDEL', KEYS[1], ARGV[i]) "
    "end "
    "return n";

void mm_partition_stream(const mm_ctx *ctx, int k, char *out, size_t outlen) {
    snprintf(out, outlen, MM_STREAM_PARTITION_FMT, ctx->cfg.stream, k);
}

/* Routes one batch of entries (XREADGROUP's reply for the stream). */
static int mm_route_batch(mm_ctx *ctx, redisContext *r, redisReply *entries) {
    size_t n = entries->elements, argc = 0, nkeys = 0;
    const char **argv = calloc(6 + 6 * n, sizeof(char *));
    size_t *argl = calloc(6 + 6 * n, sizeof(size_t));
    char (*keys)[128] = calloc(n, sizeof(*keys));
    char (*idx)[16] = calloc(n, sizeof(*idx));
    int *part_key = calloc((size_t) ctx->cfg.partitions, sizeof(int));
    redisReply *reply = NULL;
    char nkeys_s[16];
    int rc = -1;

    if (!argv || !argl || !keys || !idx || !part_key)
        goto done;
    argv[argc++] = "EVAL";
    argv[argc++] = mm_route_lua;
    argv[argc++] = nkeys_s;
    argv[argc++] = ctx->cfg.stream;
    /* partition keys first (EVAL wants KEYS before ARGV) */
    for (size_t i = 0; i < n; i++) {
        redisReply *e = entries->element[i], *fields = e->element[1];
        size_t ulen;
        const char *upd = mm_redis_field(fields, MM_STREAM_FIELD_UPDATE, &ulen);
        mm_update u;
        char err[160];
        int k = 0;

        if (upd && mm_update_parse(upd, ulen, &u, err, sizeof(err)) == 0) {
            k = mm_partition_of(mm_update_order_key(&u), ctx->cfg.partitions);
            mm_update_free(&u);
        }
        /* unparsable entries go to partition 0, whose consumer dead-letters them */
        if (part_key[k] == 0) {
            mm_partition_stream(ctx, k, keys[nkeys], sizeof(keys[0]));
            argv[argc++] = keys[nkeys];
            part_key[k] = (int) (++nkeys) + 1;      /* KEYS index (1 is the stream) */
        }
        snprintf(idx[i], sizeof(idx[0]), "%d", part_key[k]);
    }
    snprintf(nkeys_s, sizeof(nkeys_s), "%zu", nkeys + 1);
    argv[argc++] = ctx->cfg.group;
    for (size_t i = 0; i < n; i++) {
        redisReply *e = entries->element[i], *fields = e->element[1];
        size_t len;
        const char *v;

        argv[argc++] = e->element[0]->str;
        argv[argc++] = idx[i];
        v = mm_redis_field(fields, MM_STREAM_FIELD_UPDATE, &len);
        argv[argc] = v ? v : "";
        argl[argc++] = len;
        v = mm_redis_field(fields, MM_STREAM_FIELD_UPDATE_ID, &len);
        argv[argc] = v ? v : "-1";
        argl[argc++] = v ? len : 2;
        v = mm_redis_field(fields, MM_STREAM_FIELD_RECEIVED_AT, &len);
        argv[argc] = v ? v : "0";
        argl[argc++] = v ? len : 1;
    }
    for (size_t i = 0; i < argc; i++)
        if (argl[i] == 0 && argv[i] != NULL && argv[i][0] != '\0')
            argl[i] = strlen(argv[i]);
    reply = redisCommandArgv(r, (int) argc, argv, argl);
    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        mm_log_error(&ctx->log, "router", "routing %zu entries failed: %s", n,
                     reply ? reply->str : r->errstr);
        goto done;
    }
    rc = 0;

done:
    freeReplyObject(reply);
    free(argv);
    free(argl);
    free(keys);
    free(idx);
    free(part_key);
    return rc;
}

/* A new leader takes every entry an earlier router left pending. */
static int mm_router_lead(mm_loop *l) {
    mm_router *rt = l->arg;
    mm_ctx *ctx = l->ctx;
    redisReply *reply;

    freeReplyObject(redisCommand(l->redis, "XGROUP CREATE %s %s 0 MKSTREAM", ctx->cfg.stream,
                                 ctx->cfg.group));
    for (const char *cursor = "0-0";;) {
        char next[64];
        reply = redisCommand(l->redis, "XAUTOCLAIM %s %s %s 0 %s COUNT 1000 JUSTID",
                             ctx->cfg.stream, ctx->cfg.group, l->owner, cursor);
        if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) {
            freeReplyObject(reply);
            break;
        }
        snprintf(next, sizeof(next), "%s", reply->element[0]->str);
        freeReplyObject(reply);
        if (!strcmp(next, "0-0"))
            break;
        cursor = next;
    }
    mm_log_info(&ctx->log, "router", "routing %s (lease epoch %lld)", ctx->cfg.stream, l->epoch);
    rt->pending = 1;
    return 0;
}

/* One read of the edge's stream (what is pending to us first), routed. */
static int mm_router_step(mm_loop *l) {
    mm_router *rt = l->arg;
    mm_ctx *ctx = l->ctx;
    redisReply *reply;
    int rc = 0;

    reply = redisCommand(l->redis, rt->pending
                         ? "XREADGROUP GROUP %s %s COUNT %d STREAMS %s 0"
                         : "XREADGROUP GROUP %s %s COUNT %d BLOCK 200 STREAMS %s >",
                         ctx->cfg.group, l->owner, MM_ROUTE_BATCH, ctx->cfg.stream);
    if (reply == NULL) {
        mm_log_warn(&ctx->log, "router", "reading %s: %s", ctx->cfg.stream, l->redis->errstr);
        return -1;
    }
    if (mm_redis_is_error(reply, "NOGROUP")) {
        freeReplyObject(redisCommand(l->redis, "XGROUP CREATE %s %s 0 MKSTREAM",
                                     ctx->cfg.stream, ctx->cfg.group));
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
        redisReply *entries = reply->element[0]->element[1];
        if (entries->elements == 0)
            rt->pending = 0;
        else
            rc = mm_route_batch(ctx, l->redis, entries) ? -1 : 1;
    } else if (reply->type == REDIS_REPLY_NIL) {
        rt->pending = 0;
    } else if (reply->type == REDIS_REPLY_ERROR) {
        mm_log_warn(&ctx->log, "router", "reading %s: %s", ctx->cfg.stream, reply->str);
        rc = -1;
    }
    freeReplyObject(reply);
    return rc;
}

void mm_router_init(mm_router *rt, mm_ctx *ctx) {
    memset(rt, 0, sizeof(*rt));
    snprintf(rt->lease, sizeof(rt->lease), "%s:lease:router", ctx->cfg.stream);
    /* idle 0: the read blocks */
    mm_loop_init(&rt->loop, ctx, "router", MM_LOOP_REDIS, mm_router_step, 0, rt);
    rt->loop.lease = rt->lease;
    rt->loop.lease_ms = ctx->cfg.lease_ms;
    rt->loop.on_leader = mm_router_lead;
    rt->loop.error_ms = 500;
}
