#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mm_difficulty.h"
#include "engine/mm_engine.h"
#include "log/mm_metrics.h"
#include "mm_buf.h"
#include "bank/mm_bank.h"
#include "bank/mm_ready.h"

#define MM_ENGINE_ROUNDS 3      /* asks again for what duplicates took away */
#define MM_AVOID_MAX     20     /* recent questions listed in the prompt */

int mm_engine_config(mm_engine *e, mm_config *cfg, char *err, size_t errlen) {
    memset(e, 0, sizeof(*e));
    if (mm_config_read(cfg, MM_CFG_LLM | MM_CFG_WIKI, err, errlen)
        || mm_llm_config(&e->llm, &cfg->llm, err, errlen))
        return -1;
    e->blocklist = cfg->llm.blocklist;
    return mm_wiki_config(&e->wiki, cfg, err, errlen);
}

int mm_engine_can_generate(const mm_engine *e) {
    for (int i = 0; i < e->llm.n; i++)
        if (e->llm.providers[i].kind != MM_PROVIDER_OFFLINE)
            return 1;
    return 0;
}

void mm_engine_describe(const mm_engine *e, char *out, size_t outlen) {
    size_t n = 0;

    out[0] = '\0';
    for (int i = 0; i < e->llm.n && n < outlen; i++)
        n += (size_t) snprintf(out + n, outlen - n, "%s%s (%s)", i ? ", " : "",
                               e->llm.providers[i].name, e->llm.providers[i].model);
    if (e->wiki.enabled && n < outlen)
        snprintf(out + n, outlen - n, "; Wikipedia context");
}

const char *mm_engine_blocked(const mm_engine *e, const char *topic, char *word,
                              size_t wordlen) {
    const char *list = e->blocklist;
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

/* The check an item failed, as a metric label. */
static const char *mm_reject_reason(const char *why) {
    static const struct { const char *needle, *reason; } map[] = {
        { "filtered word", "content_filter" }, { "filler", "filler_option" },
        { "are the same", "duplicate_options" }, { "options, not 4", "option_count" },
        { "correct", "correct_index" }, { "explanation", "explanation" },
        { "repeats", "repeated_item" }, { "characters", "length" }, { "too long", "length" },
        { "needs", "shape" } };

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strstr(why, map[i].needle))
            return map[i].reason;
    return "other";
}

static void mm_engine_on_log(void *arg, const char *provider, const char *what) {
    mm_engine *e = arg;

    if (e->log)
        e->log(e->log_arg, provider, what);
}

static void mm_engine_on_call(void *arg, const char *provider, const char *outcome, long ms) {
    mm_engine *e = arg;
    char labels[96];

    snprintf(labels, sizeof(labels), "provider=\"%s\",outcome=\"%s\"", provider, outcome);
    mm_metric_add(e->redis, "mm_engine_calls_total", labels, 1);
    snprintf(labels, sizeof(labels), "provider=\"%s\"", provider);
    mm_metric_observe(e->redis, "mm_engine_call_seconds", labels, (double) ms / 1000);
    if (e->progress)
        e->progress(e->progress_arg);
}

static void mm_engine_reject(mm_engine *e, const char *reason) {
    char labels[64];

    snprintf(labels, sizeof(labels), "reason=\"%s\"", reason);
    mm_metric_add(e->redis, "mm_engine_rejects_total", labels, 1);
}

static void mm_engine_on_reject(void *arg, const char *provider, const char *why) {
    mm_engine *e = arg;
    char line[300];

    snprintf(line, sizeof(line), "item dropped: %s", why);
    mm_engine_on_log(e, provider, line);
    mm_engine_reject(e, mm_reject_reason(why));
}

/* What the bank holds on the topic: texts and content hashes, oldest first. */
typedef struct mm_known {
    char **text;
    char (*hash)[65];
    mm_qwords *words;           /* each text's words, taken once */
    int n, cap;
} mm_known;

