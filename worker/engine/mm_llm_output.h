/*
 * What a language model answered, taken apart in C whatever the provider
 * claims about schemas: the provider's envelope (Gemini generateContent,
 * OpenAI chat completions, OpenAI-compatible servers), then the quiz JSON
 * inside it, item by item.  Nothing is repaired by guessing: an item that
 * fails a check is dropped with its reason and generated again.  Pure
 * functions, no I/O.
 */

#ifndef MM_LLM_OUTPUT_H
#define MM_LLM_OUTPUT_H

#include <stddef.h>

#include "quiz/mm_question.h"

/* How a provider's answer is classified, for retries and failover. */
typedef enum {
    MM_LLM_OK = 0,
    MM_LLM_RETRY,           /* 429 rate limit, 5xx, overloaded: same provider later */
    MM_LLM_FAILOVER,        /* cannot succeed soon here: bad key, quota, refusal, block */
    MM_LLM_BAD_OUTPUT,      /* answered, but not usable text (truncated, not JSON, …) */
} mm_llm_verdict;

typedef struct mm_llm_answer {
    mm_llm_verdict verdict;
    char *text;             /* the model's text (malloc'd) when OK */
    int retry_after_ms;     /* from retryDelay / Retry-After, 0 if none */
    char why[256];          /* the reason when not OK */
} mm_llm_answer;

/* Classify an HTTP answer of Gemini generateContent. */
void mm_llm_gemini_answer(long status, const char *body, size_t len, mm_llm_answer *a);

/* Classify an HTTP answer of OpenAI (or compatible) chat completions;
 * retry_after_header is the Retry-After value in seconds, or -1. */
void mm_llm_openai_answer(long status, const char *body, size_t len, int retry_after_header,
                          mm_llm_answer *a);

void mm_llm_answer_free(mm_llm_answer *a);

/* The quiz JSON of a model's text: the whole text, or one fenced block
 * (```json … ```), surrounded by nothing but white space.  Sets *start and
 * *jlen; -1 when the text is anything else. */
int mm_llm_json_span(const char *text, const char **start, size_t *jlen);

typedef void (*mm_llm_reject_fn)(void *arg, int index, const char *why);

/* Parses {"questions":[{"question","options"[4],"correct_index",
 * "explanation","sdi"?}]} into at most max questions of topic (sdi_default
 * when an item claims none).  Every item is checked (mm_question_check,
 * filler options such as "all of the above", explanation of at most two
 * line feeds, no duplicate within the answer, no word of the newline-
 * separated list words, see mm_words.h); a failing item is reported
 * to reject() and dropped.  Returns how many were kept, or -1 with why
 * when the text is not quiz JSON at all. */
int mm_llm_questions(const char *text, const char *topic, int sdi_default, const char *words,
                     mm_question *out, int max, mm_llm_reject_fn reject, void *arg, char *err,
                     size_t errlen);

#endif /* MM_LLM_OUTPUT_H */
