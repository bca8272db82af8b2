#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm_buf.h"

void mm_buf_init(mm_buf *b) {
    memset(b, 0, sizeof(*b));
}

void mm_buf_free(mm_buf *b) {
    free(b->data);
    mm_buf_init(b);
}

void mm_buf_reset(mm_buf *b) {
    b->len = 0;
    b->oom = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int mm_buf_reserve(mm_buf *b, size_t extra) {
    size_t need = b->len + extra + 1, cap;
    char *p;

    if (b->oom)
        return -1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    p = realloc(b->data, cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void mm_buf_add(mm_buf *b, const char *s, size_t n) {
    if (mm_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void mm_buf_adds(mm_buf *b, const char *s) {
    mm_buf_add(b, s, strlen(s));
}

void mm_buf_printf(mm_buf *b, const char *fmt, ...) {
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || mm_buf_reserve(b, (size_t) n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t) n;
}

#define MM_BUF_BODY_MAX (8u << 20)

size_t mm_buf_curl_write(char *ptr, size_t size, size_t nmemb, void *buf) {
    mm_buf *b = buf;

    if (b->len + size * nmemb > MM_BUF_BODY_MAX)
        return 0;
    mm_buf_add(b, ptr, size * nmemb);
    return b->oom ? 0 : size * nmemb;
}
