/*
 * The quiz engine's output checks, with cmocka: provider envelopes
 * (Gemini, OpenAI and compatible servers; success, thinking parts, blocks,
 * refusals, truncation, rate limits against spent quotas) and the quiz
 * JSON inside them, item by item.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/mm_llm_output.h"
#include "engine/mm_words.h"

static void gemini(long status, const char *body, mm_llm_answer *a) {
    mm_llm_gemini_answer(status, body, strlen(body), a);
}

static void openai(long status, const char *body, int retry_after, mm_llm_answer *a) {
    mm_llm_openai_answer(status, body, strlen(body), retry_after, a);
}

static void test_gemini(void **state) {
    mm_llm_answer a;
    (void) state;
    gemini(200, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":["
                "{\"text\":\"let me think\",\"thought\":true},{\"text\":\"{\\\"questions\\\":\"},"
                "{\"text\":\"[]}\"}]},\"finishReason\":\"STOP\",\"index\":0}],"
                "\"usageMetadata\":{\"totalTokenCount\":9},\"modelVersion\":\"gemini-2.5-flash\"}", &a);
    assert_int_equal(a.verdict, MM_LLM_OK);
    assert_string_equal(a.text, "{\"questions\":[]}");          /* thoughts left out */
    mm_llm_answer_free(&a);

    gemini(429, "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\","
                "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":"
                "\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
                "\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\"}]},{\"@type\":"
                "\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"34s\"}]}}", &a);
    assert_int_equal(a.verdict, MM_LLM_RETRY);
    assert_int_equal(a.retry_after_ms, 34000);
    assert_non_null(strstr(a.why, "RESOURCE_EXHAUSTED"));

    gemini(429, "{\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\","
                "\"details\":[{\"violations\":[{\"quotaId\":"
                "\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]}]}}", &a);
    assert_int_equal(a.verdict, MM_LLM_FAILOVER);               /* a daily quota */

    gemini(400, "{\"error\":{\"code\":400,\"message\":\"API key not valid.\",\"status\":"
                "\"INVALID_ARGUMENT\",\"details\":[{\"reason\":\"API_KEY_INVALID\"}]}}", &a);
    assert_int_equal(a.verdict, MM_LLM_FAILOVER);
    gemini(503, "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\","
                "\"status\":\"UNAVAILABLE\"}}", &a);
    assert_int_equal(a.verdict, MM_LLM_RETRY);
    gemini(502, "<html>Bad Gateway</html>", &a);
    assert_int_equal(a.verdict, MM_LLM_RETRY);
    gemini(200, "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}", &a);
    assert_int_equal(a.verdict, MM_LLM_FAILOVER);
    assert_non_null(strstr(a.why, "SAFETY"));
    gemini(200, "{\"candidates\":[{\"content\":{\"parts\":[]},\"finishReason\":\"MAX_TOKENS\"}]}", &a);
    assert_int_equal(a.verdict, MM_LLM_BAD_OUTPUT);
    gemini(200, "{\"candidates\":[{\"finishReason\":\"SAFETY\"}]}", &a);
    assert_int_equal(a.verdict, MM_LLM_FAILOVER);
    gemini(200, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}]},"
                "\"finishReason\":\"STOP\"}]}", &a);
    assert_int_equal(a.verdict, MM_LLM_BAD_OUTPUT);
    gemini(200, "not json", &a);
    assert_int_equal(a.verdict, MM_LLM_BAD_OUTPUT);
}

