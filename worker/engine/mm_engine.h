/*
 * The quiz engine: from a request (topic, SDI, count) to validated,
 * de-duplicated, difficulty-scored questions in the bank.  It refuses
 * blocked topics before asking anyone, builds the prompt from the bank
 * (few-shot items, the topic's recent questions not to repeat) and
 * optional Wikipedia context, asks the providers (engine/mm_llm.h), drops
 * exact and near duplicates of the bank, scores each question's SDI
 * (engine/mm_difficulty.h), stores it with its provenance and offers it
 * in the Redis ready cache.  Everything it does is counted in mm:metrics.
 */

#ifndef MM_ENGINE_H
#define MM_ENGINE_H

#include <hiredis/hiredis.h>

#include "engine/mm_llm.h"
#include "engine/mm_wiki.h"
#include "store/mm_db.h"

#define MM_ENGINE_MAX 20        /* questions per request */

typedef struct mm_engine {
    mm_llm llm;
    mm_wiki wiki;
    mm_db *db;                  /* NULL: no bank (nothing stored or avoided) */
    redisContext *redis;        /* NULL: no cache, no metrics */
    void (*log)(void *arg, const char *provider, const char *what);
    void *log_arg;
    void (*progress)(void *arg);    /* after each provider call: a job keeps its lease */
    void *progress_arg;
    const char *blocklist;          /* LLM_TOPIC_BLOCKLIST */
} mm_engine;

/* The engine loader: reads the language-model and Wikipedia settings into
 * cfg and sets up the providers; -1 with err. */
int mm_engine_config(mm_engine *e, mm_config *cfg, char *err, size_t errlen);

/* Whether a language model is configured (the offline source cannot
 * write questions on a new topic). */
int mm_engine_can_generate(const mm_engine *e);

/* "gemini (model), offline; Wikipedia context" for the start-up line. */
void mm_engine_describe(const mm_engine *e, char *out, size_t outlen);

/* LLM_TOPIC_BLOCKLIST: comma-separated words; the word topic contains, or
 * NULL when the topic may be asked for. */
const char *mm_engine_blocked(const mm_engine *e, const char *topic, char *word,
                              size_t wordlen);

typedef struct mm_engine_result {
    int made;                   /* new questions in out[] (and in the bank) */
    long long ids[MM_ENGINE_MAX];
    int duplicates;             /* the same as a bank question */
    int near_duplicates;        /* nearly the same (token similarity) */
    int rejected;               /* failed the checks (regenerated) */
    const char *provider, *model;
    char prompt_hash[65];
    char wiki_title[256];       /* the article used as context, if any */
    char why[300];              /* when made is 0 */
} mm_engine_result;

/* Makes up to req->count new questions into out (MM_ENGINE_MAX at most);
 * how many, 0 with r->why when none could be made. */
int mm_engine_make(mm_engine *e, const mm_llm_request *req, mm_question *out,
                   mm_engine_result *r);

#endif /* MM_ENGINE_H */
