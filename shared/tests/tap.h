/* A few lines of TAP for the C unit tests, so prove runs them.  A test
 * prints its plan first ("1..N") or calls tap_done() at the end. */

#ifndef MM_TAP_H
#define MM_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

/* one check; returns cond */
static inline int tap_ok(int cond, const char *fmt, ...) {
    va_list ap;

    printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    tap_failed += !cond;
    return cond;
}

static inline void tap_skip(const char *why) {
    printf("ok %d # SKIP %s\n", ++tap_n, why);
}

/* tap_ok() that also says where a failed check is */
#define ok(cond, ...) do {                                           \
    if (!tap_ok((cond), __VA_ARGS__))                                \
        printf("#   failed at %s line %d\n", __FILE__, __LINE__);    \
} while (0)

/* comparisons named after what they check: the expression is the test's
 * name, and a failure shows what was got and what was wanted */
static inline void tap_is_int(long long got, long long want, const char *what,
                              const char *file, int line) {
    if (!tap_ok(got == want, "%s", what))
        printf("#   failed at %s line %d\n#          got: %lld\n#     expected: %lld\n", file,
               line, got, want);
}

static inline void tap_is_str(const char *got, const char *want, const char *what,
                              const char *file, int line) {
    int same = got && want ? strcmp(got, want) == 0 : got == want;

    if (!tap_ok(same, "%s", what))
        printf("#   failed at %s line %d\n#          got: '%s'\n#     expected: '%s'\n", file,
               line, got ? got : "(null)", want ? want : "(null)");
}

#define is_int(got, want) \
    tap_is_int((long long) (got), (long long) (want), #got " == " #want, __FILE__, __LINE__)
#define is_str(got, want) tap_is_str((got), (want), #got " is " #want, __FILE__, __LINE__)
#define is_true(cond) ok((cond), "%s", #cond)

static inline int tap_done(void) {
    printf("1..%d\n", tap_n);
    return tap_failed != 0;
}

#endif /* MM_TAP_H */
