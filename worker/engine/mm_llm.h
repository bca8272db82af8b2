/*
 * Question generation by language models: Gemini generateContent, OpenAI
 * chat completions and any OpenAI-compatible server, in the order of
 * LLM_PROVIDERS, with retries (1 s, 2 s, 4 s with jitter, at most 3 per
 * provider, honouring retryDelay / Retry-After), no retry of what cannot
 * succeed, a circuit breaker per provider, and every item checked in C
 * (engine/mm_llm_output.h).  Items that fail are generated again, never
 * repaired.  The offline source stays the last resort.
 */

#ifndef MM_LLM_H
#define MM_LLM_H

#include "quiz/mm_question.h"

#define MM_LLM_MAX_PROVIDERS 4

typedef enum { MM_PROVIDER_GEMINI, MM_PROVIDER_OPENAI, MM_PROVIDER_OFFLINE } mm_provider_kind;

typedef struct mm_provider {
    mm_provider_kind kind;
    char name[16];              /* gemini | openai | offline */
    const char *key;            /* NULL: none (a local OpenAI-compatible server) */
    const char *model;
    const char *base_url;
    int failures;               /* consecutive, for the breaker */
    long long open_until_ms;    /* breaker open until then */
    long timeout_ms;            /* adapts to observed latency within 15-60 s */
} mm_provider;

typedef struct mm_llm {
    mm_provider providers[MM_LLM_MAX_PROVIDERS];
    int n;
    int backoff_ms;             /* first retry delay (LLM_BACKOFF_MS, default 1000) */
} mm_llm;

/* Reads the providers from the environment; -1 with err naming the
 * setting that is wrong. */
int mm_llm_config(mm_llm *llm, char *err, size_t errlen);

typedef struct mm_llm_request {
    const char *topic;
    const char *notes;          /* creator notes, or NULL */
    int sdi;                    /* target 1..10 */
    int count;
    const char *language;       /* e.g. "English" */
    const char *only;           /* a provider name to use alone, or NULL */
} mm_llm_request;

/* Logs one line per failed attempt (on stderr, key-free). */
typedef void (*mm_llm_log_fn)(void *arg, const char *provider, const char *what);

/* Fills out[] with up to req->count checked questions; how many, with the
 * provider and model that made them.  0 with why when none could. */
int mm_llm_generate(mm_llm *llm, const mm_llm_request *req, mm_question *out,
                    const char **provider, const char **model, mm_llm_log_fn log, void *arg,
                    char *why, size_t whylen);

#endif /* MM_LLM_H */
