#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "mm_buf.h"
#include "store/mm_db.h"
#include "telegram/mm_flood.h"
#include "telegram/mm_sender.h"
#include "telegram/mm_tg.h"

#define MM_SENDER_CONCURRENCY 64
#define MM_SENDER_ATTEMPTS    6         /* of an express reply: 5xx/transport, not 429s */
#define MM_SENDER_BACKOFF_MS  30000LL   /* the longest pause between two tries */
#define MM_SENDER_TIMEOUT_MS  30000L
#define MM_SENDER_SWEEP_MS    1000
#define MM_CHAT_BUCKETS       4096

/* the replies of one chat, in order, one in flight at a time */
typedef struct mm_chat_q {
    struct mm_chat_q *hnext;            /* hash chain */
    struct mm_chat_q *anext, **aprev;   /* active list: chats with queued replies */
    int64_t chat_id;
    mm_out *head, **tail;
    int inflight;
    mm_bucket bucket;
    long long idle_since;
} mm_chat_q;

typedef struct mm_transfer {
    struct mm_transfer *next, **prev;   /* in flight, so stop can free them */
    CURL *easy;
    struct curl_slist *headers;
    mm_buf body;
    mm_out *out;
    mm_chat_q *chat;                    /* NULL for express replies */
    char url[1024];
} mm_transfer;

struct mm_sender {
    mm_ctx *ctx;
    pthread_t thread;
    pthread_mutex_t lock;
    mm_out *inbox, **inbox_tail;        /* filled by handler threads */
    atomic_int draining;
    atomic_llong drain_deadline;
    CURLM *multi;
    mm_db db;
    mm_chat_q *chats[MM_CHAT_BUCKETS];
    mm_chat_q *active, **active_tail;   /* oldest waiting first */
    mm_out *express, **express_tail;    /* not rate limited, not ordered */
    mm_bucket global;
    int inflight;
    mm_transfer *transfers;
    mm_buf sent_ids, sent_mids, failed_ids, failed_errs;
    long long last_sweep;
};

mm_out *mm_out_new(int64_t chat_id, const char *method, const char *params) {
    mm_out *o = calloc(1, sizeof(*o));

    if (o == NULL)
        return NULL;
    o->chat_id = chat_id;
    snprintf(o->method, sizeof(o->method), "%s", method);
    o->params = strdup(params);
    if (o->params == NULL) {
        free(o);
        return NULL;
    }
    return o;
}

void mm_out_free(mm_out *o) {
    if (o) {
        free(o->params);
        free(o);
    }
}

static mm_chat_q *mm_chat_get(mm_sender *s, int64_t chat_id, int is_group) {
    size_t h = (size_t) ((uint64_t) chat_id * 0x9e3779b97f4a7c15ULL >> 52) % MM_CHAT_BUCKETS;
    mm_chat_q *c;

    for (c = s->chats[h]; c; c = c->hnext)
        if (c->chat_id == chat_id)
            return c;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->chat_id = chat_id;
    c->tail = &c->head;
    if (is_group)
        mm_bucket_init(&c->bucket, s->ctx->cfg.rate_group_per_min / 60.0, 3, mm_mono_ms());
    else
        mm_bucket_init(&c->bucket, s->ctx->cfg.rate_chat, 3, mm_mono_ms());
    c->hnext = s->chats[h];
    s->chats[h] = c;
    return c;
}

/* A chat with replies joins the end of the active list: dispatch walks it
 * from the front, so the chat that has waited longest is served first
 * (new chats in front would starve the others under a backlog). */
static void mm_chat_activate(mm_sender *s, mm_chat_q *c) {
    if (c->aprev)
        return;
    c->anext = NULL;
    c->aprev = s->active_tail;
    *s->active_tail = c;
    s->active_tail = &c->anext;
}

static void mm_chat_deactivate(mm_sender *s, mm_chat_q *c) {
    if (!c->aprev)
        return;
    *c->aprev = c->anext;
    if (c->anext)
        c->anext->aprev = c->aprev;
    else
        s->active_tail = c->aprev;
    c->aprev = NULL;
    c->anext = NULL;
}

