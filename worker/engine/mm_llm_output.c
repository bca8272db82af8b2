#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "engine/mm_llm_output.h"
#include "engine/mm_words.h"
#include "mm_buf.h"

static void mm_verdict(mm_llm_answer *a, mm_llm_verdict v, const char *fmt, const char *arg) {
    a->verdict = v;
    snprintf(a->why, sizeof(a->why), fmt, arg ? arg : "");
}

void mm_llm_answer_free(mm_llm_answer *a) {
    free(a->text);
    a->text = NULL;
}

/* "34s" or "1.5s" (google.rpc.RetryInfo.retryDelay) in ms; 0 if unreadable */
static int mm_duration_ms(const char *s) {
    char *end;
    double v;

    if (s == NULL)
        return 0;
    v = strtod(s, &end);
    if (end == s || strcmp(end, "s") || v < 0 || v > 86400)
        return 0;
    return (int) (v * 1000);
}

void mm_llm_gemini_answer(long status, const char *body, size_t len, mm_llm_answer *a) {
    json_t *root = json_loadb(body, len, 0, NULL), *err, *cand, *parts;
    const char *finish, *block;
    mm_buf text;

    memset(a, 0, sizeof(*a));
    err = json_object_get(root, "error");
    if (status != 200 || err) {
        const char *st = json_string_value(json_object_get(err, "status"));
        const char *msg = json_string_value(json_object_get(err, "message"));
        json_t *details = json_object_get(err, "details"), *d;
        size_t i;
        int per_day = 0;

        json_array_foreach(details, i, d) {
            json_t *v, *q;
            size_t j;
            if (!a->retry_after_ms)
                a->retry_after_ms =
                    mm_duration_ms(json_string_value(json_object_get(d, "retryDelay")));
            v = json_object_get(d, "violations");
            json_array_foreach(v, j, q) {
                const char *id = json_string_value(json_object_get(q, "quotaId"));
                per_day |= id && strstr(id, "PerDay") != NULL;
            }
        }
        snprintf(a->why, sizeof(a->why), "HTTP %ld %s: %.180s", status, st ? st : "",
                 msg ? msg : "no error message");
        /* a daily quota will not clear soon: go to the next provider */
        a->verdict = (status == 429 && !per_day) || status >= 500 ? MM_LLM_RETRY
                                                                   : MM_LLM_FAILOVER;
        json_decref(root);
        return;
    }
    if (!json_is_object(root)) {
        mm_verdict(a, MM_LLM_BAD_OUTPUT, "the answer is not JSON%s", NULL);
        json_decref(root);
        return;
    }
    cand = json_array_get(json_object_get(root, "candidates"), 0);
    block = json_string_value(json_object_get(json_object_get(root, "promptFeedback"),
                                              "blockReason"));
    if (cand == NULL) {
        mm_verdict(a, MM_LLM_FAILOVER, "the prompt was blocked: %s",
                   block ? block : "no candidates");
        json_decref(root);
        return;
    }
    finish = json_string_value(json_object_get(cand, "finishReason"));
    if (finish == NULL || strcmp(finish, "STOP")) {
        mm_verdict(a, !finish || !strcmp(finish, "MAX_TOKENS") ? MM_LLM_BAD_OUTPUT
                                                               : MM_LLM_FAILOVER,
                   "generation stopped: %s", finish ? finish : "no finishReason");
        json_decref(root);
        return;
    }
    parts = json_object_get(json_object_get(cand, "content"), "parts");
    mm_buf_init(&text);
    for (size_t i = 0; i < json_array_size(parts); i++) {
        json_t *p = json_array_get(parts, i);
        if (json_is_true(json_object_get(p, "thought")))
            continue;                   /* thinking is not the answer */
        if (json_is_string(json_object_get(p, "text")))
            mm_buf_adds(&text, json_string_value(json_object_get(p, "text")));
    }
    json_decref(root);
    if (text.len == 0 || text.oom) {
        mm_buf_free(&text);
        mm_verdict(a, MM_LLM_BAD_OUTPUT, "the candidate has no text%s", NULL);
        return;
    }
    a->text = text.data;
}

