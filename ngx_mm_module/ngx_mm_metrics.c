
/*
 * Metrics in shared memory, summed over every worker process at /metrics.
 *
 * Counters are striped by process slot so two workers rarely bump the same
 * cache line; every update is an atomic add, so a shared stripe is only
 * slower, never wrong.  Gauges live in the process's own slot, which it
 * clears when it starts, so a replaced worker leaves nothing behind.  The
 * zone outlives a configuration reload when its size does not change.
 */


#include "ngx_mm_metrics.h"


#define NGX_MM_STRIPES  16
#define NGX_MM_BUCKETS  (sizeof(ngx_mm_ack_bounds) / sizeof(uint64_t) + 1)


/* acknowledgement-latency histogram upper bounds, microseconds */
static const uint64_t  ngx_mm_ack_bounds[] = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
    500000, 1000000, 2500000
};

static const char  *ngx_mm_ack_le[] = {
    "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"
};


typedef struct {
    ngx_atomic_t              stat[NGX_MM_STAT_N];
    ngx_atomic_t              ack[NGX_MM_BUCKETS];     /* not cumulative */
    ngx_atomic_t              ack_usec;
} ngx_mm_stripe_t;


typedef struct {
    union {
        ngx_mm_stripe_t       s;
        u_char                cache_lines[ngx_align(sizeof(ngx_mm_stripe_t),
                                                    128)];
    } stripe[NGX_MM_STRIPES];

    /* a cache line per process: gauges change on every request */
    union {
        ngx_atomic_t          g[NGX_MM_GAUGE_N];
        u_char                cache_line[64];
    } gauge[NGX_MAX_PROCESSES];
} ngx_mm_metrics_shm_t;


typedef struct {
    u_char                   *body;          /* the edge's own series */
    size_t                    len;
} ngx_mm_metrics_ctx_t;


#define NGX_MM_WORKER_METRICS  "mm:metrics"


static ngx_int_t ngx_mm_metrics_done(ngx_http_request_t *r,
    redisReply *reply, ngx_mm_call_status_e status, uint64_t usec);
static ngx_int_t ngx_mm_metrics_send(ngx_http_request_t *r,
    ngx_mm_metrics_ctx_t *ctx, redisReply *hash);
static ngx_int_t ngx_mm_metrics_cmp(const void *a, const void *b);
static ngx_uint_t ngx_mm_metrics_valid(redisReply *name, redisReply *value);
static void ngx_mm_metrics_family(redisReply *sample, ngx_str_t *family);


typedef struct {
    const char               *name;
    const char               *help;
    const char               *type;
    const char               *label;      /* NULL: no label */
} ngx_mm_family_t;


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


static ngx_int_t ngx_mm_metrics_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static u_char *ngx_mm_metrics_row(u_char *p, const ngx_mm_family_t *row,
    const ngx_mm_family_t *family, ngx_atomic_int_t value);


static ngx_mm_metrics_shm_t  *ngx_mm_metrics_shm;
static ngx_str_t  ngx_mm_metrics_type =
    ngx_string("text/plain; version=0.0.4; charset=utf-8");


ngx_int_t
ngx_mm_metrics_add_zone(ngx_conf_t *cf, ngx_mm_main_conf_t *mmcf)
{
    size_t     size;
    ngx_str_t  name = ngx_string("ngx_mm_metrics");

    size = ngx_align(sizeof(ngx_mm_metrics_shm_t), ngx_pagesize)
           + 8 * ngx_pagesize;

    mmcf->metrics_zone = ngx_shared_memory_add(cf, &name, size,
                                               &ngx_mm_module);
    if (mmcf->metrics_zone == NULL) {
        return NGX_ERROR;
    }

    mmcf->metrics_zone->init = ngx_mm_metrics_init_zone;

    return NGX_OK;
}


static ngx_int_t
ngx_mm_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    if (data) {
        shm_zone->data = data;
        ngx_mm_metrics_shm = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        ngx_mm_metrics_shm = shpool->data;
        return NGX_OK;
    }

    ngx_mm_metrics_shm = ngx_slab_calloc(shpool,
                                         sizeof(ngx_mm_metrics_shm_t));
    if (ngx_mm_metrics_shm == NULL) {
        return NGX_ERROR;
    }

    shpool->data = ngx_mm_metrics_shm;
    shm_zone->data = ngx_mm_metrics_shm;

    return NGX_OK;
}


void
ngx_mm_metrics_init_process(void)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_MM_GAUGE_N; i++) {
        ngx_mm_metrics_shm->gauge[ngx_process_slot].g[i] = 0;
    }
}


void
ngx_mm_metrics_add(ngx_mm_stat_e stat, ngx_atomic_int_t n)
{
    ngx_mm_stripe_t  *s;

    s = &ngx_mm_metrics_shm->stripe[ngx_process_slot % NGX_MM_STRIPES].s;

    (void) ngx_atomic_fetch_add(&s->stat[stat], n);
}


