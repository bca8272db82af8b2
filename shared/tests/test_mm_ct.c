/*
 * mm_ct_equal: a table of secrets and given values, every single-bit
 * difference of a 64-byte secret, every shorter and longer given, and
 * exact-size heap buffers so that AddressSanitizer catches a read past
 * either input.  TAP on stdout.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm_ct.h"

#include "tap.h"

#define B(lit) lit, sizeof(lit) - 1

static const struct {
    const char *secret;
    size_t secret_len;
    const char *given;
    size_t given_len;
    int equal;
    const char *what;
} cases[] = {
    { B("s3cret"), B("s3cret"), 1, "equal" },
    { B("s3cret"), B("S3cret"), 0, "first byte differs" },
    { B("s3cret"), B("s3creT"), 0, "last byte differs" },
    { B("s3cret"), B("s3cre"), 0, "given is a prefix" },
    { B("s3cret"), B("s3cret0"), 0, "given is longer" },
    { B("s3cret"), B("s3cret\0"), 0, "given has a trailing NUL" },
    { B("s3c\0et"), B("s3c\0et"), 1, "equal with a NUL inside" },
    { B("s3c\0et"), B("s3c\0eT"), 0, "differs after a NUL" },
    { B("s3cret"), B(""), 0, "given is empty" },
    { B(""), B(""), 1, "both empty" },
    { B(""), B("x"), 0, "secret is empty" },
    { B("\x80"), B("\x00"), 0, "high bit only" },
    { B("\xff\xff"), B("\xff\xff"), 1, "0xff bytes" },
    { B("\x01"), B("\x01\x01"), 0, "the secret twice" },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

int main(void) {
    unsigned char secret[64], given[64], *hs, *hg;
    size_t i, bit, wrong;

    printf("1..%d\n", (int) NCASES + 8);

    for (i = 0; i < NCASES; i++)
        tap_ok(mm_ct_equal(cases[i].secret, cases[i].secret_len,
                           cases[i].given, cases[i].given_len)
               == cases[i].equal, "%s", cases[i].what);

    tap_ok(mm_ct_equal("s", 1, NULL, 0) == 0, "NULL given of length 0");
    tap_ok(mm_ct_equal(NULL, 0, NULL, 0) == 1, "NULL secret and given, both 0");

    for (i = 0; i < sizeof(secret); i++)
        secret[i] = (unsigned char) (i * 37 + 11);
    memcpy(given, secret, sizeof(given));
    tap_ok(mm_ct_equal(secret, 64, given, 64) == 1, "64 bytes equal");

    /* every position, every bit: one difference is enough */
    wrong = 0;
    for (i = 0; i < sizeof(given); i++) {
        for (bit = 0; bit < 8; bit++) {
            given[i] ^= (unsigned char) (1u << bit);
            wrong += mm_ct_equal(secret, 64, given, 64) != 0;
            given[i] ^= (unsigned char) (1u << bit);
        }
    }
    tap_ok(wrong == 0, "each of 512 single-bit differences is caught");

    /* a prefix of the secret, or the secret with more after it */
    wrong = 0;
    for (i = 0; i < 64; i++)
        wrong += mm_ct_equal(secret, 64, given, i) != 0;
    for (i = 0; i < 64; i++)
        wrong += mm_ct_equal(secret, i, given, 64) != 0;
    tap_ok(wrong == 0, "each shorter or longer given is refused");

    /* exact-size heap copies: a read past either end is an ASan report */
    hs = malloc(32);
    hg = malloc(1000);
    if (hs == NULL || hg == NULL)
        return 2;
    memcpy(hs, secret, 32);
    memset(hg, 0, 1000);
    memcpy(hg, secret, 32);
    tap_ok(mm_ct_equal(hs, 32, hg, 1000) == 0,
           "longer given: not read past the secret's length");
    tap_ok(mm_ct_equal(hg, 1000, hs, 32) == 0,
           "shorter given: not read past its end");
    tap_ok(mm_ct_equal(hs, 32, hg, 32) == 1, "heap copies equal");
    free(hs);
    free(hg);

    return tap_failed != 0;
}
