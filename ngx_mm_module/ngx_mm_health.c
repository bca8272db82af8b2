
/*
 * GET /healthz: 200 when this worker process's Redis connection answers a
 * PING within mm_redis_timeout, 503 (with Retry-After) when it does not.
 * A load balancer or an operator's probe sees the edge as Telegram does.
 */


#include "ngx_mm_module.h"
#include "ngx_mm_redis.h"


static ngx_int_t ngx_mm_health_done(ngx_http_request_t *r,
    redisReply *reply, ngx_mm_call_status_e status, uint64_t usec);
static ngx_int_t ngx_mm_health_down(ngx_http_request_t *r,
    const char *reason);


static ngx_str_t  ngx_mm_json_type = ngx_string("application/json");


ngx_int_t
ngx_mm_health_handler(ngx_http_request_t *r)
{
    ngx_int_t    rc;
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

    return ngx_mm_health_down(r, ngx_mm_redis_status());
}


static ngx_int_t
ngx_mm_health_done(ngx_http_request_t *r, redisReply *reply,
    ngx_mm_call_status_e status, uint64_t usec)
{
    u_char  *p, *body;

    if (status == NGX_MM_CALL_TIMEOUT) {
        return ngx_mm_health_down(r, "PING timed out");
    }

    if (status == NGX_MM_CALL_LOST) {
        return ngx_mm_health_down(r, "connection lost");
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        return ngx_mm_health_down(r, reply->str);
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


static ngx_int_t
ngx_mm_health_down(ngx_http_request_t *r, const char *reason)
{
    u_char     *p, *body;
    size_t      len;
    uintptr_t   escape;

    len = ngx_strlen(reason);
    escape = ngx_escape_json(NULL, (u_char *) reason, len);

    body = ngx_pnalloc(r->pool, len + escape + 128);
    if (body == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(body, "{\"status\":\"unavailable\",\"redis\":\"");
    p = (u_char *) ngx_escape_json(p, (u_char *) reason, len);
    p = ngx_sprintf(p, "\",\"pid\":%P}\n", ngx_pid);

    if (ngx_mm_add_retry_after(r) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_mm_send(r, NGX_HTTP_SERVICE_UNAVAILABLE, &ngx_mm_json_type,
                       body, p - body);
}
