#include <time.h>

#include "mm_ctx.h"

long long mm_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

long long mm_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void mm_nap(mm_ctx *ctx, int ms) {
    while (ms > 0 && !atomic_load(&ctx->stop)) {
        struct timespec ts = { 0, (ms < 50 ? ms : 50) * 1000000L };
        nanosleep(&ts, NULL);
        ms -= 50;
    }
}
