#include <stdlib.h>
#include <string.h>

#include "chain/mm_borsh.h"

void mm_borsh_init(mm_borsh *b) {
    memset(b, 0, sizeof(*b));
}

void mm_borsh_free(mm_borsh *b) {
    free(b->data);
    mm_borsh_init(b);
}

int mm_borsh_ok(const mm_borsh *b) {
    return !b->failed;
}

static uint8_t *mm_borsh_reserve(mm_borsh *b, size_t n) {
    if (b->failed || n == 0)
        return NULL;                    /* nothing to write (data may be NULL yet) */
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        uint8_t *p;

        while (cap < b->len + n)
            cap *= 2;
        if ((p = realloc(b->data, cap)) == NULL) {
            b->failed = 1;
            return NULL;
        }
        b->data = p;
        b->cap = cap;
    }
    b->len += n;
    return b->data + b->len - n;
}

/* little-endian, whatever the host */
static void mm_borsh_put_le(mm_borsh *b, unsigned __int128 v, size_t n) {
    uint8_t *p = mm_borsh_reserve(b, n);

    for (size_t i = 0; p && i < n; i++, v >>= 8)
        p[i] = (uint8_t) v;
}

void mm_borsh_u8(mm_borsh *b, uint8_t v) { mm_borsh_put_le(b, v, 1); }
void mm_borsh_u32(mm_borsh *b, uint32_t v) { mm_borsh_put_le(b, v, 4); }
void mm_borsh_u64(mm_borsh *b, uint64_t v) { mm_borsh_put_le(b, v, 8); }
void mm_borsh_u128(mm_borsh *b, unsigned __int128 v) { mm_borsh_put_le(b, v, 16); }

void mm_borsh_fixed(mm_borsh *b, const void *p, size_t n) {
    uint8_t *d = mm_borsh_reserve(b, n);

    if (d && n)
        memcpy(d, p, n);
}

void mm_borsh_bytes(mm_borsh *b, const void *p, size_t n) {
    if (n > UINT32_MAX) {
        b->failed = 1;
        return;
    }
    mm_borsh_u32(b, (uint32_t) n);
    mm_borsh_fixed(b, p, n);
}

int mm_borsh_parse_u128(const char *s, unsigned __int128 *out) {
    const unsigned __int128 max = ~(unsigned __int128) 0;
    unsigned __int128 v = 0;

    if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0'))
        return -1;
    for (; *s; s++) {
        unsigned d = (unsigned) (*s - '0');
        if (d > 9 || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int mm_borsh_parse_u64(const char *s, uint64_t *out) {
    unsigned __int128 v;

    if (mm_borsh_parse_u128(s, &v) || v > UINT64_MAX)
        return -1;
    *out = (uint64_t) v;
    return 0;
}
