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

/* The length of the valid character at s (1-4), or 0 when s does not
 * start one; a NUL ends the text. */
static size_t mm_utf8_char(const unsigned char *s) {
    unsigned cp;
    size_t n;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;               /* also the NUL of a cut character */
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
        || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;                   /* overlong, out of range, or a surrogate */
    return n;
}

int mm_utf8_valid(const char *s) {
    const unsigned char *p = (const unsigned char *) s;
    size_t n;

    for (; *p; p += n)
        if ((n = mm_utf8_char(p)) == 0)
            return 0;
    return 1;
}

size_t mm_utf8_fix(char *s) {
    unsigned char *p = (unsigned char *) s;
    size_t fixed = 0, n;

    while (*p) {
        if ((n = mm_utf8_char(p)) > 0) {
            p += n;
            continue;
        }
        /* a lead byte whose continuation the end cut off: drop the rest */
        n = strlen((char *) p);
        if (n < 4 && p[0] >= 0xc2 && p[0] <= 0xf4) {
            int partial = 1;
            for (size_t i = 1; i < n; i++)
                partial &= (p[i] & 0xc0) == 0x80;
            if (partial) {
                *p = '\0';
                return fixed + n;
            }
        }
        *p++ = '?';
        fixed++;
    }
    return fixed;
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
