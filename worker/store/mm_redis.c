#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mm_redis.h"

redisContext *mm_redis_connect(const char *host, int port, const char *password, char *err,
                               size_t errlen) {
    struct timeval tv = { 5, 0 };
    redisContext *r = redisConnectWithTimeout(host, port, tv);
    redisReply *reply;

    if (r == NULL || r->err) {
        snprintf(err, errlen, "connect to %s:%d failed: %s", host, port,
                 r ? r->errstr : "out of memory");
        if (r)
            redisFree(r);
        return NULL;
    }
    redisSetTimeout(r, tv);
    if (password) {
        reply = redisCommand(r, "AUTH %s", password);
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "AUTH failed: %s", reply ? reply->str : r->errstr);
            freeReplyObject(reply);
            redisFree(r);
            return NULL;
        }
        freeReplyObject(reply);
    }
    return r;
}

redisContext *mm_redis_open(mm_ctx *ctx, const char *component) {
    char err[300];
    redisContext *r = mm_redis_connect(ctx->cfg.redis_host, ctx->cfg.redis_port,
                                       ctx->cfg.redis_password, err, sizeof(err));

    if (r == NULL)
        mm_log_error(&ctx->log, component, "redis %s", err);
    return r;
}

int mm_redis_ensure(mm_ctx *ctx, redisContext **r, const char *component) {
    if (*r && !(*r)->err)
        return 0;
    if (*r)
        redisFree(*r);
    if ((*r = mm_redis_open(ctx, component)) == NULL) {
        mm_nap(ctx, 1000);
        return -1;
    }
    return 1;
}

const char *mm_redis_field(const redisReply *fields, const char *name, size_t *len) {
    for (size_t i = 0; fields && fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements;
         i += 2)
        if (!strcmp(fields->element[i]->str, name)) {
            *len = fields->element[i + 1]->len;
            return fields->element[i + 1]->str;
        }
    *len = 0;
    return NULL;
}

int mm_redis_is_error(const redisReply *reply, const char *prefix) {
    return reply && reply->type == REDIS_REPLY_ERROR
           && !strncmp(reply->str, prefix, strlen(prefix));
}

/* the holder's value is "<owner>|<epoch>"; <key>:epoch counts holders */
static const char *mm_lease_acquire_lua =
    "local cur = redis.call('GET', KEYS[1]) "
    "local me = ARGV[1] .. '|' "
    "if cur then "
    "  if string.sub(cur, 1, #me) == me then "
    "    redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "    return tonumber(string.sub(cur, #me + 1)) "
    "  end "
    "  return 0 "
    "end "
    "local e = redis.call('INCR', KEYS[1] .. ':epoch') "
    "redis.call('SET', KEYS[1], me .. e, 'PX', ARGV[2]) "
    "return e";

static const char *mm_lease_renew_lua =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "  return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

static const char *mm_lease_release_lua =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "  return redis.call('DEL', KEYS[1]) end return 0";

static const char *mm_lease_raise_lua =
    "local k = KEYS[1] .. ':epoch' "
    "if tonumber(redis.call('GET', k) or '0') < tonumber(ARGV[1]) then "
    "  redis.call('SET', k, ARGV[1]) end return 1";

long long mm_lease_acquire(redisContext *r, const char *key, const char *owner, int ms) {
    redisReply *reply = redisCommand(r, "EVAL %s 1 %s %s %d", mm_lease_acquire_lua, key,
                                     owner, ms);
    long long e = -1;

    if (reply && reply->type == REDIS_REPLY_INTEGER)
        e = reply->integer;
    freeReplyObject(reply);
    return e;
}

int mm_lease_renew(redisContext *r, const char *key, const char *owner, long long epoch,
                   int ms) {
    char value[256];
    redisReply *reply;
    int rc = -1;

    snprintf(value, sizeof(value), "%s|%lld", owner, epoch);
    reply = redisCommand(r, "EVAL %s 1 %s %s %d", mm_lease_renew_lua, key, value, ms);
    if (reply && reply->type == REDIS_REPLY_INTEGER)
        rc = reply->integer == 1;
    freeReplyObject(reply);
    return rc;
}

void mm_lease_release(redisContext *r, const char *key, const char *owner, long long epoch) {
    char value[256];

    snprintf(value, sizeof(value), "%s|%lld", owner, epoch);
    freeReplyObject(redisCommand(r, "EVAL %s 1 %s %s", mm_lease_release_lua, key, value));
}

void mm_lease_raise_epoch(redisContext *r, const char *key, long long epoch) {
    freeReplyObject(redisCommand(r, "EVAL %s 1 %s %lld", mm_lease_raise_lua, key, epoch));
}