void mm_llm_openai_answer(long status, const char *body, size_t len, int retry_after_header,
                          mm_llm_answer *a) {
    json_t *root = json_loadb(body, len, 0, NULL), *err, *choice, *msg;
    const char *finish, *content, *refusal;

    memset(a, 0, sizeof(*a));
    err = json_object_get(root, "error");
    if (status != 200 || err) {
        const char *code = json_string_value(json_object_get(err, "code"));
        const char *type = json_string_value(json_object_get(err, "type"));
        const char *m = json_string_value(json_object_get(err, "message"));
        int quota = (code && !strcmp(code, "insufficient_quota"))
                    || (type && !strcmp(type, "insufficient_quota"));

        snprintf(a->why, sizeof(a->why), "HTTP %ld %s: %.180s", status,
                 code ? code : type ? type : "", m ? m : "no error message");
        /* at most a day, as retryDelay; more would overflow an int of ms */
        a->retry_after_ms = retry_after_header > 0
                            ? (retry_after_header < 86400 ? retry_after_header : 86400) * 1000 : 0;
        /* insufficient_quota is a 429 that retrying cannot fix */
        a->verdict = ((status == 429 && !quota) || status == 408 || status == 409
                      || status >= 500) ? MM_LLM_RETRY : MM_LLM_FAILOVER;
        json_decref(root);
        return;
    }
    choice = json_array_get(json_object_get(root, "choices"), 0);
    msg = json_object_get(choice, "message");
    finish = json_string_value(json_object_get(choice, "finish_reason"));
    content = json_string_value(json_object_get(msg, "content"));
    refusal = json_string_value(json_object_get(msg, "refusal"));
    if (!json_is_object(root) || choice == NULL) {
        mm_verdict(a, MM_LLM_BAD_OUTPUT, "the answer has no choices%s", NULL);
    } else if (refusal) {
        mm_verdict(a, MM_LLM_FAILOVER, "the model refused: %.200s", refusal);
    } else if (finish == NULL || strcmp(finish, "stop")) {
        mm_verdict(a, finish && !strcmp(finish, "content_filter") ? MM_LLM_FAILOVER
                                                                  : MM_LLM_BAD_OUTPUT,
                   "generation stopped: %s", finish ? finish : "no finish_reason");
    } else if (content == NULL || *content == '\0') {
        mm_verdict(a, MM_LLM_BAD_OUTPUT, "the message has no content%s", NULL);
    } else if ((a->text = strdup(content)) == NULL) {
        mm_verdict(a, MM_LLM_BAD_OUTPUT, "out of memory%s", NULL);
    }
    json_decref(root);
}

int mm_llm_json_span(const char *text, const char **start, size_t *jlen) {
    const char *s = text, *e = text + strlen(text);

    while (s < e && isspace((unsigned char) *s))
        s++;
    while (e > s && isspace((unsigned char) e[-1]))
        e--;
    if (e - s >= 6 && !strncmp(s, "```", 3)) {
        /* one fenced block: ``` or ```json, a newline, the JSON, ``` */
        const char *nl = memchr(s, '\n', (size_t) (e - s));
        if (nl == NULL || e - nl < 4 || strncmp(e - 3, "```", 3))
            return -1;
        for (const char *p = s + 3; p < nl; p++)
            if (!isalpha((unsigned char) *p) && !isspace((unsigned char) *p))
                return -1;
        s = nl + 1;
        e -= 3;
        while (e > s && isspace((unsigned char) e[-1]))
            e--;
    }
    if (s == e || *s != '{' || e[-1] != '}')
        return -1;
    *start = s;
    *jlen = (size_t) (e - s);
    return 0;
}

/* "All of the above" and its kind: options that are not answers (in the
 * normalised form options are compared in) */
