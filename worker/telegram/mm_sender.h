/*
 * The sender: one thread that delivers every reply through libcurl's multi
 * interface.  Replies of one chat leave one at a time and in order, within
 * the Bot API's flood limits; a 429 pauses that chat for retry_after; 5xx
 * and transport failures are retried with backoff (at most 30 s) for as
 * long as the reply is younger than MM_OUTBOX_GIVE_UP, the chat's later
 * replies waiting behind it; only other 4xx answers are final.  Durable replies come
 * from the outbox table and are marked sent (with their message_id) or
 * failed there; rows a dead worker left are claimed after their lease.
 */

#ifndef MM_SENDER_H
#define MM_SENDER_H

#include <stdint.h>

#include "mm_ctx.h"

typedef struct mm_out {
    struct mm_out *next;
    int64_t outbox_id;          /* 0: not durable (answerCallbackQuery) */
    int64_t chat_id;
    int is_group;
    char method[32];
    char *params;               /* JSON text, owned */
    int attempts;
    long long not_before_ms;    /* monotonic */
    long long lease_deadline_ms;
    long long born_ms;          /* monotonic: when this worker got it (retries end by age) */
} mm_out;

typedef struct mm_sender mm_sender;

/* Starts the thread; NULL with the reason logged. */
mm_sender *mm_sender_start(mm_ctx *ctx);

/* Hands a list of replies over (ownership included), in order. */
void mm_sender_push(mm_sender *s, mm_out *list);

/* Delivers what is queued (at most drain_ms more), then stops and frees.
 * Durable replies left over stay in the outbox for the next worker. */
void mm_sender_stop(mm_sender *s, int drain_ms);

mm_out *mm_out_new(int64_t chat_id, const char *method, const char *params);
void mm_out_free(mm_out *o);

#endif /* MM_SENDER_H */
