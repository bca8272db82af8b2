/*
 * Optional Wikipedia context for a prompt (WIKIPEDIA_ENABLED): the summary
 * of the article that best matches the topic, found with the REST search
 * and read from the REST summary endpoint, with a User-Agent that follows
 * Wikimedia's policy, and cached in Redis (7 days; a miss for 1 hour).
 */

#ifndef MM_WIKI_H
#define MM_WIKI_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "mm_config.h"

#define MM_WIKI_EXTRACT_MAX 1200    /* bytes of the summary put in a prompt */

typedef struct mm_wiki {
    int enabled;
    char base_url[256];         /* WIKIPEDIA_BASE_URL, default https://en.wikipedia.org */
    char user_agent[300];
    long timeout_ms;
} mm_wiki;

/* From cfg's Wikipedia settings (and BOT_USERNAME for the User-Agent);
 * -1 with err naming the setting that is wrong. */
int mm_wiki_config(mm_wiki *w, const mm_config *cfg, char *err, size_t errlen);

/* The article's title and summary for topic into out (empty when nothing
 * matched or Wikipedia could not be asked: context is optional).  redis
 * may be NULL (no cache).  Returns 1 when found, 0 when not, and sets
 * *cached when the answer came from the cache. */
int mm_wiki_context(const mm_wiki *w, redisContext *redis, const char *topic, char *title,
                    size_t titlelen, char *out, size_t outlen, int *cached);

#endif /* MM_WIKI_H */
