/*
 * libFuzzer target: base58 (chain/mm_base58.c), held against a plain
 * reference decoder written here.
 *
 *   make fuzz && build/tests/fuzz_base58 -max_total_time=600 <corpus> worker/tests/fuzz/seeds/base58
 *
 * Invariants: decode(encode(x)) == x for every x of at most 128 bytes, the
 * encoding is as long as returned, NUL-terminated, inside MM_BASE58_SIZE
 * and of the alphabet only; any text decodes exactly when the reference
 * says so, to the reference's bytes, and to no other length; an accepted
 * text encodes back to itself (base58 is one-to-one).
 */

#include "fuzz.h"
#include "chain/mm_base58.h"

static const char alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* the reference: big number in little-endian 32-bit limbs; -1 when a
 * character is outside the alphabet; else the decoded length (capped at
 * cap + 1 so the caller can tell "too long") */
static long ref_decode(const char *t, size_t len, uint8_t *out, size_t cap) {
    uint32_t limbs[256] = { 0 };
    size_t nl = 0, zeros = 0, nbytes, i;

    while (zeros < len && t[zeros] == '1')
        zeros++;
    for (i = zeros; i < len; i++) {
        const char *p = t[i] ? strchr(alphabet, t[i]) : NULL;
        uint64_t carry;

        if (p == NULL)
            return -1;
        carry = (uint64_t) (p - alphabet);
        for (size_t j = 0; j < nl; j++) {
            uint64_t x = (uint64_t) limbs[j] * 58 + carry;
            limbs[j] = (uint32_t) x;
            carry = x >> 32;
        }
        if (carry) {
            if (nl == 256)
                return (long) cap + 1;
            limbs[nl++] = (uint32_t) carry;
        }
    }
    nbytes = nl * 4;
    while (nbytes && ((limbs[(nbytes - 1) / 4] >> (8 * ((nbytes - 1) % 4))) & 0xff) == 0)
        nbytes--;
    if (zeros + nbytes > cap)
        return (long) cap + 1;
    memset(out, 0, zeros);
    for (i = 0; i < nbytes; i++)
        out[zeros + i] = (uint8_t) (limbs[(nbytes - 1 - i) / 4] >> (8 * ((nbytes - 1 - i) % 4)));
    return (long) (zeros + nbytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t ref[128], got[130];
    char *text = fuzz_copy(data, size);
    long n;

    /* encode, then decode */
    if (size <= 128) {
        char *enc = malloc(MM_BASE58_SIZE(size));
        size_t len;

        CHECK(enc != NULL);
        len = mm_base58_encode(data, size, enc);
        CHECK(len + 1 <= MM_BASE58_SIZE(size) && strlen(enc) == len);
        CHECK(strspn(enc, alphabet) == len);
        CHECK(mm_base58_decode(enc, len, got, size) == 0);
        CHECK(size == 0 || memcmp(got, data, size) == 0);
        if (size < 128)
            CHECK(mm_base58_decode(enc, len, got, size + 1) == -1);
        if (size > 0)
            CHECK(mm_base58_decode(enc, len, got, size - 1) == -1);
        free(enc);
    }

    /* any text, against the reference */
    n = ref_decode(text, size, ref, sizeof(ref));
    if (n < 0 || n > 128) {
        CHECK(mm_base58_decode(text, size, got, 32) == -1);
        CHECK(mm_base58_decode(text, size, got, 64) == -1);
        CHECK(mm_base58_decode(text, size, got, 128) == -1);
    } else {
        char enc[MM_BASE58_SIZE(128)];

        memset(got, 0xa5, sizeof(got));
        CHECK(mm_base58_decode(text, size, got, (size_t) n) == 0);
        CHECK(n == 0 || memcmp(got, ref, (size_t) n) == 0);
        CHECK(got[n] == 0xa5);          /* nothing written past want */
        CHECK(mm_base58_decode(text, size, got, (size_t) n + 1) == -1);
        if (n > 0)
            CHECK(mm_base58_decode(text, size, got, (size_t) n - 1) == -1);
        /* one-to-one: the bytes encode back to the same text */
        CHECK(mm_base58_encode(ref, (size_t) n, enc) == size);
        CHECK(memcmp(enc, text, size) == 0);
    }
    free(text);
    return 0;
}
