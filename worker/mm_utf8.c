#include <string.h>

#include "mm_utf8.h"

size_t mm_utf8_len(const char *s) {
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char) *s & 0xc0) != 0x80;
    return n;
}

size_t mm_utf8_cut(const char *s, size_t len, size_t max) {
    if (len <= max)
        return len;
    /* back up over continuation bytes to the lead byte of the cut character */
    while (max > 0 && ((unsigned char) s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

size_t mm_utf8_copy(char *out, size_t outlen, const char *s) {
    size_t n;

    if (outlen == 0)
        return 0;
    n = mm_utf8_cut(s, strlen(s), outlen - 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return n;
}
