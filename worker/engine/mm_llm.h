/*
 * Question generation by language models: Gemini generateContent, OpenAI
 * chat completions and any OpenAI-compatible server, in the order of
 * LLM_PROVIDERS, with retries (1 s, 2 s, 4 s with jitter, at most 3 per
 * provider, honouring retryDelay / Retry-After up to MM_LLM_WAIT_MAX_MS:
 * a provider that asks for longer is left for the next one; every wait
 * ends early on the worker's stop), no retry of what cannot
 * succeed, a circuit breaker per provider, and every item checked in C
 * (engine/mm_llm_output.h).  Items that fail are generated again, never
 * repaired.  The offline source stays the last resort.
 */

#ifndef MM_LLM_H
#define MM_LLM_H

#include <stdatomic.h>

#include "mm_config.h"
#include "quiz/mm_question.h"

#define MM_LLM_MAX_PROVIDERS 4
#define MM_LLM_WAIT_MAX_MS   60000   /* the longest retry delay a provider gets */

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
    long timeout_floor_ms;
} mm_provider;

typedef struct mm_llm {
    mm_provider providers[MM_LLM_MAX_PROVIDERS];
    int n;
    int backoff_ms;             /* first retry delay (LLM_BACKOFF_MS, default 1000) */
    const atomic_int *stop;     /* once set, waits end and nothing more is asked; or NULL */
} mm_llm;

/* Reads the providers from the environment; -1 with err naming the
 * setting that is wrong. */
int mm_llm_config(mm_llm *llm, const mm_llm_cfg *c, char *err, size_t errlen);

typedef struct mm_llm_request {
    const char *topic;
    const char *notes;          /* creator notes, or NULL */
    int sdi;                    /* target 1..10 */
    int count;
    const char *language;       /* e.g. "English" */
    const char *only;           /* a provider name to use alone, or NULL */
    const char *examples;       /* few-shot items, one JSON object a line, or NULL */
    const char *const *avoid;   /* recent questions on the topic, not to repeat */
    int navoid;
    const char *context_title;  /* a reference text (Wikipedia summary), or NULL */
    const char *context;
} mm_llm_request;

/* What a generation reports as it goes: failed attempts as key-free lines,
 * each provider call with its outcome and latency, each dropped item with
 * the check it failed.  Any member may be NULL. */
typedef struct mm_llm_hooks {
    void (*log)(void *arg, const char *provider, const char *what);
    void (*call)(void *arg, const char *provider, const char *outcome, long ms);
    void (*reject)(void *arg, const char *provider, const char *why);
    void *arg;
} mm_llm_hooks;

/* The prompt for req asking for count questions (malloc'd), or NULL. */
char *mm_llm_prompt(const mm_llm_request *req, int count);

/* Fills out[] with up to req->count checked questions; how many, with the
 * provider and model that made them and the hex SHA-256 of the first
 * prompt sent.  0 with why when none could. */
int mm_llm_generate(mm_llm *llm, const mm_llm_request *req, mm_question *out,
                    const char **provider, const char **model, char prompt_hash[65],
                    const mm_llm_hooks *hooks, char *err, size_t errlen);

#endif /* MM_LLM_H */
