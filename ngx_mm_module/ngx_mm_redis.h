
/*
 * The worker process's Redis connection: one hiredis async context driven by
 * nginx events, pipelining every command of the process; connects after
 * fork, handshakes (AUTH, SELECT, PING), reconnects with backoff.
 */

#ifndef _NGX_MM_REDIS_H_INCLUDED_
#define _NGX_MM_REDIS_H_INCLUDED_


#include "ngx_mm_module.h"
#include <hiredis/async.h>


ngx_int_t ngx_mm_redis_init_process(ngx_cycle_t *cycle,
    ngx_mm_main_conf_t *mmcf);
void ngx_mm_redis_exit_process(void);


/* what went wrong, in the words /healthz may show anyone */
typedef enum {
    NGX_MM_REDIS_DOWN = 0,      /* no connection: refused, lost, not made */
    NGX_MM_REDIS_TIMEOUT,       /* no reply in time: Redis is hung */
    NGX_MM_REDIS_ERROR          /* an error reply: AUTH, OOM, NOPERM ... */
} ngx_mm_redis_failure_e;


/* 1 when commands can be sent now */
ngx_uint_t ngx_mm_redis_ready(void);
/*
 * Why it is not ready, as one fixed word for /healthz: "connecting",
 * "down", "timeout" or "error" ("up" when ready).  Never Redis's own text,
 * which the error log has.
 */
const char *ngx_mm_redis_status(void);
/* the word of one kind of failure: "down", "timeout" or "error" */
const char *ngx_mm_redis_failure_text(ngx_mm_redis_failure_e failure);

ngx_int_t ngx_mm_redis_command(redisCallbackFn *fn, void *privdata, int argc,
    const char **argv, const size_t *argvlen);

/*
 * Outcome reports, so an outage is logged when it starts, when its kind
 * changes and when it ends, not once per request.
 */
void ngx_mm_redis_failed(ngx_mm_redis_failure_e failure, const char *what,
    const char *detail);
void ngx_mm_redis_succeeded(void);

/* a command outlived mm_redis_timeout: Redis is hung, drop the connection */
void ngx_mm_redis_timed_out(ngx_msec_t timeout);


#endif /* _NGX_MM_REDIS_H_INCLUDED_ */
