#include <stdio.h>
#include <string.h>

#include "mm_loop.h"
#include "store/mm_redis.h"

#define MM_LOOP_DB_PAUSE_MS     1000
#define MM_LOOP_LEASE_PAUSE_MS  500

/* 0 when the lease is ours (taken or kept), -1 when another holds it or
 * Redis failed; renews at a third of its life. */
static int mm_loop_lease(mm_loop *l, long long *renew_at) {
    long long now = mm_mono_ms(), e;

    if (l->epoch > 0 && now < *renew_at && !l->lease_each_step)
        return 0;
    e = mm_lease_acquire(l->redis, l->lease, l->owner, l->lease_ms);
    if (e <= 0) {
        l->epoch = 0;
        return -1;
    }
    if (e != l->epoch && l->on_leader) {
        l->epoch = e;
        if (l->on_leader(l) < 0) {
            l->epoch = 0;
            return -1;
        }
    }
    l->epoch = e;
    *renew_at = now + l->lease_ms / 3;
    return 0;
}

static void *mm_loop_main(void *arg) {
    mm_loop *l = arg;
    mm_ctx *ctx = l->ctx;
    const char *component = l->component ? l->component : l->name;
    long long renew_at = 0;
    int rc;

    if (l->on_start && l->on_start(l) < 0)
        return NULL;
    while (!atomic_load(&ctx->stop)) {
        if (l->needs & MM_LOOP_REDIS) {
            rc = mm_redis_ensure(ctx, &l->redis, component);
            if (rc < 0)
                continue;
            if (rc == 1) {
                l->epoch = 0;       /* state tied to the old connection is gone */
                if (l->on_connect && l->on_connect(l) < 0)
                    continue;
            }
        }
        if ((l->needs & MM_LOOP_DB) && mm_db_ensure(&l->db)) {
            mm_log_warn(&ctx->log, component, "%s", l->db.err);
            mm_nap(ctx, MM_LOOP_DB_PAUSE_MS);
            continue;
        }
        if (l->lease && mm_loop_lease(l, &renew_at) < 0) {
            mm_nap(ctx, MM_LOOP_LEASE_PAUSE_MS);
            continue;
        }
        rc = l->step(l);
        if (rc == 1)
            continue;
        mm_nap(ctx, rc < 0 ? (l->error_ms ? l->error_ms : 1000) : l->idle_ms);
    }
    if (l->on_stop)
        l->on_stop(l);
    if (l->lease && l->epoch > 0 && l->redis && !l->redis->err)
        mm_lease_release(l->redis, l->lease, l->owner, l->epoch);
    if (l->redis)
        redisFree(l->redis);
    l->redis = NULL;
    mm_db_close(&l->db);
    return NULL;
}

void mm_loop_init(mm_loop *l, mm_ctx *ctx, const char *name, unsigned needs, mm_loop_fn step,
                  int idle_ms, void *arg) {
    memset(l, 0, sizeof(*l));
    l->ctx = ctx;
    l->name = name;
    l->needs = needs;
    l->step = step;
    l->idle_ms = idle_ms;
    l->arg = arg;
}

int mm_loop_start(mm_loop *l) {
    int err;

    snprintf(l->owner, sizeof(l->owner), "%s:%s", l->ctx->instance, l->name);
    l->db.url = l->ctx->cfg.database_url;
    if ((err = pthread_create(&l->thread, NULL, mm_loop_main, l)) != 0) {
        mm_log_error(&l->ctx->log, "main", "starting the %s thread failed: %s", l->name,
                     strerror(err));
        return -1;
    }
    l->running = 1;
    return 0;
}

void mm_loop_join(mm_loop *l) {
    if (l->running)
        pthread_join(l->thread, NULL);
    l->running = 0;
}
