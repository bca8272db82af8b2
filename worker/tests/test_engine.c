/*
 * The quiz engine's output checks (TAP): provider envelopes
 * (Gemini, OpenAI and compatible servers; success, thinking parts, blocks,
 * refusals, truncation, rate limits against spent quotas) and the quiz
 * JSON inside them, item by item.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../shared/tests/tap.h"

#include "engine/mm_difficulty.h"
#include "engine/mm_llm_output.h"
#include "engine/mm_words.h"

static void gemini(long status, const char *body, mm_llm_answer *a) {
    mm_llm_gemini_answer(status, body, strlen(body), a);
}

static void openai(long status, const char *body, int retry_after, mm_llm_answer *a) {
    mm_llm_openai_answer(status, body, strlen(body), retry_after, a);
}

static void test_gemini(void) {
    mm_llm_answer a;
    gemini(200, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":["
                "{\"text\":\"let me think\",\"thought\":true},{\"text\":\"{\\\"questions\\\":\"},"
                "{\"text\":\"[]}\"}]},\"finishReason\":\"STOP\",\"index\":0}],"
                "\"usageMetadata\":{\"totalTokenCount\":9},\"modelVersion\":\"gemini-2.5-flash\"}", &a);
    is_int(a.verdict, MM_LLM_OK);
    is_str(a.text, "{\"questions\":[]}");          /* thoughts left out */
    mm_llm_answer_free(&a);

    gemini(429, "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\","
                "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":"
                "\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
                "\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\"}]},{\"@type\":"
                "\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"34s\"}]}}", &a);
    is_int(a.verdict, MM_LLM_RETRY);
    is_int(a.retry_after_ms, 34000);
    is_true((strstr(a.why, "RESOURCE_EXHAUSTED")) != NULL);

    gemini(429, "{\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\","
                "\"details\":[{\"violations\":[{\"quotaId\":"
                "\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]}]}}", &a);
    is_int(a.verdict, MM_LLM_FAILOVER);               /* a daily quota */

    gemini(400, "{\"error\":{\"code\":400,\"message\":\"API key not valid.\",\"status\":"
                "\"INVALID_ARGUMENT\",\"details\":[{\"reason\":\"API_KEY_INVALID\"}]}}", &a);
    is_int(a.verdict, MM_LLM_FAILOVER);
    gemini(503, "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\","
                "\"status\":\"UNAVAILABLE\"}}", &a);
    is_int(a.verdict, MM_LLM_RETRY);
    gemini(502, "<html>Bad Gateway</html>", &a);
    is_int(a.verdict, MM_LLM_RETRY);
    gemini(200, "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}", &a);
    is_int(a.verdict, MM_LLM_FAILOVER);
    is_true((strstr(a.why, "SAFETY")) != NULL);
    gemini(200, "{\"candidates\":[{\"content\":{\"parts\":[]},\"finishReason\":\"MAX_TOKENS\"}]}", &a);
    is_int(a.verdict, MM_LLM_BAD_OUTPUT);
    gemini(200, "{\"candidates\":[{\"finishReason\":\"SAFETY\"}]}", &a);
    is_int(a.verdict, MM_LLM_FAILOVER);
    gemini(200, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}]},"
                "\"finishReason\":\"STOP\"}]}", &a);
    is_int(a.verdict, MM_LLM_BAD_OUTPUT);
    gemini(200, "not json", &a);
    is_int(a.verdict, MM_LLM_BAD_OUTPUT);
}

static void test_openai(void) {
    mm_llm_answer a;
    openai(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                "\"message\":{\"role\":\"assistant\",\"content\":\"{}\",\"refusal\":null},"
                "\"finish_reason\":\"stop\"}],\"usage\":{\"total_tokens\":5}}", -1, &a);
    is_int(a.verdict, MM_LLM_OK);
    is_str(a.text, "{}");
    mm_llm_answer_free(&a);
    openai(200, "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"I can't help with "
                "that.\"},\"finish_reason\":\"stop\"}]}", -1, &a);
    is_int(a.verdict, MM_LLM_FAILOVER);
    is_true((strstr(a.why, "refused")) != NULL);
    openai(200, "{\"choices\":[{\"message\":{\"content\":\"{\\\"questions\\\":[\"},"
                "\"finish_reason\":\"length\"}]}", -1, &a);
    is_int(a.verdict, MM_LLM_BAD_OUTPUT);
    openai(200, "{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":"
                "\"content_filter\"}]}", -1, &a);
    is_int(a.verdict, MM_LLM_FAILOVER);
    openai(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                "\"param\":null,\"code\":\"rate_limit_exceeded\"}}", 7, &a);
    is_int(a.verdict, MM_LLM_RETRY);
    is_int(a.retry_after_ms, 7000);
    openai(429, "{\"error\":{\"code\":\"rate_limit_exceeded\"}}", 2147484, &a);
    is_int(a.retry_after_ms, 86400 * 1000);           /* at most a day, no overflow */
    openai(429, "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":"
                "\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}", -1, &a);
    is_int(a.verdict, MM_LLM_FAILOVER);
    openai(401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":"
                "\"invalid_request_error\",\"code\":\"invalid_api_key\"}}", -1, &a);
    is_int(a.verdict, MM_LLM_FAILOVER);
    openai(500, "{\"error\":{\"message\":\"server error\",\"type\":\"server_error\"}}", -1, &a);
    is_int(a.verdict, MM_LLM_RETRY);
    openai(200, "{\"object\":\"chat.completion\"}", -1, &a);
    is_int(a.verdict, MM_LLM_BAD_OUTPUT);
}

