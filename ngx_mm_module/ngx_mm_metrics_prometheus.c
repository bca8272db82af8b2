
/*
 * GET /metrics: Prometheus text.  The edge's own series come from shared
 * memory (ngx_mm_metrics_shm.c, through ngx_mm_metrics_snapshot()); the
 * worker's follow, read from the Redis hash the mm-worker processes keep.
 */


#include "ngx_mm_metrics.h"
#include "mm_stream.h"


#define NGX_MM_WORKER_METRICS  MM_METRICS_KEY


typedef struct {
    u_char                   *body;          /* the edge's own series */
    size_t                    len;
} ngx_mm_metrics_ctx_t;


typedef struct {
    const char               *name;
    const char               *help;
    const char               *type;
    const char               *label;      /* NULL: no label */
} ngx_mm_family_t;


static u_char *ngx_mm_metrics_render(ngx_http_request_t *r, size_t *len);
static u_char *ngx_mm_metrics_row(u_char *p, const ngx_mm_family_t *row,
    const ngx_mm_family_t *family, ngx_atomic_int_t value);
static u_char *ngx_mm_metrics_le(u_char *p, uint64_t usec);
static ngx_int_t ngx_mm_metrics_done(ngx_http_request_t *r,
    redisReply *reply, ngx_mm_call_status_e status, uint64_t usec);
static ngx_int_t ngx_mm_metrics_send(ngx_http_request_t *r,
    ngx_mm_metrics_ctx_t *ctx, redisReply *hash);
static ngx_int_t ngx_mm_metrics_cmp(const void *a, const void *b);
static ngx_uint_t ngx_mm_metrics_valid(redisReply *name, redisReply *value);
static void ngx_mm_metrics_family(redisReply *sample, ngx_str_t *family);


/* one row per stat, in ngx_mm_stat_e order; a NULL name continues a family */
static const ngx_mm_family_t  ngx_mm_stat_rows[NGX_MM_STAT_N] = {
    { "mm_webhook_responses_total",
      "Webhook responses by HTTP status code.", "counter", "code=\"200\"" },
    { NULL, NULL, NULL, "code=\"400\"" },
    { NULL, NULL, NULL, "code=\"401\"" },
    { NULL, NULL, NULL, "code=\"403\"" },
    { NULL, NULL, NULL, "code=\"405\"" },
    { NULL, NULL, NULL, "code=\"413\"" },
    { NULL, NULL, NULL, "code=\"503\"" },
    { NULL, NULL, NULL, "code=\"other\"" },
    { "mm_webhook_update_bytes_total",
      "Bytes of updates stored in the stream.", "counter", NULL },
    { "mm_redis_commands_total",
      "Redis commands sent by request handlers, by outcome.", "counter",
      "result=\"ok\"" },
    { NULL, NULL, NULL, "result=\"error\"" },
    { NULL, NULL, NULL, "result=\"timeout\"" },
    { NULL, NULL, NULL, "result=\"lost\"" },
    { "mm_redis_unavailable_total",
      "Requests answered without asking Redis because it was not connected.",
      "counter", NULL },
    { "mm_redis_connects_total",
      "Redis connections that completed the handshake.", "counter", NULL },
    { "mm_redis_connect_errors_total",
      "Redis connection attempts that failed.", "counter", NULL },
    { "mm_redis_disconnects_total",
      "Ready Redis connections that were lost or dropped.", "counter", NULL },
};


static const ngx_mm_family_t  ngx_mm_gauge_rows[NGX_MM_GAUGE_N] = {
    { "mm_redis_connected",
      "Worker processes with a ready Redis connection.", "gauge", NULL },
    { "mm_redis_pending_commands",
      "Request commands waiting for a Redis reply.", "gauge", NULL },
};


static ngx_str_t  ngx_mm_metrics_type =
    ngx_string("text/plain; version=0.0.4; charset=utf-8");


/*
 * The edge's own series, from one snapshot of shared memory; NULL when out
 * of memory.
 */

