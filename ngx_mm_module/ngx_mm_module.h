
/*
 * ngx_mm_module: the Telegram webhook edge of Mental Maze.
 *
 * An update travels  client -> ngx_mm_webhook (checks) -> ngx_mm_call
 * (suspends the request on one Redis command) -> ngx_mm_redis (the worker
 * process's single pipelined hiredis connection) -> reply -> 200 or 503.
 */

#ifndef _NGX_MM_MODULE_H_INCLUDED_
#define _NGX_MM_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <hiredis/hiredis.h>


typedef struct {
    ngx_str_t                 addr;          /* as written, for logs */
    ngx_str_t                 host;          /* IP literal or unix path, NUL-terminated */
    in_port_t                 port;          /* 0 for a unix socket */
    ngx_str_t                 password;      /* empty: no AUTH */
    ngx_int_t                 db;            /* -1: no SELECT */

    ngx_msec_t                timeout;
    ngx_msec_t                connect_timeout;
    ngx_msec_t                reconnect_max;

    ngx_shm_zone_t           *metrics_zone;
    unsigned                  redis_used:1;
    unsigned                  mm_used:1;
} ngx_mm_main_conf_t;


typedef struct {
    ngx_str_t                 secret;
    ngx_str_t                 stream;
    ngx_str_t                 retry_after;   /* seconds, as header text */
    ngx_flag_t                webhook;
} ngx_mm_loc_conf_t;


/* how a suspended request's Redis command ended */
typedef enum {
    NGX_MM_CALL_REPLY = 0,    /* a reply, possibly a Redis error reply */
    NGX_MM_CALL_LOST,         /* the connection dropped before the reply */
    NGX_MM_CALL_TIMEOUT       /* mm_redis_timeout passed first */
} ngx_mm_call_status_e;


/*
 * Called once per ngx_mm_call() that returned NGX_OK, with the request still
 * alive; returns what ngx_http_finalize_request() gets.  "usec" is the time
 * since the "start_usec" given to ngx_mm_call().
 */
typedef ngx_int_t (*ngx_mm_call_done_pt)(ngx_http_request_t *r,
    redisReply *reply, ngx_mm_call_status_e status, uint64_t usec);


ngx_int_t ngx_mm_webhook_handler(ngx_http_request_t *r);
ngx_int_t ngx_mm_health_handler(ngx_http_request_t *r);
ngx_int_t ngx_mm_metrics_handler(ngx_http_request_t *r);

ngx_int_t ngx_mm_call(ngx_http_request_t *r, ngx_mm_call_done_pt done,
    uint64_t start_usec, int argc, const char **argv, const size_t *argvlen);

ngx_int_t ngx_mm_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *data, size_t len);
ngx_int_t ngx_mm_send_text(ngx_http_request_t *r, ngx_uint_t status,
    const char *text);
ngx_int_t ngx_mm_add_retry_after(ngx_http_request_t *r);
ngx_int_t ngx_mm_send_unavailable(ngx_http_request_t *r, const char *text);
ngx_int_t ngx_mm_set_allow(ngx_http_request_t *r, const char *methods);
ngx_int_t ngx_mm_read_only(ngx_http_request_t *r);
uint64_t ngx_mm_usec(void);


extern ngx_module_t  ngx_mm_module;


#endif /* _NGX_MM_MODULE_H_INCLUDED_ */
