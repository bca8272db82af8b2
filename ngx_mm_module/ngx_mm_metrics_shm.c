
/*
 * Metrics in shared memory: the zone, the counters, the gauges and the
 * acknowledgement-latency histogram.  What /metrics makes of them is in
 * ngx_mm_metrics_prometheus.c, which reads them through
 * ngx_mm_metrics_snapshot() only.
 *
 * Counters are striped by process slot so two workers rarely bump the same
 * cache line; every update is an atomic add, so a shared stripe is only
 * slower, never wrong.  Gauges live in the process's own slot, which it
 * clears when it starts, so a replaced worker leaves nothing behind.  The
 * zone outlives a configuration reload when its size does not change.
 */


#include "ngx_mm_metrics.h"


#define NGX_MM_STRIPES  16


/* acknowledgement-latency histogram upper bounds, microseconds */
const uint64_t  ngx_mm_ack_bounds[NGX_MM_ACK_BOUNDS] = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
    500000, 1000000, 2500000
};


typedef struct {
    ngx_atomic_t              stat[NGX_MM_STAT_N];
    ngx_atomic_t              ack[NGX_MM_ACK_BUCKETS];  /* not cumulative */
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


static ngx_int_t ngx_mm_metrics_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


static ngx_mm_metrics_shm_t  *ngx_mm_metrics_shm;


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
    ngx_atomic_t  *g;

    g = &ngx_mm_metrics_shm->gauge[ngx_process_slot].g[gauge];

    (void) ngx_atomic_fetch_add(g, delta);
}


void
ngx_mm_metrics_observe_ack(uint64_t usec)
{
    ngx_uint_t        i;
    ngx_mm_stripe_t  *s;

    for (i = 0; i < NGX_MM_ACK_BOUNDS; i++) {
        if (usec <= ngx_mm_ack_bounds[i]) {
            break;
        }
    }

    s = &ngx_mm_metrics_shm->stripe[ngx_process_slot % NGX_MM_STRIPES].s;

    (void) ngx_atomic_fetch_add(&s->ack[i], 1);
    (void) ngx_atomic_fetch_add(&s->ack_usec, (ngx_atomic_int_t) usec);
}


/*
 * Sums the stripes and the process slots into "snap", without a lock:
 * each value is read atomically, the set of them is not one instant.
 */

void
ngx_mm_metrics_snapshot(ngx_mm_metrics_snapshot_t *snap)
{
    ngx_uint_t        i, j;
    ngx_atomic_int_t  total;
    ngx_mm_stripe_t  *s;

    ngx_memzero(snap, sizeof(ngx_mm_metrics_snapshot_t));

    for (i = 0; i < NGX_MM_STAT_N; i++) {
        for (j = 0; j < NGX_MM_STRIPES; j++) {
            snap->stat[i] += ngx_mm_metrics_shm->stripe[j].s.stat[i];
        }
    }

    for (i = 0; i < NGX_MM_GAUGE_N; i++) {
        for (j = 0; j < NGX_MAX_PROCESSES; j++) {
            snap->gauge[i] +=
                       (ngx_atomic_int_t) ngx_mm_metrics_shm->gauge[j].g[i];
        }
    }

    total = 0;

    for (i = 0; i < NGX_MM_ACK_BUCKETS; i++) {
        for (j = 0; j < NGX_MM_STRIPES; j++) {
            s = &ngx_mm_metrics_shm->stripe[j].s;
            total += s->ack[i];

            if (i == 0) {
                snap->ack_usec += s->ack_usec;
            }
        }

        snap->ack[i] = total;
    }
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
