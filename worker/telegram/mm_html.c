#include <string.h>

#include "telegram/mm_html.h"

void mm_html_add(mm_buf *b, const char *s) {
    const char *run = s;

    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        default: continue;
        }
        mm_buf_add(b, run, (size_t) (s - run));
        mm_buf_adds(b, rep);
        run = s + 1;
    }
    mm_buf_add(b, run, (size_t) (s - run));
}

size_t mm_html_visible_len(const char *s) {
    size_t n = 0;

    while (*s) {
        unsigned char c = (unsigned char) *s;
        if (c == '<') {
            const char *end = strchr(s, '>');
            if (end == NULL)
                return n + strlen(s);
            s = end + 1;
            continue;
        }
        if (c == '&') {
            const char *end = strchr(s, ';');
            if (end && end - s <= 10) {
                n++;
                s = end + 1;
                continue;
            }
        }
        /* UTF-8 lead bytes: 4-byte sequences are surrogate pairs in UTF-16 */
        if (c < 0x80 || c >= 0xc0)
            n += (c >= 0xf0) ? 2 : 1;
        s++;
    }
    return n;
}