/* queues o behind (or, for a retry, ahead of) what its chat has */
static void mm_enqueue(mm_sender *s, mm_out *o, int front) {
    mm_chat_q *c;

    o->next = NULL;
    if (o->outbox_id == 0) {
        *s->express_tail = o;
        s->express_tail = &o->next;
        return;
    }
    c = mm_chat_get(s, o->chat_id, o->is_group);
    if (c == NULL) {
        mm_log_error(&s->ctx->log, "sender", "out of memory queueing a reply");
        mm_out_free(o);
        return;
    }
    if (front) {
        o->next = c->head;
        c->head = o;
        if (c->tail == &c->head)
            c->tail = &o->next;
    } else {
        *c->tail = o;
        c->tail = &o->next;
    }
    mm_chat_activate(s, c);
}

void mm_sender_push(mm_sender *s, mm_out *list) {
    mm_out *last = list;

    if (list == NULL)
        return;
    while (last->next)
        last = last->next;
    pthread_mutex_lock(&s->lock);
    *s->inbox_tail = list;
    s->inbox_tail = &last->next;
    pthread_mutex_unlock(&s->lock);
    curl_multi_wakeup(s->multi);
}

static void mm_start_transfer(mm_sender *s, mm_out *o, mm_chat_q *c) {
    mm_transfer *t = calloc(1, sizeof(*t));

    if (t == NULL || (t->easy = curl_easy_init()) == NULL) {
        free(t);
        mm_log_error(&s->ctx->log, "sender", "out of memory starting a request");
        if (c)
            mm_enqueue(s, o, 1);
        else
            mm_out_free(o);
        return;
    }
    t->out = o;
    t->chat = c;
    mm_buf_init(&t->body);
    mm_tg_url(&s->ctx->cfg, o->method, t->url, sizeof(t->url));
    t->headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(t->easy, CURLOPT_URL, t->url);
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, o->params);
    curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, mm_buf_curl_write);
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, &t->body);
    curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, MM_SENDER_TIMEOUT_MS);
    curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    if (c)
        c->inflight = 1;
    s->inflight++;
    t->next = s->transfers;
    if (t->next)
        t->next->prev = &t->next;
    t->prev = &s->transfers;
    s->transfers = t;
    curl_multi_add_handle(s->multi, t->easy);
}

/* A durable reply whose lease is running out is re-leased first; 0 rows
 * means another worker took it over, so this one must not send it. */
static int mm_keep_lease(mm_sender *s, mm_out *o, long long now) {
    mm_params p;
    long long kept;

    if (o->outbox_id == 0 || now < o->lease_deadline_ms - 5000)
        return 1;
    mm_params_init(&p, MM_SQL_OUTBOX_EXTEND);
    mm_param_ll(&p, o->outbox_id);
    mm_param_str(&p, s->ctx->instance);
    mm_param_int(&p, s->ctx->cfg.outbox_lease_ms);
    if (mm_db_ensure(&s->db) || (kept = mm_db_count(&s->db, &p)) < 0) {
        mm_log_warn(&s->ctx->log, "sender", "outbox lease: %s", s->db.err);
        return 1;       /* try sending: a duplicate beats a lost reply */
    }
    if (kept == 1)
        o->lease_deadline_ms = now + s->ctx->cfg.outbox_lease_ms;
    return kept;
}

/* Starts what may leave now; returns ms until the next reply may. */
static long long mm_dispatch(mm_sender *s, long long now) {
    long long next = 1000;
    mm_chat_q *c, *cn;

    while (s->express && s->inflight < MM_SENDER_CONCURRENCY) {
        mm_out *o = s->express;
        s->express = o->next;
        if (s->express == NULL)
            s->express_tail = &s->express;
        mm_start_transfer(s, o, NULL);
    }
    for (c = s->active; c && s->inflight < MM_SENDER_CONCURRENCY; c = cn) {
        long long wait;
        mm_out *o = c->head;
        cn = c->anext;
        if (c->inflight)
            continue;
        if (o == NULL) {
            mm_chat_deactivate(s, c);
            c->idle_since = now;
            continue;
        }
        wait = o->not_before_ms - now;
        if (mm_bucket_wait(&c->bucket, now) > wait)
            wait = mm_bucket_wait(&c->bucket, now);
        if (mm_bucket_wait(&s->global, now) > wait)
            wait = mm_bucket_wait(&s->global, now);
        if (wait > 0) {
            if (wait < next)
                next = wait;
            continue;
        }
        c->head = o->next;
        if (c->head == NULL)
            c->tail = &c->head;
        if (!mm_keep_lease(s, o, now)) {
            mm_out_free(o);
            continue;
        }
        mm_bucket_take(&c->bucket, now);
        mm_bucket_take(&s->global, now);
        mm_start_transfer(s, o, c);
    }
    return next;
}

