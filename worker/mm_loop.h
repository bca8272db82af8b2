/*
 * The skeleton of every worker thread: keep the connections it needs
 * (Redis, PostgreSQL), hold a lease when only one thread in the whole
 * deployment may do the work, and run one step at a time until SIGTERM.
 *
 *        +--> ensure Redis --(down: warn, nap 1 s)--+
 *        |        | (new connection: on_connect,     |
 *        |        |  the lease is taken again)       |
 *        |    ensure PostgreSQL --(down: warn, nap 1 s)
 *        |        |
 *        |    lease? --(another holder: nap 0.5 s)---+
 *        |        | (newly ours: on_leader)          |
 *        |      step --> 1: again at once            |
 *        +-------------- 0: nap idle_ms, -1: nap error_ms
 *
 * A step that returns at once with nothing to do lets the thread sleep;
 * a step that blocks (a long poll, XREADGROUP BLOCK) sets idle_ms 0.
 */

#ifndef MM_LOOP_H
#define MM_LOOP_H

#include <pthread.h>

#include <hiredis/hiredis.h>

#include "mm_ctx.h"
#include "store/mm_db.h"

#define MM_LOOP_REDIS   0x01
#define MM_LOOP_DB      0x02

typedef struct mm_loop mm_loop;

/* A hook: 0 to go on; a negative on_start ends the thread. */
typedef int (*mm_loop_fn)(mm_loop *l);

struct mm_loop {
    /* set by the owner before mm_loop_start() */
    const char *name;           /* unique in the process: names the lease holder and jobs */
    const char *component;      /* for the log; NULL: name */
    mm_ctx *ctx;
    unsigned needs;             /* MM_LOOP_REDIS | MM_LOOP_DB */
    const char *lease;          /* a Redis key one thread in the deployment holds, or NULL */
    int lease_ms;
    int lease_each_step;        /* extend it before every step (steps that take long) */
    mm_loop_fn on_start;        /* once, in the thread, before the first step */
    mm_loop_fn on_connect;      /* after Redis was (re)connected */
    mm_loop_fn on_leader;       /* after the lease was newly taken */
    mm_loop_fn step;            /* 1 did something, 0 idle, -1 failed */
    mm_loop_fn on_stop;         /* once, before the connections close */
    int idle_ms;
    int error_ms;               /* 0: 1000 */
    void *arg;                  /* the owner's state */

    /* kept by the loop */
    redisContext *redis;
    mm_db db;
    long long epoch;            /* the lease's epoch while we hold it, else 0 */
    char owner[192];            /* <instance>:<name>, in leases and job rows */
    pthread_t thread;
    int running;
};

/* Sets l up (zeroed first) to run step in a thread called name with the
 * connections needs asks for; the other hooks are set by the caller. */
void mm_loop_init(mm_loop *l, mm_ctx *ctx, const char *name, unsigned needs, mm_loop_fn step,
                  int idle_ms, void *arg);

/* Starts l in a thread of its own; 0, or -1 logged (the thread could not
 * be created). */
int mm_loop_start(mm_loop *l);

/* Waits for l to end (after ctx->stop was set); a loop that never started
 * is left alone. */
void mm_loop_join(mm_loop *l);

#endif /* MM_LOOP_H */
