/*
 * libFuzzer target: amounts players type (chain/mm_chain_config.c,
 * mm_amount_parse into base units, mm_amount_format back), held against a
 * reference written here.
 *
 *   make fuzz && build/tests/fuzz_amount -max_total_time=600 <corpus> worker/tests/fuzz/seeds/amount
 *
 * Input: "<decimals>\n<text>" (decimals taken mod 41, minus 1: -1..39).
 * Invariants: accepted exactly when the text is digits with at most one
 * point and digits after it, at most decimals of them, the value more
 * than 0 and at most u128::MAX base units (what a transfer can carry);
 * then the units are the exact value (digits, no leading zero, at most 39,
 * parsed by mm_borsh_parse_u128), the text shown for them is the typed
 * amount without needless zeros, and parsing that again gives the same
 * units.  Formatting any digits of up to 60 does not overrun its 64 bytes.
 */

#include <stdio.h>

#include "fuzz.h"
#include "chain/mm_borsh.h"
#include "chain/mm_chain_config.h"

#define U128_MAX_TEXT "340282366920938463463374607431768211455"

/* the expected units, or NULL when the text must be refused */
static int reference(const char *text, int decimals, char *units, size_t cap, char *shown) {
    const char *dot = strchr(text, '.');
    size_t whole = dot ? (size_t) (dot - text) : strlen(text);
    size_t frac = dot ? strlen(dot + 1) : 0, n = 0, i;
    const char *w = text;

    if (strspn(text, "0123456789") != whole || (dot && strspn(dot + 1, "0123456789") != frac))
        return -1;
    if ((dot && frac == 0) || (whole == 0 && !dot) || decimals < 0 || (int) frac > decimals)
        return -1;
    /* units: whole digits and the fraction padded to decimals, no leading zero */
    for (i = 0; i < whole + (size_t) decimals; i++) {
        char d = i < whole ? text[i] : i - whole < frac ? dot[1 + i - whole] : '0';
        if (n == 0 && d == '0')
            continue;
        if (n + 1 >= cap)
            return -1;
        units[n++] = d;
    }
    units[n] = '\0';
    if (n == 0 || n > 39 || (n == 39 && strcmp(units, U128_MAX_TEXT) > 0))
        return -1;
    /* shown: the whole part without leading zeros (at least "0"), the
     * fraction without trailing zeros */
    while (whole > 1 && *w == '0')
        w++, whole--;
    n = 0;
    if (whole == 0)
        shown[n++] = '0';
    memcpy(shown + n, w, whole);
    n += whole;
    while (frac && dot[frac] == '0')
        frac--;
    if (frac) {
        shown[n++] = '.';
        memcpy(shown + n, dot + 1, frac);
        n += frac;
    }
    shown[n] = '\0';
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    long long h[1];
    char *text, *out = malloc(48), *why = malloc(160), *shown = malloc(64), *again = malloc(48);
    char want[64], want_shown[4200];
    int decimals, rc, ref;

    CHECK(out && why && shown && again);
    fuzz_header(&data, &size, h, 1);
    decimals = (int) (((h[0] % 41) + 41) % 41) - 1;
    text = fuzz_cstr(data, size);

    why[0] = '\0';
    rc = mm_amount_parse(text, decimals, out, why, 160);
    ref = size < sizeof(want_shown) - 2
          ? reference(text, decimals, want, sizeof(want), want_shown) : -1;
    CHECK(rc == 0 || rc == -1);
    if (size < sizeof(want_shown) - 2)
        CHECK(rc == ref);
    if (rc) {
        CHECK(why[0] != '\0' && fuzz_terminated(why, 160));
    } else {
        unsigned __int128 v;
        size_t n = strlen(out);

        CHECK(n >= 1 && n <= 39 && out[0] != '0' && strspn(out, "0123456789") == n);
        CHECK(n < 39 || strcmp(out, U128_MAX_TEXT) <= 0);
        CHECK(mm_borsh_parse_u128(out, &v) == 0 && v > 0);
        CHECK(strcmp(out, want) == 0);
        mm_amount_format(out, decimals, shown);
        CHECK(fuzz_terminated(shown, 64) && strcmp(shown, want_shown) == 0);
        CHECK(mm_amount_parse(shown, decimals, again, why, 160) == 0 && !strcmp(again, out));
    }

    /* formatting digits, whatever they are */
    if (decimals >= 0 && size >= 1 && size <= 60 && strspn(text, "0123456789") == size) {
        mm_amount_format(text, decimals, shown);
        CHECK(fuzz_terminated(shown, 64));
    }
    free(text);
    free(out);
    free(why);
    free(shown);
    free(again);
    return 0;
}