static void mm_note_done(mm_sender *s, mm_out *o, int64_t message_id, const char *error) {
    if (o->outbox_id == 0)
        return;
    if (error == NULL) {
        mm_buf_printf(&s->sent_ids, "%s%lld", s->sent_ids.len ? "," : "",
                      (long long) o->outbox_id);
        mm_buf_printf(&s->sent_mids, "%s%lld", s->sent_mids.len ? "," : "",
                      (long long) message_id);
    } else {
        mm_buf_printf(&s->failed_ids, "%s%lld", s->failed_ids.len ? "," : "",
                      (long long) o->outbox_id);
        mm_buf_adds(&s->failed_errs, s->failed_errs.len ? ",\"" : "\"");
        for (const char *p = error; *p; p++) {
            if (*p == '"' || *p == '\\')
                mm_buf_add(&s->failed_errs, "\\", 1);
            mm_buf_add(&s->failed_errs, p, 1);
        }
        mm_buf_adds(&s->failed_errs, "\"");
    }
}

static void mm_free_transfer(mm_sender *s, mm_transfer *t) {
    *t->prev = t->next;
    if (t->next)
        t->next->prev = t->prev;
    curl_multi_remove_handle(s->multi, t->easy);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    mm_buf_free(&t->body);
    free(t);
}

/* Whether o may be tried again after a retryable failure (429, 5xx, no
 * answer), counting the try: a durable reply until it is MM_OUTBOX_GIVE_UP
 * old, so that an outage of the Bot API loses nothing; an express one (a
 * callback's answer, stale within seconds) MM_SENDER_ATTEMPTS times, 429s
 * aside. */
static int mm_may_retry(mm_sender *s, mm_out *o, const mm_tg_result *r, long long now) {
    if (r->error_code != 429)
        o->attempts++;
    if (o->outbox_id)
        return now - o->born_ms < s->ctx->cfg.outbox_give_up_s * 1000LL;
    return r->error_code == 429 || o->attempts < MM_SENDER_ATTEMPTS;
}