static int mm_known_add(mm_known *k, const char *text, const char *hash) {
    if (k->n == k->cap) {
        int cap = k->cap ? k->cap * 2 : 64;
        char **t = realloc(k->text, (size_t) cap * sizeof(*t));
        if (t == NULL)
            return -1;
        k->text = t;
        char (*h)[65] = realloc(k->hash, (size_t) cap * sizeof(*h));
        if (h == NULL)
            return -1;
        k->hash = h;
        mm_qwords *w = realloc(k->words, (size_t) cap * sizeof(*w));
        if (w == NULL)
            return -1;
        k->words = w;
        k->cap = cap;
    }
    if ((k->text[k->n] = strdup(text)) == NULL)
        return -1;
    mm_question_words(text, &k->words[k->n]);
    snprintf(k->hash[k->n++], 65, "%s", hash);
    return 0;
}

static void mm_known_free(mm_known *k) {
    for (int i = 0; i < k->n; i++)
        free(k->text[i]);
    free(k->text);
    free(k->hash);
    free(k->words);
}

static int mm_known_load(mm_engine *e, const char *topic, mm_known *k) {
    mm_params p;
    PGresult *res;

    if (e->db == NULL)
        return 0;
    mm_params_init(&p, MM_SQL_TOPIC_TEXTS);
    mm_param_str(&p, topic);
    if ((res = mm_db_query(e->db, &p)) == NULL)
        return -1;
    /* oldest first, so that what this request adds is the newest */
    for (int i = PQntuples(res) - 1; i >= 0; i--)
        if (mm_known_add(k, mm_col_str(res, i, MM_TEXT_QUESTION),
                         mm_col_str(res, i, MM_TEXT_HASH))) {
            PQclear(res);
            return -1;
        }
    PQclear(res);
    return 0;
}

/* 0 new, 1 the same as a known question, 2 nearly the same. */
static int mm_known_match(const mm_known *k, const mm_question *q, const char *hash) {
    mm_qwords words;

    for (int i = 0; i < k->n; i++)
        if (!strcmp(k->hash[i], hash))
            return 1;
    mm_question_words(q->text, &words);
    for (int i = 0; i < k->n; i++)
        if (mm_question_words_similarity(&words, &k->words[i]) >= MM_NEAR_DUPLICATE)
            return 2;
    return 0;
}

/* few-shot items from the bank, one JSON object a line (malloc'd), or NULL */
static char *mm_examples(mm_engine *e, const mm_llm_request *req) {
    mm_params p;
    PGresult *res;
    mm_buf b;

    if (e->db == NULL)
        return NULL;
    mm_params_init(&p, MM_SQL_EXAMPLES);
    mm_param_str(&p, req->topic);
    mm_param_int(&p, req->sdi);
    if ((res = mm_db_query(e->db, &p)) == NULL)
        return NULL;        /* the prompt goes without examples */
    mm_buf_init(&b);
    for (int i = 0; i < PQntuples(res); i++)
        mm_buf_printf(&b, "%s\n", mm_col_str(res, i, 0));
    PQclear(res);
    return b.oom ? (mm_buf_free(&b), NULL) : b.data;
}

/* Keeps what is new among got[] questions: SDI scored, stored in one
 * transaction (one commit, not one per question), then offered. */
static void mm_engine_keep(mm_engine *e, mm_known *known, mm_question *got, int n,
                           mm_question *out, mm_engine_result *r, int want, int target_sdi) {
    mm_provenance from = { r->provider, r->model, r->prompt_hash, 0 };
    int first = r->made;
    char labels[64];

    if (e->db && mm_db_exec(e->db, "BEGIN")) {
        snprintf(r->why, sizeof(r->why), "storing questions: %.200s", e->db->err);
        return;
    }
    for (int i = 0; i < n && r->made < want; i++) {
        mm_question *q = &got[i];
        char hash[65];
        int match, fresh = 1;
        long long id = 0;

        from.sdi_claimed = q->sdi;
        q->sdi = mm_sdi_prior(q->sdi, q);
        if (mm_question_hash(q, hash))
            continue;
        if ((match = mm_known_match(known, q, hash)) != 0) {
            match == 1 ? r->duplicates++ : r->near_duplicates++;
            mm_engine_reject(e, match == 1 ? "duplicate" : "near_duplicate");
            continue;
        }
        if (e->db && (id = mm_question_store_from(e->db, q, &from, &fresh)) < 0) {
            snprintf(r->why, sizeof(r->why), "storing a question: %.200s", e->db->err);
            mm_db_exec(e->db, "ROLLBACK");
            r->made = first;
            return;
        }
        if (!fresh) {           /* another worker stored it meanwhile */
            r->duplicates++;
            mm_engine_reject(e, "duplicate");
            continue;
        }
        mm_known_add(known, q->text, hash);
        r->ids[r->made] = id;
        out[r->made++] = *q;
    }
    if (e->db && mm_db_exec(e->db, "COMMIT")) {
        snprintf(r->why, sizeof(r->why), "storing questions: %.200s", e->db->err);
        r->made = first;
        return;
    }
    /* offered only once stored, under the SDI they were made for */
    for (int i = first; i < r->made; i++)
        if (e->redis && r->ids[i] > 0)
            mm_ready_push(e->redis, &out[i], target_sdi, r->ids[i]);
    snprintf(labels, sizeof(labels), "provider=\"%s\"", r->provider);
    mm_metric_add(e->redis, "mm_engine_questions_total", labels, r->made - first);
}

