/*
 * The worker's one context: configuration, logger, identity and the
 * sender every handler thread hands replies to.  Threads keep their own
 * connections; nothing else is shared.
 */

#ifndef MM_CTX_H
#define MM_CTX_H

#include <stdatomic.h>

#include "log/mm_log.h"
#include "mm_config.h"

struct mm_sender;
struct mm_engine;

typedef struct mm_ctx {
    mm_config cfg;
    mm_log log;
    char instance[96];              /* host:pid:random, names our leases */
    char bot_username[64];
    atomic_int stop;                /* set by SIGTERM */
    struct mm_sender *sender;
    struct mm_engine *engine;       /* the engine thread's; others read its providers */
} mm_ctx;

/* milliseconds: wall clock (scoring, Redis) and monotonic (timeouts) */
long long mm_now_ms(void);
long long mm_mono_ms(void);

/* Sleeps up to ms, waking early once stop is set. */
void mm_nap(mm_ctx *ctx, int ms);

#endif /* MM_CTX_H */
