/*
 * libFuzzer target: the Bot API answer classifier (telegram/mm_tg.c,
 * mm_tg_parse, the pure part of mm_tg_call, and mm_tg_retryable).
 *
 *   make fuzz && build/tests/fuzz_tg -max_total_time=600 <corpus> worker/tests/fuzz/seeds/tg
 *
 * Input: "<http status>\n<body>".  Invariants: 0 exactly when ok is set,
 * which needs HTTP 200 and a JSON object whose "ok" is true, and then
 * result is its "result" member; otherwise a description, always
 * terminated: ours when the body is no Bot API answer (root NULL then),
 * else Telegram's (cut to fit, empty if Telegram's is empty) or "no
 * description"; error_code Telegram's integer or the HTTP status;
 * retry_after only from an integer parameters.retry_after; 429 and 5xx
 * retryable, ok never; the same answer twice the same.
 */

#include "fuzz.h"
#include "telegram/mm_tg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    long long h[1];
    char *body;
    mm_tg_result r, r2;
    json_t *doc, *ok, *ec, *ra;
    long status;
    int rc;

    fuzz_header(&data, &size, h, 1);
    status = (long) (h[0] % 1000);
    body = fuzz_copy(data, size);

    rc = mm_tg_parse(status, body, size, &r);
    CHECK(rc == (r.ok ? 0 : -1) && r.http_status == status);
    CHECK(fuzz_terminated(r.description, sizeof(r.description)));

    doc = json_loadb(body, size, 0, NULL);
    ok = json_object_get(doc, "ok");
    if (!json_is_boolean(ok)) {
        CHECK(rc == -1 && r.root == NULL && r.result == NULL && r.error_code == (int) status);
        CHECK(r.description[0] != '\0' && r.retry_after == 0);
    } else if (json_is_true(ok) && status == 200) {
        CHECK(rc == 0 && json_equal(r.root, doc) && r.description[0] == '\0');
        CHECK(r.result == json_object_get(r.root, "result"));
        CHECK(!mm_tg_retryable(&r));
    } else {
        const char *desc = json_string_value(json_object_get(doc, "description"));
        CHECK(rc == -1 && json_equal(r.root, doc) && r.result == NULL);
        CHECK(!strncmp(r.description, desc ? desc : "no description", sizeof(r.description) - 1));
        ec = json_object_get(doc, "error_code");
        CHECK(r.error_code == (json_is_integer(ec) ? (int) json_integer_value(ec) : (int) status));
        ra = json_object_get(json_object_get(doc, "parameters"), "retry_after");
        CHECK(r.retry_after == (json_is_integer(ra) ? (int) json_integer_value(ra) : 0));
    }
    if (!r.ok && (status >= 500 || r.error_code == 429 || status == 0))
        CHECK(mm_tg_retryable(&r));

    /* deterministic */
    CHECK(mm_tg_parse(status, body, size, &r2) == rc && r2.ok == r.ok
          && r2.error_code == r.error_code && r2.retry_after == r.retry_after
          && !strcmp(r2.description, r.description));
    mm_tg_result_free(&r2);
    mm_tg_result_free(&r);
    CHECK(r.root == NULL);
    json_decref(doc);
    free(body);
    return 0;
}