static u_char *
ngx_mm_metrics_render(ngx_http_request_t *r, size_t *len)
{
    u_char                     *body, *p;
    size_t                      size;
    ngx_uint_t                  i;
    ngx_mm_metrics_snapshot_t   snap;
    const ngx_mm_family_t      *family;

    /* every line is shorter than 160 bytes */
    size = (NGX_MM_STAT_N + NGX_MM_GAUGE_N + NGX_MM_ACK_BUCKETS + 16) * 160;

    body = ngx_pnalloc(r->pool, size);
    if (body == NULL) {
        return NULL;
    }

    ngx_mm_metrics_snapshot(&snap);

    p = body;
    family = NULL;

    for (i = 0; i < NGX_MM_STAT_N; i++) {
        if (ngx_mm_stat_rows[i].name) {
            family = &ngx_mm_stat_rows[i];
        }

        p = ngx_mm_metrics_row(p, &ngx_mm_stat_rows[i], family,
                               snap.stat[i]);
    }

    for (i = 0; i < NGX_MM_GAUGE_N; i++) {
        p = ngx_mm_metrics_row(p, &ngx_mm_gauge_rows[i],
                               &ngx_mm_gauge_rows[i], snap.gauge[i]);
    }

    p = ngx_sprintf(p, "# HELP mm_webhook_ack_seconds Time from the start "
                    "of a webhook request to Redis acknowledging its update."
                    "\n# TYPE mm_webhook_ack_seconds histogram\n");

    for (i = 0; i < NGX_MM_ACK_BUCKETS; i++) {
        p = ngx_cpymem(p, "mm_webhook_ack_seconds_bucket{le=\"",
                       sizeof("mm_webhook_ack_seconds_bucket{le=\"") - 1);

        if (i < NGX_MM_ACK_BOUNDS) {
            p = ngx_mm_metrics_le(p, ngx_mm_ack_bounds[i]);

        } else {
            p = ngx_cpymem(p, "+Inf", sizeof("+Inf") - 1);
        }

        p = ngx_sprintf(p, "\"} %A\n", snap.ack[i]);
    }

    p = ngx_sprintf(p, "mm_webhook_ack_seconds_sum %uL.%06uL\n"
                    "mm_webhook_ack_seconds_count %A\n",
                    snap.ack_usec / 1000000, snap.ack_usec % 1000000,
                    snap.ack[NGX_MM_ACK_BUCKETS - 1]);

    *len = p - body;

    return body;
}


