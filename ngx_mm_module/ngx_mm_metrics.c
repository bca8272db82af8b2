
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


ngx_int_t
ngx_mm_metrics_handler(ngx_http_request_t *r)
{
    u_char                  *body, *p;
    size_t                   size;
    uint64_t                 usec;
    ngx_uint_t               i, j;
    ngx_atomic_int_t         total, value;
    ngx_mm_stripe_t         *s;
    const ngx_mm_family_t   *family;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        if (ngx_mm_set_allow(r, "GET, HEAD") != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_mm_send_text(r, NGX_HTTP_NOT_ALLOWED,
                                "only GET and HEAD are allowed");
    }

    /* every line is shorter than 160 bytes */
    size = (NGX_MM_STAT_N + NGX_MM_GAUGE_N + NGX_MM_BUCKETS + 16) * 160;

    body = ngx_pnalloc(r->pool, size);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
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

    return ngx_mm_send(r, NGX_HTTP_OK, &ngx_mm_metrics_type, body, p - body);
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
