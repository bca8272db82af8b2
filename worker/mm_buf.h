/*
 * A growing string: replies, SQL arrays and JSON are assembled in one.
 * After an allocation failure the buffer keeps failing (oom set) so a
 * caller checks once at the end.
 */

#ifndef MM_BUF_H
#define MM_BUF_H

#include <stddef.h>

typedef struct mm_buf {
    char *data;
    size_t len;
    size_t cap;
    int oom;
} mm_buf;

void mm_buf_init(mm_buf *b);
void mm_buf_free(mm_buf *b);
void mm_buf_reset(mm_buf *b);
void mm_buf_add(mm_buf *b, const char *s, size_t n);
void mm_buf_adds(mm_buf *b, const char *s);
void mm_buf_printf(mm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A libcurl CURLOPT_WRITEFUNCTION appending to the mm_buf in WRITEDATA;
 * a body over 8 MiB (no Bot API or model answer is that big) or out of
 * memory ends the transfer. */
size_t mm_buf_curl_write(char *ptr, size_t size, size_t nmemb, void *buf);

#endif /* MM_BUF_H */