int mm_engine_make(mm_engine *e, const mm_llm_request *req_in, mm_question *out,
                   mm_engine_result *r) {
    mm_llm_hooks hooks = { mm_engine_on_log, mm_engine_on_call, mm_engine_on_reject, e };
    mm_llm_request req = *req_in;
    const char *avoid[MM_AVOID_MAX];
    char word[128], context[MM_WIKI_EXTRACT_MAX + 1], *examples;
    int want = req.count > MM_ENGINE_MAX ? MM_ENGINE_MAX : req.count, cached = 0;
    mm_question *got;
    mm_known known = { 0 };

    memset(r, 0, sizeof(*r));
    if (mm_engine_blocked(e, req.topic, word, sizeof(word))) {
        snprintf(r->why, sizeof(r->why), "the topic \"%s\" is not allowed (blocked word \"%s\")",
                 req.topic, word);
        mm_engine_reject(e, "blocked_topic");
        return 0;
    }
    if ((got = calloc(MM_ENGINE_MAX, sizeof(*got))) == NULL) {
        snprintf(r->why, sizeof(r->why), "out of memory");
        return 0;
    }
    if (mm_known_load(e, req.topic, &known)) {
        snprintf(r->why, sizeof(r->why), "reading the bank: %.200s", e->db->err);
        goto done;
    }
    examples = mm_examples(e, &req);
    req.examples = examples;
    if (mm_wiki_context(&e->wiki, e->redis, req.topic, r->wiki_title, sizeof(r->wiki_title),
                        context, sizeof(context), &cached)) {
        req.context_title = r->wiki_title;
        req.context = context;
    }
    if (e->wiki.enabled)
        mm_metric_add(e->redis, "mm_engine_wiki_total",
                      cached ? "result=\"cache\"" : *context ? "result=\"fetched\""
                                                             : "result=\"none\"", 1);

    for (int round = 0; round < MM_ENGINE_ROUNDS && r->made < want; round++) {
        int n;

        /* the newest questions of the topic, those of this request included */
        req.navoid = 0;
        for (int i = known.n - 1; i >= 0 && req.navoid < MM_AVOID_MAX; i--)
            avoid[req.navoid++] = known.text[i];
        req.avoid = avoid;
        req.count = want - r->made;
        n = mm_llm_generate(&e->llm, &req, got, &r->provider, &r->model,
                            round ? (char[65]) { 0 } : r->prompt_hash, &hooks, r->why,
                            sizeof(r->why));
        if (n == 0)
            break;
        if (!strcmp(r->provider, "offline")) {
            /* the shipped bank and the maze: already checked, nothing new to store */
            memcpy(out, got, (size_t) n * sizeof(*got));
            r->made = n;
            break;
        }
        mm_engine_keep(e, &known, got, n, out, r, want, req.sdi);
    }
    free(examples);
    if (r->made == 0 && r->why[0] == '\0')
        snprintf(r->why, sizeof(r->why), "every question made was already in the bank");

done:
    mm_known_free(&known);
    free(got);
    return r->made;
}
