
/*
 * Counters and the acknowledgement-latency histogram, in one shared memory
 * zone so /metrics sums every worker process.  ngx_mm_metrics_shm.c keeps
 * them; ngx_mm_metrics_prometheus.c shows them, from a snapshot.
 */

#ifndef _NGX_MM_METRICS_H_INCLUDED_
#define _NGX_MM_METRICS_H_INCLUDED_


#include "ngx_mm_module.h"


typedef enum {
    NGX_MM_STAT_WEBHOOK_200 = 0,
    NGX_MM_STAT_WEBHOOK_400,
    NGX_MM_STAT_WEBHOOK_401,
    NGX_MM_STAT_WEBHOOK_403,
    NGX_MM_STAT_WEBHOOK_405,
    NGX_MM_STAT_WEBHOOK_413,
    NGX_MM_STAT_WEBHOOK_503,
    NGX_MM_STAT_WEBHOOK_OTHER,
    NGX_MM_STAT_UPDATE_BYTES,
    NGX_MM_STAT_REDIS_OK,
    NGX_MM_STAT_REDIS_ERROR,
    NGX_MM_STAT_REDIS_TIMEOUT,
    NGX_MM_STAT_REDIS_LOST,
    NGX_MM_STAT_REDIS_UNAVAILABLE,
    NGX_MM_STAT_REDIS_CONNECTS,
    NGX_MM_STAT_REDIS_CONNECT_ERRORS,
    NGX_MM_STAT_REDIS_DISCONNECTS,
    NGX_MM_STAT_N
} ngx_mm_stat_e;


typedef enum {
    NGX_MM_GAUGE_CONNECTED = 0,
    NGX_MM_GAUGE_PENDING,
    NGX_MM_GAUGE_N
} ngx_mm_gauge_e;


/* the histogram's upper bounds, microseconds; one more bucket for +Inf */
#define NGX_MM_ACK_BOUNDS   13
#define NGX_MM_ACK_BUCKETS  (NGX_MM_ACK_BOUNDS + 1)

extern const uint64_t  ngx_mm_ack_bounds[NGX_MM_ACK_BOUNDS];


/* every worker process's share summed, as /metrics shows them */
typedef struct {
    ngx_atomic_int_t          stat[NGX_MM_STAT_N];
    ngx_atomic_int_t          gauge[NGX_MM_GAUGE_N];
    ngx_atomic_int_t          ack[NGX_MM_ACK_BUCKETS];  /* cumulative */
    uint64_t                  ack_usec;
} ngx_mm_metrics_snapshot_t;


ngx_int_t ngx_mm_metrics_add_zone(ngx_conf_t *cf, ngx_mm_main_conf_t *mmcf);
void ngx_mm_metrics_init_process(void);

void ngx_mm_metrics_add(ngx_mm_stat_e stat, ngx_atomic_int_t n);
void ngx_mm_metrics_gauge(ngx_mm_gauge_e gauge, ngx_atomic_int_t delta);
void ngx_mm_metrics_observe_ack(uint64_t usec);
void ngx_mm_metrics_snapshot(ngx_mm_metrics_snapshot_t *snap);

ngx_int_t ngx_mm_metrics_log_handler(ngx_http_request_t *r);


#endif /* _NGX_MM_METRICS_H_INCLUDED_ */
