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
 * whichever processes run; different chats proceed in parallel.
 */

#ifndef MM_INGEST_H
#define MM_INGEST_H

#include "mm_ctx.h"

/* Partition stream name of partition k. */
void mm_partition_stream(const mm_ctx *ctx, int k, char *out, size_t outlen);

/* Thread bodies; each returns when ctx->stop is set. */
void *mm_router_main(void *ctx);
void *mm_consumer_main(void *arg);      /* arg: mm_consumer_arg */
void *mm_poller_main(void *ctx);

typedef struct mm_consumer_arg {
    mm_ctx *ctx;
    int index;
} mm_consumer_arg;

#endif /* MM_INGEST_H */