static void test_openai(void **state) {
    mm_llm_answer a;
    (void) state;
    openai(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                "\"message\":{\"role\":\"assistant\",\"content\":\"{}\",\"refusal\":null},"
                "\"finish_reason\":\"stop\"}],\"usage\":{\"total_tokens\":5}}", -1, &a);
    assert_int_equal(a.verdict, MM_LLM_OK);
    assert_string_equal(a.text, "{}");
    mm_llm_answer_free(&a);
    openai(200, "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"I can't help with "
                "that.\"},\"finish_reason\":\"stop\"}]}", -1, &a);
    assert_int_equal(a.verdict, MM_LLM_FAILOVER);
    assert_non_null(strstr(a.why, "refused"));
    openai(200, "{\"choices\":[{\"message\":{\"content\":\"{\\\"questions\\\":[\"},"
                "\"finish_reason\":\"length\"}]}", -1, &a);
    assert_int_equal(a.verdict, MM_LLM_BAD_OUTPUT);
    openai(200, "{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":"
                "\"content_filter\"}]}", -1, &a);
    assert_int_equal(a.verdict, MM_LLM_FAILOVER);
    openai(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                "\"param\":null,\"code\":\"rate_limit_exceeded\"}}", 7, &a);
    assert_int_equal(a.verdict, MM_LLM_RETRY);
    assert_int_equal(a.retry_after_ms, 7000);
    openai(429, "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":"
                "\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}", -1, &a);
    assert_int_equal(a.verdict, MM_LLM_FAILOVER);
    openai(401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":"
                "\"invalid_request_error\",\"code\":\"invalid_api_key\"}}", -1, &a);
    assert_int_equal(a.verdict, MM_LLM_FAILOVER);
    openai(500, "{\"error\":{\"message\":\"server error\",\"type\":\"server_error\"}}", -1, &a);
    assert_int_equal(a.verdict, MM_LLM_RETRY);
    openai(200, "{\"object\":\"chat.completion\"}", -1, &a);
    assert_int_equal(a.verdict, MM_LLM_BAD_OUTPUT);
}

static void test_json_span(void **state) {
    const char *s;
    size_t n;
    (void) state;
    assert_int_equal(mm_llm_json_span("  {\"a\":1}\n", &s, &n), 0);
    assert_int_equal(n, 7);
    assert_int_equal(mm_llm_json_span("```json\n{\"a\":1}\n```", &s, &n), 0);
    assert_memory_equal(s, "{\"a\":1}", 7);
    assert_int_equal(mm_llm_json_span("```\n{\"a\":1}```\n", &s, &n), 0);
    assert_int_equal(mm_llm_json_span("Here you go: {\"a\":1}", &s, &n), -1);   /* prose */
    assert_int_equal(mm_llm_json_span("{\"a\":1} Hope this helps!", &s, &n), -1);
    assert_int_equal(mm_llm_json_span("```json\n{\"a\":1}\n``` and more", &s, &n), -1);
    assert_int_equal(mm_llm_json_span("```js on!\n{}\n```", &s, &n), -1);
    assert_int_equal(mm_llm_json_span("", &s, &n), -1);
    assert_int_equal(mm_llm_json_span("[1,2]", &s, &n), -1);
}

typedef struct rejects {
    int n;
    int index[16];
    char why[16][200];
} rejects;

static void on_reject(void *arg, int index, const char *why) {
    rejects *r = arg;
    if (r->n < 16) {
        r->index[r->n] = index;
        snprintf(r->why[r->n], sizeof(r->why[0]), "%s", why);
    }
    r->n++;
}

#define ITEM(q, o, c, e) "{\"question\":\"" q "\",\"options\":" o ",\"correct_index\":" c \
                         ",\"explanation\":\"" e "\"}"

