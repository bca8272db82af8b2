#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/mm_cli.h"
#include "engine/mm_engine.h"

/*
 * mm-worker generate: the quiz engine by hand — questions from the
 * configured providers, checked, as JSON lines; with --store also into the
 * bank (DATABASE_URL) and the ready cache (Redis).
 */

static int mm_usage(void) {
    fprintf(stderr, "usage: mm-worker generate --topic T --count N (1-%d) --difficulty D (1-10) "
                    "[--provider gemini|openai|offline] [--notes TEXT] [--language L] [--store]\n",
            MM_ENGINE_MAX);
    return MM_EXIT_USAGE;
}

static void mm_log_attempt(void *arg, const char *provider, const char *what) {
    (void) arg;
    fprintf(stderr, "generate: %s: %s\n", provider, what);
}

int mm_cli_generate(mm_cli *c, int argc, char **argv) {
    mm_llm_request req = { .language = "English" };
    mm_question out[MM_ENGINE_MAX];
    mm_engine_result res;
    mm_engine e;
    char err[300], topic[MM_Q_TOPIC_MAX];
    int n, store = 0;

    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--store")) {
            store = 1;
            continue;
        }
        if (v == NULL)
            return mm_usage();
        if (!strcmp(argv[i], "--topic"))
            req.topic = mm_topic_slug(v, topic, sizeof(topic)) ? topic : NULL;
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
    if (req.topic == NULL || req.count < 1 || req.count > MM_ENGINE_MAX || req.sdi < 1
        || req.sdi > 10)
        return mm_usage();
    if (mm_engine_config(&e, &c->ctx->cfg, err, sizeof(err))) {
        mm_cli_say(c, "%s", err);
        return MM_EXIT_USAGE;
    }
    e.log = mm_log_attempt;
    /* --store: the bank and the ready cache */
    if (store && ((e.db = mm_cli_db(c)) == NULL || (e.redis = mm_cli_redis(c)) == NULL))
        return c->code;
    n = mm_engine_make(&e, &req, out, &res);
    if (n == 0) {
        mm_cli_say(c, "no questions made (%s)", res.why);
        return MM_EXIT_FAIL;
    }
    for (int i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:[s,s,s,s], s:i, s:s, s:i, s:s, s:s}", "topic",
                              out[i].topic, "question", out[i].text, "options", out[i].options[0],
                              out[i].options[1], out[i].options[2], out[i].options[3], "correct",
                              out[i].correct, "explanation", out[i].explanation, "sdi",
                              out[i].sdi, "provider", res.provider, "model", res.model);
        if (o && store)
            json_object_set_new(o, "id", json_integer(res.ids[i]));
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (line)
            printf("%s\n", line);
        free(line);
        json_decref(o);
    }
    mm_cli_say(c, "%d of %d questions from %s (%s); dropped: %d duplicates, %d near duplicates "
               "of the bank%s%s", n, req.count, res.provider, res.model, res.duplicates,
               res.near_duplicates, res.wiki_title[0] ? "; context: Wikipedia " : "",
               res.wiki_title);
    return MM_EXIT_OK;
}