static void mm_finish_transfer(mm_sender *s, mm_transfer *t, CURLcode rc) {
    mm_out *o = t->out;
    mm_tg_result r;
    long status = 0;
    long long now = mm_mono_ms();
    mm_log_ids ids = { o->chat_id, 0, 0 };

    s->inflight--;
    if (t->chat)
        t->chat->inflight = 0;
    if (rc != CURLE_OK) {
        memset(&r, 0, sizeof(r));
        snprintf(r.description, sizeof(r.description), "%s", curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        mm_tg_parse(status, t->body.data ? t->body.data : "", t->body.len, &r);
    }

    if (r.ok) {
        json_t *mid = json_object_get(r.result, "message_id");
        mm_note_done(s, o, json_is_integer(mid) ? json_integer_value(mid) : 0, NULL);
        mm_out_free(o);
    } else if (r.error_code == 400 && strstr(r.description, "message is not modified")) {
        mm_note_done(s, o, 0, NULL);            /* what we wanted is on screen */
        mm_out_free(o);
    } else if (mm_tg_retryable(&r) && mm_may_retry(s, o, &r, now)) {
        int doublings = o->attempts < 2 ? 0 : o->attempts > 7 ? 6 : o->attempts - 1;
        long long pause = r.retry_after > 0 ? r.retry_after * 1000LL : 500LL << doublings;

        if (r.retry_after <= 0 && pause > MM_SENDER_BACKOFF_MS)
            pause = MM_SENDER_BACKOFF_MS;
        mm_logf(&s->ctx->log, MM_LOG_WARN, "sender", &ids, "%s: %s; retrying in %lld ms",
                o->method, r.description, pause);
        if (t->chat && r.error_code == 429)
            mm_bucket_pause(&t->chat->bucket, now, pause);
        else if (r.error_code == 429)
            mm_bucket_pause(&s->global, now, pause);
        o->not_before_ms = now + pause;
        /* ahead of its chat's later replies: they wait, in order */
        mm_enqueue(s, o, t->chat != NULL);
    } else {
        mm_logf(&s->ctx->log, MM_LOG_WARN, "sender", &ids, "%s failed for good%s: %s", o->method,
                mm_tg_retryable(&r) ? " (retried too long)" : "", r.description);
        mm_note_done(s, o, 0, r.description);
        mm_out_free(o);
    }
    mm_tg_result_free(&r);
    mm_free_transfer(s, t);
}

/* Runs one outbox statement over two collected lists as arrays, then
 * empties them; 0, or -1 with the lists kept for the next flush (emptied,
 * the replies would look unsent and a sweep would send them again). */
static int mm_flush_one(mm_sender *s, mm_sql sql, mm_buf *x, mm_buf *y, const char *what) {
    mm_buf a, b;
    mm_params p;
    int rc;

    if (x->len == 0)
        return 0;
    mm_buf_init(&a);
    mm_buf_init(&b);
    mm_buf_printf(&a, "{%s}", x->data);
    mm_buf_printf(&b, "{%s}", y->data);
    mm_params_init(&p, sql);
    mm_param_str(&p, a.data);
    mm_param_str(&p, b.data);
    rc = mm_db_ensure(&s->db) || mm_db_do(&s->db, &p) ? -1 : 0;
    if (rc)
        mm_log_error(&s->ctx->log, "sender", "marking replies %s: %s", what, s->db.err);
    mm_buf_free(&a);
    mm_buf_free(&b);
    if (rc == 0) {
        mm_buf_reset(x);
        mm_buf_reset(y);
    }
    return rc;
}

/* Records sent and failed replies in the outbox, one statement each; 0,
 * or -1 when some are still to record. */
static int mm_flush(mm_sender *s) {
    int sent = mm_flush_one(s, MM_SQL_OUTBOX_SENT, &s->sent_ids, &s->sent_mids, "sent");

    return mm_flush_one(s, MM_SQL_OUTBOX_FAILED, &s->failed_ids, &s->failed_errs, "failed")
           | sent;
}

/* Whether this sender holds reply id (queued for its chat, or in flight):
 * a row whose lease ran out while its transaction was long is claimed by
 * our own sweep too, and must not be queued twice. */
static int mm_holds(mm_sender *s, int64_t chat_id, long long id) {
    size_t h = (size_t) ((uint64_t) chat_id * 0x9e3779b97f4a7c15ULL >> 52) % MM_CHAT_BUCKETS;

    for (mm_chat_q *c = s->chats[h]; c; c = c->hnext)
        for (mm_out *o = c->chat_id == chat_id ? c->head : NULL; o; o = o->next)
            if (o->outbox_id == id)
                return 1;
    for (mm_transfer *t = s->transfers; t; t = t->next)
        if (t->out->outbox_id == id)
            return 1;
    return 0;
}

typedef struct mm_row_order {
    long long id;
    int row;
} mm_row_order;

static int mm_row_cmp(const void *a, const void *b) {
    long long x = ((const mm_row_order *) a)->id, y = ((const mm_row_order *) b)->id;
    return (x > y) - (x < y);
}

/* Frees the queues of chats that have been quiet for a minute. */
static void mm_forget_idle(mm_sender *s, long long now) {
    for (size_t i = 0; i < MM_CHAT_BUCKETS; i++)
        for (mm_chat_q **pc = &s->chats[i], *c; (c = *pc) != NULL;) {
            if (c->head == NULL && !c->inflight && !c->aprev && now - c->idle_since > 60000) {
                *pc = c->hnext;
                free(c);
            } else {
                pc = &c->hnext;
            }
        }
}

static int mm_out_cmp(const void *a, const void *b) {
    long long x = (*(mm_out *const *) a)->outbox_id, y = (*(mm_out *const *) b)->outbox_id;
    return (x > y) - (x < y);
}

/* Adds o to the replies whose lease is to be renewed, when it is durable and
 * its lease is half spent; 0, or -1 out of memory. */
static int mm_renew_add(mm_out ***held, size_t *n, size_t *cap, mm_out *o, long long due) {
    if (o->outbox_id == 0 || o->lease_deadline_ms > due)
        return 0;
    if (*n == *cap) {
        size_t more = *cap ? 2 * *cap : 64;
        mm_out **h = realloc(*held, more * sizeof(*h));
        if (h == NULL)
            return -1;
        *held = h;
        *cap = more;
    }
    (*held)[(*n)++] = o;
    return 0;
}

/* Renews the leases of the replies this sender holds (queued behind flood
 * limits or a busy chat, or in flight) before they run out, so that no
 * sweep, ours or another worker's, takes them and sends them twice.  A row
 * that is no longer ours is checked again before it is sent
 * (mm_keep_lease).  0, or -1 when the renewal failed. */
static int mm_renew(mm_sender *s, long long now) {
    long long lease = s->ctx->cfg.outbox_lease_ms, due = now + lease / 2 + MM_SENDER_SWEEP_MS;
    mm_out **held = NULL, *key, **found;
    size_t n = 0, cap = 0;
    mm_params p;
    PGresult *res;
    mm_buf ids;
    int rc = 0;

    for (size_t i = 0; i < MM_CHAT_BUCKETS && rc == 0; i++)
        for (mm_chat_q *c = s->chats[i]; c && rc == 0; c = c->hnext)
            for (mm_out *o = c->head; o && rc == 0; o = o->next)
                rc = mm_renew_add(&held, &n, &cap, o, due);
    for (mm_transfer *t = s->transfers; t && rc == 0; t = t->next)
        rc = mm_renew_add(&held, &n, &cap, t->out, due);
    if (rc || n == 0) {
        free(held);
        return rc;
    }
    qsort(held, n, sizeof(*held), mm_out_cmp);
    mm_buf_init(&ids);
    mm_buf_adds(&ids, "{");
    for (size_t i = 0; i < n; i++)
        mm_buf_printf(&ids, "%s%lld", i ? "," : "", (long long) held[i]->outbox_id);
    mm_buf_adds(&ids, "}");
    mm_params_init(&p, MM_SQL_OUTBOX_RENEW);
    mm_param_str(&p, ids.data);
    mm_param_str(&p, s->ctx->instance);
    mm_param_ll(&p, lease);
    if (mm_db_ensure(&s->db) || (res = mm_db_query(&s->db, &p)) == NULL) {
        mm_log_warn(&s->ctx->log, "sender", "renewing outbox leases: %s", s->db.err);
        rc = -1;
    } else {
        for (size_t i = 0; i < n; i++)
            held[i]->lease_deadline_ms = 0;     /* not ours unless renewed */
        for (int i = 0; i < PQntuples(res); i++) {
            mm_out probe = { .outbox_id = mm_col_ll(res, i, 0) };
            key = &probe;
            found = bsearch(&key, held, n, sizeof(*held), mm_out_cmp);
            if (found)
                (*found)->lease_deadline_ms = now + lease;
        }
        PQclear(res);
    }
    mm_buf_free(&ids);
    free(held);
    return rc;
}

/* Takes over outbox rows whose lease ran out (their worker died); the rows
 * this sender holds were renewed first. */
static void mm_sweep(mm_sender *s, long long now) {
    mm_row_order *rows;
    mm_params p;
    PGresult *res;
    int n;

    s->last_sweep = now;
    mm_forget_idle(s, now);
    /* what was sent must be on record before anything unsent is claimed */
    if (mm_flush(s) || mm_renew(s, now))
        return;
    mm_params_init(&p, MM_SQL_OUTBOX_CLAIM);
    mm_param_str(&p, s->ctx->instance);
    mm_param_int(&p, s->ctx->cfg.outbox_lease_ms);
    if (mm_db_ensure(&s->db) || (res = mm_db_query(&s->db, &p)) == NULL) {
        mm_log_warn(&s->ctx->log, "sender", "outbox sweep: %s", s->db.err);
        return;
    }
    n = PQntuples(res);
    /* RETURNING gives no order: queue by id so each chat keeps its order */
    rows = calloc((size_t) n + 1, sizeof(*rows));
    for (int i = 0; rows && i < n; i++) {
        rows[i].id = mm_col_ll(res, i, MM_OUTBOX_ID);
        rows[i].row = i;
    }
    if (rows)
        qsort(rows, (size_t) n, sizeof(*rows), mm_row_cmp);
    for (int i = 0; rows && i < n; i++) {
        int r = rows[i].row;
        mm_out *o;

        if (mm_holds(s, mm_col_ll(res, r, MM_OUTBOX_CHAT), rows[i].id))
            continue;           /* ours already: its lease is renewed now */
        o = mm_out_new(mm_col_ll(res, r, MM_OUTBOX_CHAT), mm_col_str(res, r, MM_OUTBOX_METHOD),
                       mm_col_str(res, r, MM_OUTBOX_PARAMS));
        if (o == NULL)
            continue;
        o->outbox_id = rows[i].id;
        o->is_group = o->chat_id < 0;
        o->lease_deadline_ms = now + s->ctx->cfg.outbox_lease_ms;
        o->born_ms = now;
        mm_enqueue(s, o, 0);
    }
    free(rows);
    if (n)
        mm_log_info(&s->ctx->log, "sender", "took over %d unsent replies", n);
    PQclear(res);
}

static int mm_queues_empty(mm_sender *s) {
    int empty;

    pthread_mutex_lock(&s->lock);
    empty = s->inbox == NULL;
    pthread_mutex_unlock(&s->lock);
    return empty && s->active == NULL && s->express == NULL && s->inflight == 0;
}

static void *mm_sender_main(void *arg) {
    mm_sender *s = arg;

    for (;;) {
        long long now = mm_mono_ms(), wait;
        mm_out *in, *next;
        CURLMsg *msg;
        int running, left;

        pthread_mutex_lock(&s->lock);
        in = s->inbox;
        s->inbox = NULL;
        s->inbox_tail = &s->inbox;
        pthread_mutex_unlock(&s->lock);
        for (; in; in = next) {
            next = in->next;
            if (in->lease_deadline_ms == 0)
                in->lease_deadline_ms = now + s->ctx->cfg.outbox_lease_ms;
            if (in->born_ms == 0)
                in->born_ms = now;
            mm_enqueue(s, in, 0);
        }
        if (atomic_load(&s->draining)
            && (mm_queues_empty(s) || now > atomic_load(&s->drain_deadline)))
            break;
        if (!atomic_load(&s->draining) && now - s->last_sweep >= MM_SENDER_SWEEP_MS)
            mm_sweep(s, now);

        wait = mm_dispatch(s, now);
        curl_multi_perform(s->multi, &running);
        while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
            mm_transfer *t;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
            mm_finish_transfer(s, t, msg->data.result);
            /* at once: a crash sends again only what was in flight */
            mm_flush(s);
            wait = 0;
        }
        if (wait > 0)
            curl_multi_poll(s->multi, NULL, 0, (int) (wait < 200 ? wait : 200), NULL);
    }
    mm_flush(s);
    return NULL;
}