static void test_questions(void **state) {
    mm_question out[8];
    rejects r;
    char why[200];
    const char *text =
        "```json\n{\"questions\":["
        ITEM("Which planet is largest?", "[\"Jupiter\",\"Mars\",\"Venus\",\"Earth\"]", "0",
             "Jupiter has the most mass and volume.") ","
        ITEM("Which gas do plants absorb?", "[\"Oxygen\",\"All of the above\",\"CO2\",\"Neon\"]",
             "2", "Plants take in carbon dioxide.") ","
        ITEM("Pick one", "[\"a\",\"b\",\"c\"]", "0", "x") ","
        ITEM("Same twice?", "[\"Paris\",\" paris \",\"Rome\",\"Oslo\"]", "0", "x") ","
        ITEM("Out of range?", "[\"1\",\"2\",\"3\",\"4\"]", "4", "x") ","
        "{\"question\":\"Claimed hard?\",\"options\":[\"w\",\"x\",\"y\",\"z\"],\"correct_index\":1,"
        "\"explanation\":\"ok\",\"sdi\":9},"
        ITEM("Which planet is LARGEST?", "[\"Jupiter\",\"Mars\",\"Venus\",\"Earth\"]", "0", "again") ","
        ITEM("Lines?", "[\"p\",\"q\",\"r\",\"s\"]", "1", "a\\nb\\nc\\nd") ","
        "\"not an object\""
        "]}\n```";
    (void) state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(mm_llm_questions(text, "space", 4, NULL, out, 8, on_reject, &r, why, sizeof(why)), 2);
    assert_string_equal(out[0].text, "Which planet is largest?");
    assert_string_equal(out[0].topic, "space");
    assert_int_equal(out[0].correct, 0);
    assert_int_equal(out[0].sdi, 4);                     /* no claim: the target */
    assert_string_equal(out[1].text, "Claimed hard?");
    assert_int_equal(out[1].sdi, 9);
    assert_int_equal(r.n, 7);
    assert_non_null(strstr(r.why[0], "filler"));
    assert_non_null(strstr(r.why[1], "3 options"));
    assert_non_null(strstr(r.why[2], "options 1 and 2 are the same"));
    assert_non_null(strstr(r.why[3], "correct_index 4"));
    assert_non_null(strstr(r.why[4], "repeats an earlier question"));
    assert_non_null(strstr(r.why[5], "line feeds"));
    assert_non_null(strstr(r.why[6], "needs question"));

    /* at most max */
    memset(&r, 0, sizeof(r));
    assert_int_equal(mm_llm_questions(text, "space", 4, NULL, out, 1, on_reject, &r, why, sizeof(why)), 1);

    static const char *bad[] = { "Sure! {\"questions\":[]}", "{\"items\":[]}", "{\"questions\":{}}",
                                 "{\"questions\":[", "{\"questions\":[],\"questions\":[]}" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        assert_int_equal(mm_llm_questions(bad[i], "space", 4, NULL, out, 8, NULL, NULL, why, sizeof(why)), -1);
        assert_true(why[0] != '\0');
    }
    assert_int_equal(mm_llm_questions("{\"questions\":[]}", "space", 4, NULL, out, 8, NULL, NULL, why,
                                      sizeof(why)), 0);
}

static void test_words(void **state) {
    const char *list = "damn\nhell fire\nсука\nscheiße";
    char hit[64];
    mm_question out[2];
    rejects r;
    char why[200];
    (void) state;
    assert_int_equal(mm_words_find(list, "Well, DAMN it", hit, sizeof(hit)), 1);
    assert_string_equal(hit, "damn");
    assert_int_equal(mm_words_find(list, "Amsterdam names", hit, sizeof(hit)), 0);   /* inside words */
    assert_int_equal(mm_words_find(list, "damnation", hit, sizeof(hit)), 0);
    assert_int_equal(mm_words_find(list, "the Hell Fire club", hit, sizeof(hit)), 1);  /* phrases */
    assert_int_equal(mm_words_find(list, "Ну СУКА!", hit, sizeof(hit)), 1);           /* Cyrillic case */
    assert_int_equal(mm_words_find(list, "Сукабля", hit, sizeof(hit)), 0);
    assert_int_equal(mm_words_find(list, "SCHEIßE", hit, sizeof(hit)), 1);            /* capitals around ß fold */
    assert_int_equal(mm_words_find(list, "Scheiße!", hit, sizeof(hit)), 1);
    assert_int_equal(mm_words_find(list, "", hit, sizeof(hit)), 0);
    /* the shipped lists are embedded and catch an English and a Spanish word */
    assert_int_equal(mm_words_find(mm_blocked_words, "What the fuck?", hit, sizeof(hit)), 1);
    assert_int_equal(mm_words_find(mm_blocked_words, "Es una mierda", hit, sizeof(hit)), 1);
    assert_int_equal(mm_words_find(mm_blocked_words, "Which planet is the largest?", hit, sizeof(hit)), 0);
    /* and the engine drops an item that holds one */
    memset(&r, 0, sizeof(r));
    assert_int_equal(mm_llm_questions("{\"questions\":["
        ITEM("Which planet is largest?", "[\"Jupiter\",\"Mars\",\"Venus\",\"Earth\"]", "0", "Damn big.") ","
        ITEM("Which planet is smallest?", "[\"Mercury\",\"Mars\",\"Venus\",\"Earth\"]", "0", "Mercury.")
        "]}", "space", 4, list, out, 2, on_reject, &r, why, sizeof(why)), 1);
    assert_non_null(strstr(r.why[0], "filtered word \"damn\""));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemini),
        cmocka_unit_test(test_openai),
        cmocka_unit_test(test_json_span),
        cmocka_unit_test(test_questions),
        cmocka_unit_test(test_words),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
