/*
 * The path of an update inside the worker:
 *
 *   <stream> (the edge or the poller appends)
 *      │  router: one leaseholder at a time reads it through the consumer
 *      │  group and moves each entry, atomically, to the partition of its
 *      ▼  chat (XACK + XADD + XDEL in one script)
 *   <stream>:p:<k>, k = chat mod MM_PARTITIONS
 *      │  consumers: each partition is leased to one thread at a time and
 *      ▼  read in order through the same consumer group
 *   handler transaction (fenced by the lease epoch, deduplicated by
 *   update_id) → COMMIT → replies to the sender → XACK + XDEL
 *
 * So one chat's updates take effect in arrival order and never at once,
 * whichever processes run; different chats proceed in parallel.  A chat
 * whose update fails is held back alone: its entries stay pending while
 * the partition's other chats go on (mm_consumer.c).
 */

#ifndef MM_INGEST_H
#define MM_INGEST_H

#include "mm_ctx.h"
#include "mm_loop.h"
#include "telegram/mm_tg.h"

/* Partition stream name of partition k. */
void mm_partition_stream(const mm_ctx *ctx, int k, char *out, size_t outlen);

/* The router: one leaseholder in the deployment. */
typedef struct mm_router {
    mm_loop loop;
    char lease[160];
    int pending;                /* read what is pending to us before new entries */
} mm_router;

void mm_router_init(mm_router *rt, mm_ctx *ctx);

/* Partition consumers: MM_THREADS per process, sharing the partitions out
 * through leases. */
typedef struct mm_consumer mm_consumer;

mm_consumer *mm_consumer_new(mm_ctx *ctx, int index);

/* The backlog report's gauges in mm:metrics (mm_ingest_dead_letters: the
 * length of <stream>:dead); 0, or -1 when Redis did not answer. */
int mm_ingest_report(mm_ctx *ctx, redisContext *r);
mm_loop *mm_consumer_loop(mm_consumer *c);
void mm_consumer_free(mm_consumer *c);

/* The poller (no WEBHOOK_URL): one leaseholder long-polls getUpdates. */
typedef struct mm_poller {
    mm_loop loop;
    mm_tg tg;
    char lease[160], offset_key[160];
    long long offset;
    int conflict_logged;
} mm_poller;

void mm_poller_init(mm_poller *p, mm_ctx *ctx);

#endif /* MM_INGEST_H */
