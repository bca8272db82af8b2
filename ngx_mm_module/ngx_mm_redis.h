
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

/* 1 when commands can be sent now */
ngx_uint_t ngx_mm_redis_ready(void);
/* why it is not ready, for responses and health */
const char *ngx_mm_redis_status(void);

ngx_int_t ngx_mm_redis_command(redisCallbackFn *fn, void *privdata, int argc,
    const char **argv, const size_t *argvlen);

/* outcome reports, so an outage is logged once and its end once */
void ngx_mm_redis_failed(const char *what, const char *detail);
void ngx_mm_redis_succeeded(void);

/* a command outlived mm_redis_timeout: Redis is hung, drop the connection */
void ngx_mm_redis_timed_out(ngx_msec_t timeout);


#endif /* _NGX_MM_REDIS_H_INCLUDED_ */
