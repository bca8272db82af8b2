#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "engine/mm_wiki.h"
#include "mm_buf.h"
#include "mm_member.h"
#include "mm_utf8.h"

#define MM_WIKI_TTL      (7 * 86400)
#define MM_WIKI_MISS_TTL 3600

int mm_wiki_config(mm_wiki *w, const mm_config *cfg, char *err, size_t errlen) {
    const char *on = cfg->wiki.enabled, *base = cfg->wiki.base_url;
    const char *contact = cfg->wiki.contact, *bot = cfg->bot_username;
    char who[200];

    memset(w, 0, sizeof(*w));
    w->timeout_ms = 5000;
    if (on == NULL || *on == '\0' || !strcmp(on, "0") || !strcmp(on, "false"))
        return 0;
    if (strcmp(on, "1") && strcmp(on, "true")) {
        snprintf(err, errlen, "WIKIPEDIA_ENABLED must be 1/true or 0/false");
        return -1;
    }
    /* Wikimedia blocks anonymous clients: the agent names a way to reach us */
    if (contact && *contact)
        snprintf(who, sizeof(who), "%s", contact);
    else if (bot && *bot)
        snprintf(who, sizeof(who), "https://t.me/%s", bot);
    else {
        snprintf(err, errlen, "WIKIPEDIA_ENABLED needs WIKIPEDIA_CONTACT (a URL or e-mail for "
                 "Wikimedia's User-Agent policy) or BOT_USERNAME");
        return -1;
    }
    w->enabled = 1;
    snprintf(w->base_url, sizeof(w->base_url), "%s",
             base && *base ? base : "https://en.wikipedia.org");
    snprintf(w->user_agent, sizeof(w->user_agent), "MentalMazeBot/1.0 (%s) libcurl/%s", who,
             curl_version_info(CURLVERSION_NOW)->version);
    return 0;
}

/* GET url; the parsed JSON body of a 200, else NULL. */
static json_t *mm_wiki_get(const mm_wiki *w, const char *url) {
    CURL *easy = curl_easy_init();
    json_t *doc = NULL;
    long status = 0;
    mm_buf body;

    if (easy == NULL)
        return NULL;
    mm_buf_init(&body);
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, w->user_agent);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);    /* 301/302 to the canonical title */
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, w->timeout_ms);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, mm_buf_curl_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
    if (curl_easy_perform(easy) == CURLE_OK
        && curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200
        && body.data)
        doc = json_loadb(body.data, body.len, 0, NULL);
    curl_easy_cleanup(easy);
    mm_buf_free(&body);
    return doc;
}

static void mm_wiki_key(const char *topic, char out[80]) {
    unsigned char d[SHA256_DIGEST_LENGTH];

    SHA256((const unsigned char *) topic, strlen(topic), d);
    snprintf(out, 80, "mm:wiki:");
    for (int i = 0; i < 16; i++)
        snprintf(out + 8 + 2 * i, 3, "%02x", d[i]);
}

/* Asks Wikipedia: the best match's title and extract, 1; nothing, 0. */
static int mm_wiki_fetch(const mm_wiki *w, const char *topic, char *title, size_t titlelen,
                         char *out, size_t outlen) {
    CURL *esc = curl_easy_init();
    char url[1024], *q, *k;
    json_t *found, *summary;
    const char *key, *type, *extract;
    int rc = 0;

    if (esc == NULL)
        return 0;
    q = curl_easy_escape(esc, topic, 0);
    snprintf(url, sizeof(url), "%s/w/rest.php/v1/search/page?q=%s&limit=1", w->base_url,
             q ? q : "");
    curl_free(q);
    found = mm_wiki_get(w, url);
    key = json_string_value(json_object_get(json_array_get(json_object_get(found, "pages"), 0),
                                            "key"));
    if (key == NULL)
        goto done;
    k = curl_easy_escape(esc, key, 0);
    snprintf(url, sizeof(url), "%s/api/rest_v1/page/summary/%s", w->base_url, k ? k : "");
    curl_free(k);
    summary = mm_wiki_get(w, url);
    type = json_string_value(json_object_get(summary, "type"));
    extract = json_string_value(json_object_get(summary, "extract"));
    /* a disambiguation page lists meanings: no facts to ground questions */
    if (type && !strcmp(type, "standard") && extract && *extract) {
        const char *t = json_string_value(json_object_get(summary, "title"));
        mm_utf8_copy(title, titlelen, t ? t : key);
        mm_utf8_copy(out, outlen, extract);       /* a summary may be longer than a prompt wants */
        rc = 1;
    }
    json_decref(summary);

done:
    json_decref(found);
    curl_easy_cleanup(esc);
    return rc;
}

int mm_wiki_context(const mm_wiki *w, redisContext *redis, const char *topic, char *title,
                    size_t titlelen, char *out, size_t outlen, int *cached) {
    char key[80];
    redisReply *r;
    json_t *doc;
    int found;

    *title = *out = '\0';
    *cached = 0;
    if (!w->enabled)
        return 0;
    mm_wiki_key(topic, key);
    if (redis && (r = redisCommand(redis, "GET %s", key)) != NULL) {
        if (r->type == REDIS_REPLY_STRING) {
            doc = json_loadb(r->str, r->len, 0, NULL);
            mm_utf8_copy(title, titlelen, mm_member_str(doc, "title"));
            mm_utf8_copy(out, outlen, mm_member_str(doc, "extract"));
            json_decref(doc);
            freeReplyObject(r);
            *cached = 1;
            return *out != '\0';
        }
        freeReplyObject(r);
    }
    found = mm_wiki_fetch(w, topic, title, titlelen, out, outlen);
    if (redis) {
        doc = json_pack("{s:s, s:s}", "title", title, "extract", out);
        char *json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        if (json)
            freeReplyObject(redisCommand(redis, "SET %s %s EX %d", key, json,
                                         found ? MM_WIKI_TTL : MM_WIKI_MISS_TTL));
        free(json);
        json_decref(doc);
    }
    return found;
}
