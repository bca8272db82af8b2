/*
 * libFuzzer target for mm_update_check.
 *
 *   clang -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined -Ishared \
 *       shared/mm_json.c shared/tests/fuzz_mm_json.c -o build/tests/fuzz_mm_json
 *   build/tests/fuzz_mm_json -max_total_time=60 /tmp/mm-fuzz-corpus
 *
 * Add -DMM_FUZZ_JANSSON and -ljansson to also hold every verdict against
 * jansson's, with the differences test_mm_json.c documents.
 *
 * Invariants: the rc is in range; the id is written on OK only and is then
 * >= 0; EMPTY exactly for whitespace-only input; the same verdict with
 * whitespace around the body; a valid body keeps its validity inside an
 * array or as a member's value; a valid object or array cut before its
 * closer is broken; valid JSON holds no raw control byte but whitespace.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef MM_FUZZ_JANSSON
#include <jansson.h>
#endif

#include "mm_json.h"

#define SENTINEL ((int64_t) -12345)

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static int is_ws(unsigned char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static int valid(mm_update_rc_t rc) {
    return rc != MM_UPDATE_EMPTY && rc != MM_UPDATE_BAD_JSON
           && rc != MM_UPDATE_TOO_DEEP;
}

/* pre + data + post in a fresh buffer, checked */
static mm_update_rc_t wrapped(const char *pre, const uint8_t *data,
                              size_t size, const char *post, int64_t *id) {
    size_t a = strlen(pre), b = strlen(post);
    unsigned char *buf = malloc(a + size + b);
    mm_update_rc_t rc;

    CHECK(buf != NULL);
    memcpy(buf, pre, a);
    if (size) memcpy(buf + a, data, size);
    memcpy(buf + a + size, post, b);
    rc = mm_update_check(buf, a + size + b, id);
    free(buf);
    return rc;
}

#ifdef MM_FUZZ_JANSSON
/* jansson's NUL quirk: it skips a NUL right after a number or literal */
static int nul_after_token(const uint8_t *data, size_t size) {
    unsigned char *c = malloc(size + 1);
    size_t i, n = 0;
    mm_update_rc_t rc;

    CHECK(c != NULL);
    for (i = 0; i < size; i++)
        if (!(data[i] == 0 && i > 0
              && ((data[i - 1] >= '0' && data[i - 1] <= '9')
                  || (data[i - 1] >= 'a' && data[i - 1] <= 'z'))))
            c[n++] = data[i];
    rc = mm_update_check(c, n, NULL);
    free(c);
    return n < size && valid(rc);
}

static void against_jansson(const uint8_t *data, size_t size,
                            mm_update_rc_t rc, int64_t id) {
    json_error_t err;
    json_t *j = json_loadb((const char *) data, size,
                           JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);

    if (rc == MM_UPDATE_TOO_DEEP) {
        /* jansson allows 2048 levels */
    } else if (!valid(rc)) {
        CHECK(j == NULL || nul_after_token(data, size));
    } else if (j == NULL) {
        CHECK(strstr(err.text, "too big") || strstr(err.text, "overflow")
              || strstr(err.text, "NUL byte in object key"));
    } else {
        json_t *v = json_is_object(j) ? json_object_get(j, "update_id") : NULL;
        CHECK((rc == MM_UPDATE_NOT_OBJECT) == !json_is_object(j));
        if (rc == MM_UPDATE_NO_ID)
            CHECK(v == NULL);
        if (rc == MM_UPDATE_OK)
            CHECK(json_is_integer(v) && json_integer_value(v) == id);
        if (rc == MM_UPDATE_BAD_ID)
            CHECK(v != NULL && (!json_is_integer(v)
                                || json_integer_value(v) <= 0));
        if (rc == MM_UPDATE_DUP_ID)
            CHECK(v != NULL);
        if (json_is_object(j)) {
            const char *k;
            json_t *w;
            int reserved = 0;

            json_object_foreach(j, k, w)
                reserved |= mm_update_key_reserved(k, strlen(k));
            CHECK(reserved == (rc == MM_UPDATE_RESERVED));
        }
    }
    json_decref(j);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t id = SENTINEL, id2 = SENTINEL;
    mm_update_rc_t rc, rc2;
    size_t i, first = 0, last = size;

    rc = mm_update_check(data, size, &id);
    CHECK((unsigned) rc <= MM_UPDATE_RESERVED);
    CHECK(rc == MM_UPDATE_OK ? id >= 0 : id == SENTINEL);
    CHECK(mm_update_strerror(rc)[0] != '\0');

    /* deterministic */
    rc2 = mm_update_check(data, size, &id2);
    CHECK(rc2 == rc && id2 == id);

    /* EMPTY exactly for whitespace only */
    while (first < size && is_ws(data[first])) first++;
    while (last > first && is_ws(data[last - 1])) last--;
    CHECK((rc == MM_UPDATE_EMPTY) == (first == size));
    if (rc == MM_UPDATE_OK)
        CHECK(data[first] == '{');

    /* whitespace around changes nothing */
    id2 = SENTINEL;
    CHECK(wrapped(" \n\t\r", data, size, "\r\t\n ", &id2) == rc && id2 == id);

    if (valid(rc)) {
        /* validity does not depend on the context */
        rc2 = wrapped("[", data, size, "]", NULL);
        CHECK(rc2 == MM_UPDATE_NOT_OBJECT || rc2 == MM_UPDATE_TOO_DEEP);
        id2 = SENTINEL;
        rc2 = wrapped("{\"update_id\":0,\"k\":", data, size, "}", &id2);
        CHECK((rc2 == MM_UPDATE_OK && id2 == 0) || rc2 == MM_UPDATE_TOO_DEEP);

        /* a container cut before its closer is broken */
        if (data[first] == '{' || data[first] == '[')
            CHECK(mm_update_check(data, last - 1, NULL)
                  == MM_UPDATE_BAD_JSON);
    }

    /* valid JSON holds no raw control byte but whitespace */
    if (valid(rc))
        for (i = 0; i < size; i++)
            CHECK(data[i] >= 0x20 || is_ws(data[i]));

#ifdef MM_FUZZ_JANSSON
    against_jansson(data, size, rc, id);
#endif
    return 0;
}