mm_sender *mm_sender_start(mm_ctx *ctx) {
    mm_sender *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->ctx = ctx;
    s->inbox_tail = &s->inbox;
    s->express_tail = &s->express;
    s->active_tail = &s->active;
    pthread_mutex_init(&s->lock, NULL);
    mm_bucket_init(&s->global, ctx->cfg.rate_global,
                   ctx->cfg.rate_global > 0 ? ctx->cfg.rate_global : 1, mm_mono_ms());
    s->multi = curl_multi_init();
    /* The outbox grows and shrinks faster than its statistics: a plan made
     * while it looked empty scanned it whole for every batch of ids.  The
     * sender only ever needs its indexes. */
    s->db.on_connect = "SET enable_seqscan = off";
    if (s->multi == NULL || mm_db_open(&s->db, ctx->cfg.database_url)) {
        mm_log_error(&ctx->log, "sender", "cannot start: %s",
                     s->multi ? s->db.err : "curl_multi_init failed");
        goto failed;
    }
    curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) MM_SENDER_CONCURRENCY);
    if (pthread_create(&s->thread, NULL, mm_sender_main, s)) {
        mm_log_error(&ctx->log, "sender", "cannot start its thread");
        goto failed;
    }
    return s;

failed:
    mm_db_close(&s->db);
    if (s->multi)
        curl_multi_cleanup(s->multi);
    free(s);
    return NULL;
}

