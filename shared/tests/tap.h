/* A few lines of TAP for the C unit tests, so prove runs them. */

#ifndef MM_TAP_H
#define MM_TAP_H

#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do {                                           \
    int ok_ = (cond);                                                \
    printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);                 \
    printf(__VA_ARGS__);                                             \
    printf("\n");                                                    \
    if (!ok_) {                                                      \
        tap_failed++;                                                \
        printf("#   failed at %s line %d\n", __FILE__, __LINE__);    \
    }                                                                \
} while (0)

static int tap_done(void) {
    printf("1..%d\n", tap_n);
    return tap_failed != 0;
}

#endif /* MM_TAP_H */
