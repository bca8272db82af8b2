
/*
 * GET /healthz: 200 when this worker process's Redis connection answers a
 * PING within mm_redis_timeout, 503 (with Retry-After) when it does not.
 * A load balancer or an operator's probe sees the edge as Telegram does.
 * Why it failed is one fixed word (ngx_mm_redis_status()): whoever can
 * reach /healthz learns nothing of Redis's own error text, which goes to
 * the error log instead.
 */


#include "ngx_mm_module.h"
#include "ngx_mm_redis.h"


static ngx_int_t ngx_mm_health_done(ngx_http_request_t *r,
    redisReply *reply, ngx_mm_call_status_e status, uint64_t usec);
static ngx_int_t ngx_mm_health_down(ngx_http_request_t *r,
    const char *word);


static ngx_str_t  ngx_mm_json_type = ngx_string("application/json");


ngx_int_t
ngx_mm_health_handler(ngx_http_request_t *r)
{
    ngx_int_t    rc;
    const char  *word;
    const char  *argv[1] = { "PING" };
    size_t       argvlen[1] = { 4 };

    rc = ngx_mm_read_only(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_mm_call(r, ngx_mm_health_done, ngx_mm_usec(), 1, argv, argvlen);

    if (rc == NGX_OK) {
        /* ngx_mm_call() finalizes it; this hold is the handler's own */
        r->main->count++;
        return NGX_DONE;
    }

    /* not connected, or the PING could not be queued on the connection */
    word = (rc == NGX_DECLINED) ? ngx_mm_redis_status()
                                : ngx_mm_redis_failure_text(NGX_MM_REDIS_DOWN);

    return ngx_mm_health_down(r, word);
}


static ngx_int_t
ngx_mm_health_done(ngx_http_request_t *r, redisReply *reply,
    ngx_mm_call_status_e status, uint64_t usec)
{
    u_char                  *p, *body;
    ngx_mm_redis_failure_e   failure;

    if (status != NGX_MM_CALL_REPLY || reply->type == REDIS_REPLY_ERROR) {

        /* the detail went to the error log (ngx_mm_call.c, ngx_mm_redis.c) */

        failure = (status == NGX_MM_CALL_TIMEOUT) ? NGX_MM_REDIS_TIMEOUT
                  : (status == NGX_MM_CALL_LOST) ? NGX_MM_REDIS_DOWN
                  : NGX_MM_REDIS_ERROR;

        return ngx_mm_health_down(r, ngx_mm_redis_failure_text(failure));
    }

    body = ngx_pnalloc(r->pool, 128);
    if (body == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(body, "{\"status\":\"ok\",\"redis\":\"up\","
                    "\"redis_ms\":%uL.%03uL,\"pid\":%P}\n",
                    usec / 1000, usec % 1000, ngx_pid);

    return ngx_mm_send(r, NGX_HTTP_OK, &ngx_mm_json_type, body, p - body);
}


/* "word" is one of ngx_mm_redis_status()'s: nothing to escape */

static ngx_int_t
ngx_mm_health_down(ngx_http_request_t *r, const char *word)
{
    u_char  *p, *body;

    body = ngx_pnalloc(r->pool, 128);
    if (body == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(body, "{\"status\":\"unavailable\",\"redis\":\"%s\","
                    "\"pid\":%P}\n", word, ngx_pid);

    if (ngx_mm_add_retry_after(r) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_mm_send(r, NGX_HTTP_SERVICE_UNAVAILABLE, &ngx_mm_json_type,
                       body, p - body);
}
