/*
 * libFuzzer target: an answer button's callback data (bot/mm_callback.c,
 * mm_callback_answer_parse), parsed from the raw input and round-tripped
 * through the formatter the bot writes buttons with (mm_callback_answer).
 *
 *   make fuzz && build/tests/fuzz_answer_data -max_total_time=600 <corpus> worker/tests/fuzz/seeds/answer_data
 *
 * Invariants: 0 or -1, the outputs untouched on -1; accepted data is
 * "a:" and four decimal fields whose values are exactly what they say
 * (no field clamped or wrapped: a session that overflows int64 is
 * refused), seq 1-100, shown 0-3; formatting the values and parsing them
 * again gives the same values; any values in range survive format and
 * parse, and the button fits Telegram's 64 bytes.
 */

#include <inttypes.h>
#include <stdio.h>

#include "fuzz.h"
#include "bot/mm_callback.h"

/* the decimal field at *p, without leading zeros, compared with v */
static int field_is(const char **p, unsigned long long v, char stop) {
    char want[24];
    const char *s = *p;
    size_t n;

    while (*s == '0' && s[1] >= '0' && s[1] <= '9')
        s++;
    snprintf(want, sizeof(want), "%llu", v);
    n = strlen(want);
    if (strncmp(s, want, n) || s[n] != stop)
        return 0;
    *p = s + n + (stop ? 1 : 0);
    return 1;
}

static void round_trip(int64_t s, int seq, uint32_t nonce, int shown) {
    char data[MM_CB_MAX];
    int64_t s2 = -7;
    int seq2 = -7, shown2 = -7;
    uint32_t nonce2 = 7;

    mm_callback_answer(data, (long long) s, seq, nonce, shown);
    CHECK(strlen(data) <= 64);
    CHECK(mm_callback_answer_parse(data, &s2, &seq2, &nonce2, &shown2) == 0);
    CHECK(s2 == s && seq2 == seq && nonce2 == nonce && shown2 == shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_cstr(data, size);
    int64_t s = -7;
    int seq = -7, shown = -7;
    uint32_t nonce = 7;
    int rc = mm_callback_answer_parse(text, &s, &seq, &nonce, &shown);

    CHECK(rc == 0 || rc == -1);
    if (rc) {
        CHECK(s == -7 && seq == -7 && nonce == 7 && shown == -7);
    } else {
        const char *p = text + 2;

        CHECK(!strncmp(text, "a:", 2));
        CHECK(s >= 0 && seq >= 1 && seq <= 100 && shown >= 0 && shown <= 3);
        CHECK(field_is(&p, (unsigned long long) s, ':'));
        CHECK(field_is(&p, (unsigned long long) seq, ':'));
        CHECK(field_is(&p, nonce, ':'));
        CHECK(field_is(&p, (unsigned long long) shown, '\0'));
        round_trip(s, seq, nonce, shown);
    }
    free(text);

    /* values from the input's bytes, in range, through the format */
    if (size >= 17) {
        int64_t vs;
        uint32_t vn;

        memcpy(&vs, data, 8);
        memcpy(&vn, data + 8, 4);
        round_trip(vs & INT64_MAX, 1 + data[12] % 100, vn, data[13] % 4);
    }
    return 0;
}
