/*
 * Redis for the worker's threads: a connection each (hiredis is not
 * thread-safe), and leases — a key held by one owner for a while, with an
 * epoch that grows with every new holder so stale holders can be fenced.
 */

#ifndef MM_REDIS_H
#define MM_REDIS_H

#include <hiredis/hiredis.h>

#include "mm_ctx.h"

/* Connects (5 s timeouts) and authenticates when password is set; NULL
 * with the reason in err. */
redisContext *mm_redis_connect(const char *host, int port, const char *password, char *err,
                               size_t errlen);

/* Connects and authenticates as the worker is configured; NULL with the
 * reason logged. */
redisContext *mm_redis_open(mm_ctx *ctx, const char *component);

/* Takes (or keeps) the lease: the epoch (> 0) when we hold it, 0 when
 * another owner does, -1 on a Redis error. */
long long mm_lease_acquire(redisContext *r, const char *key, const char *owner, int ms);

/* 1 still ours (extended), 0 lost, -1 error. */
int mm_lease_renew(redisContext *r, const char *key, const char *owner, long long epoch, int ms);

void mm_lease_release(redisContext *r, const char *key, const char *owner, long long epoch);

/* Raises the epoch counter behind key to at least epoch (after Redis lost it). */
void mm_lease_raise_epoch(redisContext *r, const char *key, long long epoch);

/* Reconnects when r is missing or broken: 1 when *r is a new connection
 * (state tied to the old one is gone), 0 when it was fine, -1 when
 * Redis is unreachable (logged; the caller has napped a second). */
int mm_redis_ensure(mm_ctx *ctx, redisContext **r, const char *component);

/* The value of field name in a stream entry's field list; NULL if absent. */
const char *mm_redis_field(const redisReply *fields, const char *name, size_t *len);

/* 1 if reply is an error reply starting with prefix */
int mm_redis_is_error(const redisReply *reply, const char *prefix);

#endif /* MM_REDIS_H */
