/*
 * Outgoing flood control: token buckets for the Bot API's limits (about
 * 30 messages/s overall, 1/s per private chat, 20/min per group) plus the
 * pause a 429 demands.  Pure: the caller passes the clock.
 */

#ifndef MM_FLOOD_H
#define MM_FLOOD_H

#include <stdint.h>

typedef struct mm_bucket {
    double tokens;
    double per_ms;              /* refill rate; 0 = unlimited */
    double burst;
    int64_t last_ms;
    int64_t paused_until_ms;    /* set by a 429's retry_after */
} mm_bucket;

void mm_bucket_init(mm_bucket *b, double per_second, double burst, int64_t now_ms);

/* Milliseconds until one token is available (0: now). */
int64_t mm_bucket_wait(mm_bucket *b, int64_t now_ms);

/* Takes a token; call only when mm_bucket_wait() said 0. */
void mm_bucket_take(mm_bucket *b, int64_t now_ms);

void mm_bucket_pause(mm_bucket *b, int64_t now_ms, int64_t pause_ms);

#endif /* MM_FLOOD_H */