ngx_int_t
ngx_mm_metrics_handler(ngx_http_request_t *r)
{
    ngx_int_t               rc;
    ngx_mm_metrics_ctx_t   *ctx;
    static const char      *argv[2] = { "HGETALL", NGX_MM_WORKER_METRICS };
    static const size_t     argvlen[2] = {
        sizeof("HGETALL") - 1, sizeof(NGX_MM_WORKER_METRICS) - 1
    };

    rc = ngx_mm_read_only(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    ctx = ngx_palloc(r->pool, sizeof(ngx_mm_metrics_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the snapshot is taken before the Redis round trip it may count */
    ctx->body = ngx_mm_metrics_render(r, &ctx->len);
    if (ctx->body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_set_ctx(r, ctx, ngx_mm_module);

    rc = ngx_mm_call(r, ngx_mm_metrics_done, ngx_mm_usec(), 2, argv, argvlen);

    if (rc == NGX_OK) {
        /* ngx_mm_call() finalizes it; this hold is the handler's own */
        r->main->count++;
        return NGX_DONE;
    }

    return ngx_mm_metrics_send(r, ctx, NULL);
}


/*
 * The worker's series (engine calls, rejects, caches, jobs) are counters
 * the mm-worker processes keep in one Redis hash; they follow the edge's
 * own, or "mm_worker_metrics_up 0" says they could not be read.
 */

static ngx_int_t
ngx_mm_metrics_done(ngx_http_request_t *r, redisReply *reply,
    ngx_mm_call_status_e status, uint64_t usec)
{
    ngx_mm_metrics_ctx_t  *ctx;

    (void) usec;

    ctx = ngx_http_get_module_ctx(r, ngx_mm_module);

    if (status != NGX_MM_CALL_REPLY || reply->type != REDIS_REPLY_ARRAY) {
        return ngx_mm_metrics_send(r, ctx, NULL);
    }

    return ngx_mm_metrics_send(r, ctx, reply);
}


static ngx_int_t
ngx_mm_metrics_send(ngx_http_request_t *r, ngx_mm_metrics_ctx_t *ctx,
    redisReply *hash)
{
    u_char            *body, *p;
    size_t             size, i, n;
    ngx_str_t          family, last;
    redisReply       **pairs;

    size = ctx->len + 128;
    n = hash ? hash->elements / 2 : 0;

    for (i = 0; i < n * 2; i++) {
        if (hash->element[i]->type != REDIS_REPLY_STRING) {
            n = 0;
            break;
        }

        size += hash->element[i]->len * 2 + 64;
    }

    body = ngx_pnalloc(r->pool, size);
    pairs = ngx_palloc(r->pool, (n + 1) * sizeof(redisReply *) * 2);

    if (body == NULL || pairs == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(body, ctx->body, ctx->len);

    /* a family's samples must be one group: sort them by name */
    for (i = 0; i < n; i++) {
        pairs[2 * i] = hash->element[2 * i];
        pairs[2 * i + 1] = hash->element[2 * i + 1];
    }

    ngx_sort(pairs, n, 2 * sizeof(redisReply *), ngx_mm_metrics_cmp);

    ngx_str_null(&last);

    for (i = 0; i < n; i++) {
        if (!ngx_mm_metrics_valid(pairs[2 * i], pairs[2 * i + 1])) {
            continue;
        }

        ngx_mm_metrics_family(pairs[2 * i], &family);

        if (family.len != last.len
            || ngx_strncmp(family.data, last.data, family.len) != 0)
        {
            p = ngx_sprintf(p, "# TYPE %V %s\n", &family,
                            family.len > 6
                            && ngx_strncmp(family.data + family.len - 6,
                                           "_total", 6) == 0
                            ? "counter" : "histogram");
            last = family;
        }

        p = ngx_sprintf(p, "%*s %*s\n",
                        pairs[2 * i]->len, pairs[2 * i]->str,
                        pairs[2 * i + 1]->len, pairs[2 * i + 1]->str);
    }

    p = ngx_sprintf(p, "# TYPE mm_worker_metrics_up gauge\n"
                    "mm_worker_metrics_up %d\n", hash ? 1 : 0);

    return ngx_mm_send(r, NGX_HTTP_OK, &ngx_mm_metrics_type, body, p - body);
}


static ngx_int_t
ngx_mm_metrics_cmp(const void *a, const void *b)
{
    redisReply  *x = *(redisReply **) a, *y = *(redisReply **) b;
    ngx_int_t    rc;

    rc = ngx_memcmp(x->str, y->str, ngx_min(x->len, y->len));

    return rc ? rc : (ngx_int_t) x->len - (ngx_int_t) y->len;
}


/*
 * What the worker wrote must stay Prometheus text whatever it is:
 * name{label="value",...} and a decimal number, nothing else.
 */

static ngx_uint_t
ngx_mm_metrics_valid(redisReply *name, redisReply *value)
{
    size_t   i;
    u_char   c;

    if (name->len == 0 || name->len > 200
        || value->len == 0 || value->len > 32)
    {
        return 0;
    }

    for (i = 0; i < name->len; i++) {
        c = name->str[i];

        if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z')
            && !(c >= '0' && c <= '9') && c != '_'
            && (c == '\0' || ngx_strchr("{}=\",.+-", c) == NULL))
        {
            return 0;
        }
    }

    for (i = 0; i < value->len; i++) {
        c = value->str[i];

        if (!(c >= '0' && c <= '9') && c != '.' && c != '-' && c != 'e') {
            return 0;
        }
    }

    return 1;
}


/* the family of a sample: its name without labels and histogram suffixes */

static void
ngx_mm_metrics_family(redisReply *sample, ngx_str_t *family)
{
    size_t       len;
    ngx_uint_t   i;
    static const char  *suffix[] = { "_bucket", "_sum", "_count" };

    for (len = 0; len < sample->len && sample->str[len] != '{'; len++) {
        /* void */
    }

    for (i = 0; i < 3; i++) {
        size_t  n = ngx_strlen(suffix[i]);

        if (len > n && ngx_strncmp(sample->str + len - n, suffix[i], n) == 0) {
            len -= n;
            break;
        }
    }

    family->data = (u_char *) sample->str;
    family->len = len;
}


static u_char *
ngx_mm_metrics_row(u_char *p, const ngx_mm_family_t *row,
    const ngx_mm_family_t *family, ngx_atomic_int_t value)
{
    if (row->name) {
        p = ngx_sprintf(p, "# HELP %s %s\n# TYPE %s %s\n",
                        row->name, row->help, row->name, row->type);
    }

    if (row->label) {
        return ngx_sprintf(p, "%s{%s} %A\n", family->name, row->label, value);
    }

    return ngx_sprintf(p, "%s %A\n", family->name, value);
}


/* a bound in microseconds as the shortest decimal of seconds: "0.00025" */

static u_char *
ngx_mm_metrics_le(u_char *p, uint64_t usec)
{
    u_char      frac[NGX_INT64_LEN];
    ngx_uint_t  n;

    p = ngx_sprintf(p, "%uL", usec / 1000000);

    if (usec % 1000000 == 0) {
        return p;
    }

    (void) ngx_sprintf(frac, "%06uL", usec % 1000000);

    for (n = 6; frac[n - 1] == '0'; n--) {
        /* void */
    }

    *p++ = '.';

    return ngx_cpymem(p, frac, n);
}