static void test_json_span(void) {
    const char *s;
    size_t n;
    is_int(mm_llm_json_span("  {\"a\":1}\n", &s, &n), 0);
    is_int(n, 7);
    is_int(mm_llm_json_span("```json\n{\"a\":1}\n```", &s, &n), 0);
    is_true(memcmp(s, "{\"a\":1}", 7) == 0);
    is_int(mm_llm_json_span("```\n{\"a\":1}```\n", &s, &n), 0);
    is_int(mm_llm_json_span("Here you go: {\"a\":1}", &s, &n), -1);   /* prose */
    is_int(mm_llm_json_span("{\"a\":1} Hope this helps!", &s, &n), -1);
    is_int(mm_llm_json_span("```json\n{\"a\":1}\n``` and more", &s, &n), -1);
    is_int(mm_llm_json_span("```js on!\n{}\n```", &s, &n), -1);
    is_int(mm_llm_json_span("", &s, &n), -1);
    is_int(mm_llm_json_span("[1,2]", &s, &n), -1);
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

static void test_questions(void) {
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
    memset(&r, 0, sizeof(r));
    is_int(mm_llm_questions(text, "space", 4, NULL, out, 8, on_reject, &r, why, sizeof(why)), 2);
    is_str(out[0].text, "Which planet is largest?");
    is_str(out[0].topic, "space");
    is_int(out[0].correct, 0);
    is_int(out[0].sdi, 4);                     /* no claim: the target */
    is_str(out[1].text, "Claimed hard?");
    is_int(out[1].sdi, 9);
    is_int(r.n, 7);
    is_true((strstr(r.why[0], "filler")) != NULL);
    is_true((strstr(r.why[1], "3 options")) != NULL);
    is_true((strstr(r.why[2], "options 1 and 2 are the same")) != NULL);
    is_true((strstr(r.why[3], "correct_index 4")) != NULL);
    is_true((strstr(r.why[4], "repeats an earlier question")) != NULL);
    is_true((strstr(r.why[5], "line feeds")) != NULL);
    is_true((strstr(r.why[6], "needs question")) != NULL);

    /* at most max */
    memset(&r, 0, sizeof(r));
    is_int(mm_llm_questions(text, "space", 4, NULL, out, 1, on_reject, &r, why, sizeof(why)), 1);

    static const char *bad[] = { "Sure! {\"questions\":[]}", "{\"items\":[]}", "{\"questions\":{}}",
                                 "{\"questions\":[", "{\"questions\":[],\"questions\":[]}" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        is_int(mm_llm_questions(bad[i], "space", 4, NULL, out, 8, NULL, NULL, why, sizeof(why)), -1);
        is_true(why[0] != '\0');
    }
    is_int(mm_llm_questions("{\"questions\":[]}", "space", 4, NULL, out, 8, NULL, NULL, why,
                                      sizeof(why)), 0);
}

static void test_words(void) {
    const char *list = "damn\nhell fire\nсука\nscheiße";
    char hit[64];
    mm_question out[2];
    rejects r;
    char why[200];
    is_int(mm_words_find(list, "Well, DAMN it", hit, sizeof(hit)), 1);
    is_str(hit, "damn");
    is_int(mm_words_find(list, "Amsterdam names", hit, sizeof(hit)), 0);   /* inside words */
    is_int(mm_words_find(list, "damnation", hit, sizeof(hit)), 0);
    is_int(mm_words_find(list, "the Hell Fire club", hit, sizeof(hit)), 1);  /* phrases */
    is_int(mm_words_find(list, "Ну СУКА!", hit, sizeof(hit)), 1);           /* Cyrillic case */
    is_int(mm_words_find(list, "Сукабля", hit, sizeof(hit)), 0);
    is_int(mm_words_find(list, "SCHEIßE", hit, sizeof(hit)), 1);            /* capitals around ß fold */
    is_int(mm_words_find(list, "Scheiße!", hit, sizeof(hit)), 1);
    is_int(mm_words_find(list, "", hit, sizeof(hit)), 0);
    /* the shipped lists are embedded and catch an English and a Spanish word */
    is_int(mm_words_find(mm_blocked_words, "What the fuck?", hit, sizeof(hit)), 1);
    is_int(mm_words_find(mm_blocked_words, "Es una mierda", hit, sizeof(hit)), 1);
    is_int(mm_words_find(mm_blocked_words, "Which planet is the largest?", hit, sizeof(hit)), 0);
    /* and the engine drops an item that holds one */
    memset(&r, 0, sizeof(r));
    is_int(mm_llm_questions("{\"questions\":["
        ITEM("Which planet is largest?", "[\"Jupiter\",\"Mars\",\"Venus\",\"Earth\"]", "0", "Damn big.") ","
        ITEM("Which planet is smallest?", "[\"Mercury\",\"Mars\",\"Venus\",\"Earth\"]", "0", "Mercury.")
        "]}", "space", 4, list, out, 2, on_reject, &r, why, sizeof(why)), 1);
    is_true((strstr(r.why[0], "filtered word \"damn\"")) != NULL);
}

static mm_question make_q(const char *text, const char *a, const char *b, const char *c,
                          const char *d, int correct) {
    mm_question q;

    memset(&q, 0, sizeof(q));
    snprintf(q.topic, sizeof(q.topic), "space");
    snprintf(q.text, sizeof(q.text), "%s", text);
    snprintf(q.options[0], sizeof(q.options[0]), "%s", a);
    snprintf(q.options[1], sizeof(q.options[1]), "%s", b);
    snprintf(q.options[2], sizeof(q.options[2]), "%s", c);
    snprintf(q.options[3], sizeof(q.options[3]), "%s", d);
    q.correct = correct;
    q.sdi = 5;
    return q;
}

static void test_difficulty(void) {
    char long_text[400];
    mm_question q;
    /* a plain question keeps the claim */
    q = make_q("Which gas do plants take in to make their food in daylight?", "Carbon dioxide",
               "Oxygen", "Nitrogen", "Helium", 0);
    is_int(mm_sdi_prior(5, &q), 5);
    /* short question, short options: easier */
    q = make_q("Red planet?", "Mars", "Venus", "Pluto", "Moon", 0);
    is_int(mm_sdi_prior(5, &q), 4);
    /* four close numbers: recall, not elimination */
    q = make_q("In which year did the first crewed Moon landing take place, as NASA counts it?",
               "1969", "1968", "1971", "1972", 0);
    is_int(mm_sdi_prior(5, &q), 6);
    /* distractors that look like the answer, in a long question: at most +2 */
    memset(long_text, 0, sizeof(long_text));
    memset(long_text, 'x', 200);
    memcpy(long_text, "Which ", 6);
    long_text[199] = '?';
    q = make_q(long_text, "Methylpropane", "Methylpropene", "Methylpentane", "Methylbutane", 0);
    is_int(mm_sdi_prior(5, &q), 7);
    is_int(mm_sdi_prior(10, &q), 10);     /* never past the scale */
    is_int(mm_sdi_prior(0, &q), 3);        /* a bad claim is clamped first */

    /* what players show: 95 % right is trivial, 30 % is as hard as it gets */
    is_int(mm_sdi_observed(0.95, 10000, 30000), 1);
    is_int(mm_sdi_observed(0.30, 10000, 30000), 10);
    is_int(mm_sdi_observed(0.625, 10000, 30000), 6);
    is_int(mm_sdi_observed(0.625, 25000, 30000), 7);    /* slow: harder */
    is_int(mm_sdi_observed(0.625, 2000, 30000), 5);     /* at a glance: easier */
    is_int(mm_sdi_observed(0.0, 29000, 30000), 10);

    /* too few plays say nothing; many pull the SDI to what players show */
    is_int(mm_sdi_calibrated(8, MM_SDI_MIN_PLAYS - 1, 0.95, 3000, 30000), 8);
    is_int(mm_sdi_calibrated(8, 20, 0.95, 10000, 30000), 5);       /* halfway */
    is_int(mm_sdi_calibrated(8, 2000, 0.95, 10000, 30000), 1);
    /* and it is a function: the same answers give the same SDI again */
    is_int(mm_sdi_calibrated(8, 20, 0.95, 10000, 30000),
                     mm_sdi_calibrated(8, 20, 0.95, 10000, 30000));
}

static void test_topic_slug(void) {
    char out[MM_Q_TOPIC_MAX];
    mm_question q = make_q("Which?", "a", "b", "c", "d", 0);
    char why[100];
    is_int(mm_topic_slug("  Space   Exploration! ", out, sizeof(out)), 17);
    is_str(out, "space exploration");
    is_int(mm_topic_slug("Über-Physik", out, sizeof(out)), 10);
    is_str(out, "ber-physik");
    is_int(mm_topic_slug("¿¡ !?", out, sizeof(out)), 0);
    /* long topics are cut at a word boundary */
    mm_topic_slug("the history of the roman empire and its many emperors", out, sizeof(out));
    is_str(out, "the history of the roman empire");
    snprintf(q.topic, sizeof(q.topic), "%s", out);
    is_int(mm_question_check(&q, why, sizeof(why)), 0);
    snprintf(q.topic, sizeof(q.topic), "two  spaces");
    is_int(mm_question_check(&q, why, sizeof(why)), -1);
    snprintf(q.topic, sizeof(q.topic), "Upper");
    is_int(mm_question_check(&q, why, sizeof(why)), -1);
}

int main(void) {
    test_gemini();
    test_openai();
    test_json_span();
    test_questions();
    test_words();
    test_difficulty();
    test_topic_slug();
    return tap_done();
}