void
ngx_mm_metrics_gauge(ngx_mm_gauge_e gauge, ngx_atomic_int_t delta)
{
    (void) ngx_atomic_fetch_add(
                            &ngx_mm_metrics_shm->gauge[ngx_process_slot].g[gauge],
                            delta);
}


void
ngx_mm_metrics_observe_ack(uint64_t usec)
{
    ngx_uint_t        i;
    ngx_mm_stripe_t  *s;

    for (i = 0; i < NGX_MM_BUCKETS - 1; i++) {
        if (usec <= ngx_mm_ack_bounds[i]) {
            break;
        }
    }

    s = &ngx_mm_metrics_shm->stripe[ngx_process_slot % NGX_MM_STRIPES].s;

    (void) ngx_atomic_fetch_add(&s->ack[i], 1);
    (void) ngx_atomic_fetch_add(&s->ack_usec, (ngx_atomic_int_t) usec);
}


/* counts what the webhook answered, 413s from nginx's own checks too */

ngx_int_t
ngx_mm_metrics_log_handler(ngx_http_request_t *r)
{
    ngx_mm_stat_e       stat;
    ngx_mm_loc_conf_t  *mlcf;

    mlcf = ngx_http_get_module_loc_conf(r, ngx_mm_module);

    if (mlcf == NULL || !mlcf->webhook) {
        return NGX_OK;
    }

    switch (r->headers_out.status) {
    case NGX_HTTP_OK:
        stat = NGX_MM_STAT_WEBHOOK_200;
        break;
    case NGX_HTTP_BAD_REQUEST:
        stat = NGX_MM_STAT_WEBHOOK_400;
        break;
    case NGX_HTTP_UNAUTHORIZED:
        stat = NGX_MM_STAT_WEBHOOK_401;
        break;
    case NGX_HTTP_FORBIDDEN:
        stat = NGX_MM_STAT_WEBHOOK_403;
        break;
    case NGX_HTTP_NOT_ALLOWED:
        stat = NGX_MM_STAT_WEBHOOK_405;
        break;
    case NGX_HTTP_REQUEST_ENTITY_TOO_LARGE:
        stat = NGX_MM_STAT_WEBHOOK_413;
        break;
    case NGX_HTTP_SERVICE_UNAVAILABLE:
        stat = NGX_MM_STAT_WEBHOOK_503;
        break;
    default:
        stat = NGX_MM_STAT_WEBHOOK_OTHER;
    }

    ngx_mm_metrics_add(stat, 1);

    return NGX_OK;
}


/* the edge's own series, from shared memory; NULL when out of memory */

static u_char *
ngx_mm_metrics_render(ngx_http_request_t *r, size_t *len)
{
    u_char                  *body, *p;
    size_t                   size;
    uint64_t                 usec;
    ngx_uint_t               i, j;
    ngx_atomic_int_t         total, value;
    ngx_mm_stripe_t         *s;
    const ngx_mm_family_t   *family;

    /* every line is shorter than 160 bytes */
    size = (NGX_MM_STAT_N + NGX_MM_GAUGE_N + NGX_MM_BUCKETS + 16) * 160;

    body = ngx_pnalloc(r->pool, size);
    if (body == NULL) {
        return NULL;
    }

    p = body;
    family = NULL;

    for (i = 0; i < NGX_MM_STAT_N; i++) {
        value = 0;

        for (j = 0; j < NGX_MM_STRIPES; j++) {
            value += ngx_mm_metrics_shm->stripe[j].s.stat[i];
        }

        if (ngx_mm_stat_rows[i].name) {
            family = &ngx_mm_stat_rows[i];
        }

        p = ngx_mm_metrics_row(p, &ngx_mm_stat_rows[i], family, value);
    }

    for (i = 0; i < NGX_MM_GAUGE_N; i++) {
        value = 0;

        for (j = 0; j < NGX_MAX_PROCESSES; j++) {
            value += (ngx_atomic_int_t) ngx_mm_metrics_shm->gauge[j].g[i];
        }

        p = ngx_mm_metrics_row(p, &ngx_mm_gauge_rows[i],
                               &ngx_mm_gauge_rows[i], value);
    }

    p = ngx_sprintf(p, "# HELP mm_webhook_ack_seconds Time from the start "
                    "of a webhook request to Redis acknowledging its update."
                    "\n# TYPE mm_webhook_ack_seconds histogram\n");

    total = 0;
    usec = 0;

    for (i = 0; i < NGX_MM_BUCKETS; i++) {
        for (j = 0; j < NGX_MM_STRIPES; j++) {
            s = &ngx_mm_metrics_shm->stripe[j].s;
            total += s->ack[i];

            if (i == 0) {
                usec += s->ack_usec;
            }
        }

        p = ngx_sprintf(p, "mm_webhook_ack_seconds_bucket{le=\"%s\"} %A\n",
                        ngx_mm_ack_le[i], total);
    }

    p = ngx_sprintf(p, "mm_webhook_ack_seconds_sum %uL.%06uL\n"
                    "mm_webhook_ack_seconds_count %A\n",
                    usec / 1000000, usec % 1000000, total);

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

    if (name->len == 0 || name->len > 200 || value->len == 0 || value->len > 32) {
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