static int mm_filler(const char *option) {
    static const char *fillers[] = { "all of the above", "none of the above", "all of these",
                                     "none of these", "both a and b", "neither a nor b",
                                     "all of them", "none of them", "i don t know", NULL };
    mm_buf n;
    int hit = 0;

    mm_buf_init(&n);
    mm_question_normalise(option, &n);
    for (int i = 0; fillers[i] && n.data; i++)
        hit |= !strcmp(n.data, fillers[i]);
    mm_buf_free(&n);
    return hit;
}

/* One item into q (the common checks of quiz/mm_question.c, then a
 * model's own failings: filler options, long explanations); -1 with why */
static int mm_llm_item(json_t *it, const char *topic, int sdi_default, mm_question *q,
                       char *err, size_t errlen) {
    const mm_question_form form = { "correct_index", topic, sdi_default };
    int lf = 0;

    if (mm_question_from_object(it, &form, q, err, errlen))
        return -1;
    for (int i = 0; i < 4; i++)
        if (mm_filler(q->options[i]))
            return snprintf(err, errlen, "option %d (\"%s\") is filler, not an answer", i + 1,
                            q->options[i]), -1;
    for (const char *p = q->explanation; *p; p++)
        lf += *p == '\n';
    if (lf > 2)
        return snprintf(err, errlen, "explanation has more than 2 line feeds"), -1;
    return 0;
}

/* 1 when any text of q holds a listed word; its name goes to why */
static int mm_has_word(const char *words, const mm_question *q, char *err, size_t errlen) {
    const char *fields[6] = { q->text, q->options[0], q->options[1], q->options[2],
                              q->options[3], q->explanation };
    char hit[128];

    for (int i = 0; words && i < 6; i++)
        if (mm_words_find(words, fields[i], hit, sizeof(hit))) {
            snprintf(err, errlen, "contains the filtered word \"%s\"", hit);
            return 1;
        }
    return 0;
}

int mm_llm_questions(const char *text, const char *topic, int sdi_default, const char *words,
                     mm_question *out, int max, mm_llm_reject_fn reject, void *arg, char *err,
                     size_t errlen) {
    const char *start;
    size_t jlen;
    json_error_t jerr;
    json_t *root, *items;
    char **seen;                /* the kept questions' normalised texts */
    int kept = 0;

    if (mm_llm_json_span(text, &start, &jlen))
        return snprintf(err, errlen, "the text is not one JSON object (or one fenced block)"), -1;
    root = json_loadb(start, jlen, JSON_REJECT_DUPLICATES, &jerr);
    items = json_object_get(root, "questions");
    if (!json_is_array(items)) {
        snprintf(err, errlen, "%s", root ? "no \"questions\" array" : jerr.text);
        json_decref(root);
        return -1;
    }
    if ((seen = calloc((size_t) max + 1, sizeof(char *))) == NULL) {
        json_decref(root);
        return snprintf(err, errlen, "out of memory"), -1;
    }
    for (size_t i = 0; i < json_array_size(items) && kept < max; i++) {
        mm_buf norm;
        char reason[200];
        mm_question *q = &out[kept];
        int dup = 0;

        if (mm_llm_item(json_array_get(items, i), topic, sdi_default, q, reason, sizeof(reason))
            || mm_has_word(words, q, reason, sizeof(reason))) {
            if (reject)
                reject(arg, (int) i, reason);
            continue;
        }
        mm_buf_init(&norm);
        mm_question_normalise(q->text, &norm);
        for (int k = 0; k < kept; k++)
            dup |= norm.data && seen[k] && !strcmp(seen[k], norm.data);
        if (dup) {
            mm_buf_free(&norm);
            if (reject)
                reject(arg, (int) i, "repeats an earlier question of the answer");
            continue;
        }
        seen[kept++] = norm.data;       /* owned now */
    }
    for (int k = 0; k < kept; k++)
        free(seen[k]);
    free(seen);
    json_decref(root);
    return kept;
}