void mm_sender_stop(mm_sender *s, int drain_ms) {
    atomic_store(&s->drain_deadline, mm_mono_ms() + drain_ms);
    atomic_store(&s->draining, 1);
    curl_multi_wakeup(s->multi);
    pthread_join(s->thread, NULL);

    /* what did not leave in time: durable rows wait in the outbox */
    for (mm_out *o = s->express, *n; o; o = n) {
        n = o->next;
        mm_out_free(o);
    }
    for (size_t i = 0; i < MM_CHAT_BUCKETS; i++)
        for (mm_chat_q *c = s->chats[i], *cn; c; c = cn) {
            cn = c->hnext;
            for (mm_out *o = c->head, *n; o; o = n) {
                n = o->next;
                mm_out_free(o);
            }
            free(c);
        }
    for (mm_out *o = s->inbox, *n; o; o = n) {
        n = o->next;
        mm_out_free(o);
    }
    /* transfers still in flight at the deadline are abandoned */
    while (s->transfers) {
        mm_out_free(s->transfers->out);
        mm_free_transfer(s, s->transfers);
    }
    curl_multi_cleanup(s->multi);
    mm_db_close(&s->db);
    mm_buf_free(&s->sent_ids);
    mm_buf_free(&s->sent_mids);
    mm_buf_free(&s->failed_ids);
    mm_buf_free(&s->failed_errs);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
