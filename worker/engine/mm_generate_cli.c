#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "engine/mm_generate_cli.h"
#include "engine/mm_llm.h"
#include "mm_buf.h"

#define MM_GENERATE_MAX 20

static int mm_usage(void) {
    fprintf(stderr, "usage: mm-worker generate --topic T --count N (1-%d) --difficulty D (1-10) "
                    "[--provider gemini|openai|offline] [--notes TEXT] [--language L]\n",
            MM_GENERATE_MAX);
    return 2;
}

static void mm_log_attempt(void *arg, const char *provider, const char *what) {
    (void) arg;
    fprintf(stderr, "generate: %s: %s\n", provider, what);
}

/* LLM_TOPIC_BLOCKLIST: comma-separated words; a topic containing one is
 * refused before any provider is asked.  Returns the word, or NULL. */
static const char *mm_blocked(const char *topic, char *word, size_t wordlen) {
    const char *list = getenv("LLM_TOPIC_BLOCKLIST");
    char lower[256], *save, copy[1024];

    if (list == NULL || *list == '\0')
        return NULL;
    snprintf(lower, sizeof(lower), "%s", topic);
    for (char *c = lower; *c; c++)
        *c = (char) tolower((unsigned char) *c);
    snprintf(copy, sizeof(copy), "%s", list);
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char) *w))
            w++;
        for (char *c = w; *c; c++)
            *c = (char) tolower((unsigned char) *c);
        if (*w && strstr(lower, w)) {
            snprintf(word, wordlen, "%s", w);
            return word;
        }
    }
    return NULL;
}

int mm_generate_cli(int argc, char **argv) {
    mm_llm_request req = { NULL, NULL, 0, 0, "English", NULL };
    mm_question out[MM_GENERATE_MAX];
    const char *provider = NULL, *model = NULL;
    char err[300], word[128];
    mm_llm llm;
    int n;

    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            return mm_usage();
        if (!strcmp(argv[i], "--topic"))
            req.topic = v;
        else if (!strcmp(argv[i], "--count"))
            req.count = atoi(v);
        else if (!strcmp(argv[i], "--difficulty"))
            req.sdi = atoi(v);
        else if (!strcmp(argv[i], "--provider"))
            req.only = v;
        else if (!strcmp(argv[i], "--notes"))
            req.notes = v;
        else if (!strcmp(argv[i], "--language"))
            req.language = v;
        else
            return mm_usage();
        i++;
    }
    if (req.topic == NULL || req.count < 1 || req.count > MM_GENERATE_MAX || req.sdi < 1
        || req.sdi > 10)
        return mm_usage();
    if (mm_blocked(req.topic, word, sizeof(word))) {
        fprintf(stderr, "generate: the topic \"%s\" is not allowed (blocked word \"%s\")\n",
                req.topic, word);
        return 1;
    }
    if (mm_llm_config(&llm, err, sizeof(err))) {
        fprintf(stderr, "generate: %s\n", err);
        return 2;
    }
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT))
        return 1;
    n = mm_llm_generate(&llm, &req, out, &provider, &model, mm_log_attempt, NULL, err, sizeof(err));
    if (n == 0) {
        fprintf(stderr, "generate: no provider produced questions (%s)\n", err);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:[s,s,s,s], s:i, s:s, s:i, s:s, s:s}", "topic",
                              out[i].topic, "question", out[i].text, "options", out[i].options[0],
                              out[i].options[1], out[i].options[2], out[i].options[3], "correct",
                              out[i].correct, "explanation", out[i].explanation, "sdi",
                              out[i].sdi, "provider", provider, "model", model);
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (line)
            printf("%s\n", line);
        free(line);
        json_decref(o);
    }
    if (n < req.count)
        fprintf(stderr, "generate: %d of %d questions (%s)\n", n, req.count, provider);
    return 0;
}
