
/*
 * Suspends an HTTP request on one Redis command.
 *
 * The request may outlive the command (the normal case) or the command may
 * outlive the request (timeout, client gone, worker shutdown): the hiredis
 * side holds a heap "pending" record that only points at the request while
 * the request waits.  Whoever finishes first detaches the other, so the
 * reply callback never touches a freed request and the request's pool
 * cleanup never touches a freed record.
 *
 *   request pool:  ngx_mm_call_t { request, done, start_usec, pending*, timer }
 *   heap:          ngx_mm_pending_t { call* }
 *
 * The timer is not cancelable, so a graceful reload waits for the reply.
 */


#include "ngx_mm_module.h"
#include "ngx_mm_redis.h"
#include "ngx_mm_metrics.h"


typedef struct ngx_mm_pending_s  ngx_mm_pending_t;

typedef struct {
    ngx_http_request_t       *request;
    ngx_mm_call_done_pt       done;
    uint64_t                  start_usec;  /* ngx_mm_usec(), for "done" */
    ngx_mm_pending_t         *pending;
    ngx_event_t               timer;
} ngx_mm_call_t;


struct ngx_mm_pending_s {
    ngx_mm_call_t            *call;        /* NULL once nobody waits */
};


static void ngx_mm_call_reply(redisAsyncContext *ac, void *reply,
    void *privdata);
static void ngx_mm_call_timeout(ngx_event_t *ev);
static void ngx_mm_call_cleanup(void *data);
static void ngx_mm_call_finish(ngx_mm_call_t *call, redisReply *reply,
    ngx_mm_call_status_e status);


/*
 * Returns NGX_OK when the command is on its way: the request is then
 * finalized later, by "done"'s return value.  NGX_DECLINED: Redis is not
 * connected; NGX_ERROR: the command could not be queued.  In both cases the
 * caller answers.  "start_usec" (an ngx_mm_usec() value) is when the caller
 * wants the time "done" is given to count from.
 */

ngx_int_t
ngx_mm_call(ngx_http_request_t *r, ngx_mm_call_done_pt done,
    uint64_t start_usec, int argc, const char **argv, const size_t *argvlen)
{
    ngx_int_t            rc;
    ngx_mm_call_t       *call;
    ngx_pool_cleanup_t  *cln;
    ngx_mm_pending_t    *pending;
    ngx_mm_main_conf_t  *mmcf;

    if (!ngx_mm_redis_ready()) {
        ngx_mm_metrics_add(NGX_MM_STAT_REDIS_UNAVAILABLE, 1);
        return NGX_DECLINED;
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_mm_call_t));
    if (cln == NULL) {
        return NGX_ERROR;
    }

    pending = ngx_alloc(sizeof(ngx_mm_pending_t), r->connection->log);
    if (pending == NULL) {
        return NGX_ERROR;
    }

    call = cln->data;
    ngx_memzero(call, sizeof(ngx_mm_call_t));

    call->request = r;
    call->done = done;
    call->start_usec = start_usec;
    call->pending = pending;

    pending->call = call;

    rc = ngx_mm_redis_command(ngx_mm_call_reply, pending, argc, argv,
                              argvlen);
    if (rc != NGX_OK) {
        ngx_free(pending);
        call->pending = NULL;
        return rc;
    }

    cln->handler = ngx_mm_call_cleanup;

    mmcf = ngx_http_get_module_main_conf(r, ngx_mm_module);

    call->timer.handler = ngx_mm_call_timeout;
    call->timer.data = call;
    call->timer.log = r->connection->log;
    ngx_add_timer(&call->timer, mmcf->timeout);

    ngx_mm_metrics_gauge(NGX_MM_GAUGE_PENDING, 1);

    return NGX_OK;
}


static void
ngx_mm_call_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    ngx_mm_pending_t  *pending = privdata;

    ngx_mm_call_t  *call;

    call = pending->call;
    ngx_free(pending);

    if (call == NULL) {
        /* answered already: timed out, or the request is gone */
        return;
    }

    call->pending = NULL;

    ngx_mm_call_finish(call, reply,
                       reply ? NGX_MM_CALL_REPLY : NGX_MM_CALL_LOST);
}


static void
ngx_mm_call_timeout(ngx_event_t *ev)
{
    ngx_mm_call_t  *call = ev->data;

    ngx_mm_main_conf_t  *mmcf;

    mmcf = ngx_http_get_module_main_conf(call->request, ngx_mm_module);

    /* the reply, if it ever comes, finds nobody waiting */
    call->pending->call = NULL;
    call->pending = NULL;

    ngx_mm_call_finish(call, NULL, NGX_MM_CALL_TIMEOUT);

    ngx_mm_redis_timed_out(mmcf->timeout);
}


static void
ngx_mm_call_cleanup(void *data)
{
    ngx_mm_call_t  *call = data;

    if (call->timer.timer_set) {
        ngx_del_timer(&call->timer);
    }

    if (call->pending) {
        call->pending->call = NULL;
        call->pending = NULL;
        ngx_mm_metrics_gauge(NGX_MM_GAUGE_PENDING, -1);
    }
}


static void
ngx_mm_call_finish(ngx_mm_call_t *call, redisReply *reply,
    ngx_mm_call_status_e status)
{
    ngx_int_t            rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = call->request;
    c = r->connection;

    if (call->timer.timer_set) {
        ngx_del_timer(&call->timer);
    }

    ngx_mm_metrics_gauge(NGX_MM_GAUGE_PENDING, -1);

    switch (status) {

    case NGX_MM_CALL_REPLY:
        if (reply->type == REDIS_REPLY_ERROR) {
            ngx_mm_metrics_add(NGX_MM_STAT_REDIS_ERROR, 1);
            ngx_mm_redis_failed(NGX_MM_REDIS_ERROR, "command failed",
                                reply->str);

        } else {
            ngx_mm_metrics_add(NGX_MM_STAT_REDIS_OK, 1);
            ngx_mm_redis_succeeded();
        }

        break;

    case NGX_MM_CALL_LOST:
        ngx_mm_metrics_add(NGX_MM_STAT_REDIS_LOST, 1);
        break;

    default: /* NGX_MM_CALL_TIMEOUT */
        ngx_mm_metrics_add(NGX_MM_STAT_REDIS_TIMEOUT, 1);
        break;
    }

    ngx_http_set_log_request(c->log, r);

    rc = call->done(r, reply, status, ngx_mm_usec() - call->start_usec);

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}
