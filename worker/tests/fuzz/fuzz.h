/*
 * What the worker's libFuzzer targets share (worker/tests/fuzz/fuzz_*.c):
 * a check that traps, exact-size copies of the input (so AddressSanitizer
 * sees a read one past the end), and the "<numbers>\n<body>" header some
 * targets' inputs start with.
 */

#ifndef MM_FUZZ_H
#define MM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* data[0..size) as a NUL-terminated string in a buffer of exactly size + 1 */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);

    CHECK(s != NULL);
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* data[0..size) in a buffer of exactly size bytes (not terminated) */
static inline char *fuzz_copy(const uint8_t *data, size_t size) {
    char *s = malloc(size ? size : 1);

    CHECK(s != NULL);
    if (size)
        memcpy(s, data, size);
    return s;
}

/* Reads up to n integers (optionally signed decimal, space separated) from
 * the first line; *data and *size then describe what follows the line feed.
 * Missing numbers are 0; without a line feed the whole input is the body. */
static inline void fuzz_header(const uint8_t **data, size_t *size, long long *v, int n) {
    const uint8_t *nl = memchr(*data, '\n', *size);
    const uint8_t *p = *data;
    int k = 0;

    for (int i = 0; i < n; i++)
        v[i] = 0;
    if (nl == NULL)
        return;
    while (p < nl && k < n) {
        int neg = 0, any = 0;
        long long x = 0;

        while (p < nl && *p == ' ')
            p++;
        if (p < nl && *p == '-')
            neg = 1, p++;
        while (p < nl && *p >= '0' && *p <= '9') {
            if (x < 100000000000000LL)
                x = x * 10 + (*p - '0');
            p++, any = 1;
        }
        if (!any) {
            while (p < nl && *p != ' ')
                p++;
            continue;
        }
        v[k++] = neg ? -x : x;
    }
    *size -= (size_t) (nl + 1 - *data);
    *data = nl + 1;
}

/* 1 when s[0..cap) holds a NUL */
static inline int fuzz_terminated(const char *s, size_t cap) {
    return memchr(s, '\0', cap) != NULL;
}

#endif /* MM_FUZZ_H */
