/*
 * A Borsh writer: the little-endian, length-prefixed encoding NEAR hashes
 * and signs.  Writes never fail one by one; a failed allocation or a bad
 * number marks the buffer, and mm_borsh_ok() is checked once at the end.
 */

#ifndef MM_BORSH_H
#define MM_BORSH_H

#include <stddef.h>
#include <stdint.h>

typedef struct mm_borsh {
    uint8_t *data;
    size_t len, cap;
    int failed;
} mm_borsh;

void mm_borsh_init(mm_borsh *b);
void mm_borsh_free(mm_borsh *b);
int mm_borsh_ok(const mm_borsh *b);

void mm_borsh_u8(mm_borsh *b, uint8_t v);
void mm_borsh_u32(mm_borsh *b, uint32_t v);
void mm_borsh_u64(mm_borsh *b, uint64_t v);
void mm_borsh_fixed(mm_borsh *b, const void *p, size_t n);    /* [u8; n] */
void mm_borsh_bytes(mm_borsh *b, const void *p, size_t n);    /* Vec<u8>, String */

/* Parses a decimal string (what NEAR's JSON uses for u64 and u128); 0 on
 * success, -1 for anything else or a value that does not fit. */
int mm_borsh_parse_u64(const char *s, uint64_t *out);
int mm_borsh_parse_u128(const char *s, unsigned __int128 *out);
void mm_borsh_u128(mm_borsh *b, unsigned __int128 v);

#endif /* MM_BORSH_H */
