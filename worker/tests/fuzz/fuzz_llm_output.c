/*
 * libFuzzer target: what a language model answered (engine/mm_llm_output.c):
 * the provider envelopes (Gemini generateContent, OpenAI chat completions),
 * the JSON span of the model's text and the quiz JSON checker.
 *
 *   make fuzz && build/tests/fuzz_llm_output -max_total_time=600 <corpus> worker/tests/fuzz/seeds/llm_output
 *
 * Input: "<mode> <http status> <Retry-After s> <sdi>\n<body>"; mode 0 a
 * Gemini answer, 1 an OpenAI one (and then, when OK, the model's text
 * through the checker), 2 the body is the model's text.
 * Invariants: a verdict of the four; OK exactly with text, which is not
 * empty, and only for HTTP 200; a reason otherwise, always terminated; a
 * wait in 0..24 h.  The span is inside the text, from '{' to '}', with
 * nothing around it but white space or one fence.  The checker keeps at
 * most max questions, each of which passes mm_question_check, has none of
 * the listed words, is no repeat of another kept one, has the topic given
 * and the SDI claimed or the default; every other item considered is
 * reported once, in order, with a reason; -1 only when there is no
 * "questions" array (a reason given, nothing reported).
 */

#include <ctype.h>
#include <limits.h>
#include <stdio.h>

#include <jansson.h>

#include "fuzz.h"
#include "engine/mm_llm_output.h"
#include "engine/mm_words.h"

#define MAX_Q 5
static const char words[] = "forbidden\nbad word\nзапрет\n";

typedef struct rejects { int n, last; } rejects;

static void on_reject(void *arg, int index, const char *why) {
    rejects *r = arg;

    CHECK(index > r->last && why != NULL && why[0] != '\0');
    r->last = index;
    r->n++;
}

static void check_span(const char *text) {
    const char *start = (const char *) 1;
    size_t jlen = 7, len = strlen(text);

    if (mm_llm_json_span(text, &start, &jlen)) {
        CHECK(start == (const char *) 1 && jlen == 7);
        return;
    }
    CHECK(start >= text && jlen >= 1 && start + jlen <= text + len);
    CHECK(start[0] == '{' && start[jlen - 1] == '}');
    /* before: white space, or white space, ``` and a word, a line feed */
    for (const char *p = text; p < start; p++)
        CHECK(isspace((unsigned char) *p) || isalpha((unsigned char) *p) || *p == '`');
    for (const char *p = start + jlen; *p; p++)
        CHECK(isspace((unsigned char) *p) || *p == '`');
}

static void check_questions(const char *text, int sdi_default) {
    static mm_question out[MAX_Q];
    char why[256] = "", w[256];
    rejects r = { 0, -1 };
    const char *start;
    size_t jlen, items = 0;
    json_t *root = NULL;
    int kept;

    kept = mm_llm_questions(text, "science", sdi_default, words, out, MAX_Q, on_reject, &r,
                            why, sizeof(why));
    if (mm_llm_json_span(text, &start, &jlen) == 0)
        root = json_loadb(start, jlen, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_array(json_object_get(root, "questions"))) {
        CHECK(kept == -1 && why[0] != '\0' && r.n == 0);
        json_decref(root);
        return;
    }
    items = json_array_size(json_object_get(root, "questions"));
    json_decref(root);
    CHECK(kept >= 0 && kept <= MAX_Q);
    CHECK((size_t) (kept + r.n) <= items);
    if (kept < MAX_Q)
        CHECK((size_t) (kept + r.n) == items);
    for (int i = 0; i < kept; i++) {
        char hit[128];
        CHECK(mm_question_check(&out[i], w, sizeof(w)) == 0);
        CHECK(!strcmp(out[i].topic, "science"));
        CHECK(!mm_words_find(words, out[i].text, hit, sizeof(hit)));
        for (int o = 0; o < 4; o++)
            CHECK(!mm_words_find(words, out[i].options[o], hit, sizeof(hit)));
        CHECK(!mm_words_find(words, out[i].explanation, hit, sizeof(hit)));
        for (int j = 0; j < i; j++) {
            mm_buf a, b;
            mm_buf_init(&a);
            mm_buf_init(&b);
            mm_question_normalise(out[i].text, &a);
            mm_question_normalise(out[j].text, &b);
            CHECK(!(a.data && b.data && !strcmp(a.data, b.data)));
            mm_buf_free(&a);
            mm_buf_free(&b);
        }
    }
}

static void check_answer(const mm_llm_answer *a, long status) {
    CHECK(a->verdict >= MM_LLM_OK && a->verdict <= MM_LLM_BAD_OUTPUT);
    CHECK((a->verdict == MM_LLM_OK) == (a->text != NULL));
    CHECK(fuzz_terminated(a->why, sizeof(a->why)));
    CHECK(a->retry_after_ms >= 0 && a->retry_after_ms <= 86400 * 1000);
    if (a->verdict == MM_LLM_OK)
        CHECK(status == 200 && a->text[0] != '\0');
    else
        CHECK(a->why[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    long long h[4];
    int mode, retry_after, sdi;
    long status;
    mm_llm_answer a;
    char *body;

    fuzz_header(&data, &size, h, 4);
    mode = (int) (h[0] % 3 + 3) % 3;
    status = (long) (h[1] % 1000);
    retry_after = (int) (h[2] % ((long long) INT_MAX + 1));
    sdi = (int) (h[3] % 12);
    body = fuzz_copy(data, size);

    if (mode == 0 || mode == 1) {
        if (mode == 0)
            mm_llm_gemini_answer(status, body, size, &a);
        else
            mm_llm_openai_answer(status, body, size, retry_after, &a);
        check_answer(&a, status);
        if (mode == 1 && a.verdict != MM_LLM_OK && status != 200 && retry_after > 0
            && retry_after <= 86400)
            CHECK(a.retry_after_ms == retry_after * 1000);
        if (a.text) {
            check_span(a.text);
            check_questions(a.text, sdi);
        }
        mm_llm_answer_free(&a);
        CHECK(a.text == NULL);
    } else {
        char *text = fuzz_cstr(data, size);
        check_span(text);
        check_questions(text, sdi);
        free(text);
    }
    free(body);
    return 0;
}
