/*
 * libFuzzer target: the Borsh writer and the decimal parsers NEAR's JSON
 * numbers go through (chain/mm_borsh.c).
 *
 *   make fuzz && build/tests/fuzz_borsh -max_total_time=600 <corpus> worker/tests/fuzz/seeds/borsh
 *
 * The input is a program: each byte picks a write (u8, u32, u64, u128,
 * [u8; n], Vec<u8>, or a u128 parsed from the decimal text that follows)
 * and its value comes from the next bytes.  Invariants: reading the buffer
 * back little-endian, length-prefixed, in the same order gives every value
 * written and nothing more (decode(encode(x)) == x); mm_borsh_parse_u128
 * accepts exactly the canonical decimals of 0..2^128-1 (no sign, no
 * leading zero, no space) and formatting the value gives the text again;
 * mm_borsh_parse_u64 the same up to 2^64-1; any u128 survives format and
 * parse.
 */

#include <stdio.h>

#include "fuzz.h"
#include "chain/mm_borsh.h"

typedef unsigned __int128 u128;

#define U128_MAX_TEXT "340282366920938463463374607431768211455"
#define U64_MAX_TEXT  "18446744073709551615"

static void fmt_u128(u128 v, char out[41]) {
    char tmp[41];
    size_t n = 0;

    do {
        tmp[n++] = (char) ('0' + (int) (v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* canonical decimal no larger than max (as text) */
static int canonical_upto(const char *s, const char *max) {
    size_t n = strlen(s), m = strlen(max);

    if (n == 0 || strspn(s, "0123456789") != n || (s[0] == '0' && n > 1))
        return 0;
    return n < m || (n == m && strcmp(s, max) <= 0);
}

static void check_parse(const char *s) {
    u128 v = 7;
    uint64_t w = 7;
    char back[41];
    int rc = mm_borsh_parse_u128(s, &v), rc64 = mm_borsh_parse_u64(s, &w);

    CHECK(rc == 0 || rc == -1);
    CHECK((rc == 0) == canonical_upto(s, U128_MAX_TEXT));
    CHECK((rc64 == 0) == canonical_upto(s, U64_MAX_TEXT));
    if (rc == 0) {
        fmt_u128(v, back);
        CHECK(strcmp(back, s) == 0);
    } else {
        CHECK(v == 7);
    }
    if (rc64 == 0)
        CHECK(rc == 0 && (u128) w == v && strtoull(s, NULL, 10) == w);
    else
        CHECK(w == 7);
}

typedef struct op { int kind; u128 v; const uint8_t *p; size_t n; } op;

static u128 get_le(const uint8_t *p, size_t n) {
    u128 v = 0;

    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const size_t width[4] = { 1, 4, 8, 16 };
    op ops[256];
    size_t nops = 0, i = 0, at = 0;
    mm_borsh b;

    /* the whole input as a decimal */
    {
        char *s = fuzz_cstr(data, size);
        check_parse(s);
        free(s);
    }

    mm_borsh_init(&b);
    while (i < size && nops < sizeof(ops) / sizeof(ops[0])) {
        op *o = &ops[nops];
        int k = data[i++] % 7;
        size_t n;

        o->kind = k;
        if (k < 4) {
            uint8_t raw[16] = { 0 };
            n = size - i < width[k] ? size - i : width[k];
            memcpy(raw, data + i, n);
            i += n;
            o->v = get_le(raw, width[k]);
            if (k == 0) mm_borsh_u8(&b, (uint8_t) o->v);
            if (k == 1) mm_borsh_u32(&b, (uint32_t) o->v);
            if (k == 2) mm_borsh_u64(&b, (uint64_t) o->v);
            if (k == 3) mm_borsh_u128(&b, o->v);
            nops++;
        } else if (k < 6) {
            n = i < size ? data[i++] % 65 : 0;
            if (n > size - i)
                n = size - i;
            o->p = data + i;
            o->n = n;
            i += n;
            if (k == 4)
                mm_borsh_fixed(&b, o->p, n);
            else
                mm_borsh_bytes(&b, o->p, n);
            nops++;
        } else {
            /* a decimal text, then its value as u128 if it parses */
            char *s;
            n = i < size ? data[i++] % 45 : 0;
            if (n > size - i)
                n = size - i;
            s = fuzz_cstr(data + i, n);
            i += n;
            check_parse(s);
            if (mm_borsh_parse_u128(s, &o->v) == 0) {
                o->kind = 3;
                mm_borsh_u128(&b, o->v);
                nops++;
            }
            free(s);
        }
    }
    CHECK(mm_borsh_ok(&b));

    /* read it back */
    for (size_t j = 0; j < nops; j++) {
        const op *o = &ops[j];
        if (o->kind < 4) {
            size_t w = width[o->kind];
            CHECK(at + w <= b.len && get_le(b.data + at, w) == o->v);
            at += w;
        } else {
            if (o->kind == 5) {
                CHECK(at + 4 <= b.len && get_le(b.data + at, 4) == o->n);
                at += 4;
            }
            CHECK(at + o->n <= b.len && (o->n == 0 || !memcmp(b.data + at, o->p, o->n)));
            at += o->n;
        }
    }
    CHECK(at == b.len && b.len <= b.cap);
    mm_borsh_free(&b);
    CHECK(b.data == NULL && b.len == 0);

    /* u128 values from the bytes: format, parse */
    for (size_t j = 0; j + 16 <= size && j < 64; j += 16) {
        u128 v = get_le(data + j, 16), back = 0;
        uint64_t w = 0;
        char s[41];
        fmt_u128(v, s);
        CHECK(mm_borsh_parse_u128(s, &back) == 0 && back == v);
        fmt_u128((uint64_t) v, s);
        CHECK(mm_borsh_parse_u64(s, &w) == 0 && w == (uint64_t) v);
    }
    return 0;
}
