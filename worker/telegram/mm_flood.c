#include "telegram/mm_flood.h"

void mm_bucket_init(mm_bucket *b, double per_second, double burst, int64_t now_ms) {
    b->per_ms = per_second / 1000.0;
    b->burst = burst < 1 ? 1 : burst;
    b->tokens = b->burst;
    b->last_ms = now_ms;
    b->paused_until_ms = 0;
}

static void mm_bucket_refill(mm_bucket *b, int64_t now_ms) {
    if (now_ms > b->last_ms) {
        b->tokens += (double) (now_ms - b->last_ms) * b->per_ms;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->last_ms = now_ms;
    }
}

int64_t mm_bucket_wait(mm_bucket *b, int64_t now_ms) {
    int64_t wait = 0;

    if (b->paused_until_ms > now_ms)
        wait = b->paused_until_ms - now_ms;
    if (b->per_ms <= 0)
        return wait;
    mm_bucket_refill(b, now_ms);
    if (b->tokens < 1) {
        int64_t refill = (int64_t) ((1 - b->tokens) / b->per_ms) + 1;
        if (refill > wait)
            wait = refill;
    }
    return wait;
}

void mm_bucket_take(mm_bucket *b, int64_t now_ms) {
    if (b->per_ms <= 0)
        return;
    mm_bucket_refill(b, now_ms);
    b->tokens -= 1;
}

void mm_bucket_pause(mm_bucket *b, int64_t now_ms, int64_t pause_ms) {
    if (now_ms + pause_ms > b->paused_until_ms)
        b->paused_until_ms = now_ms + pause_ms;
}
