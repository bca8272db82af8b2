
/*
 * ngx_mm_module: directives, configuration and process lifecycle.
 * The request paths live in ngx_mm_webhook.c, ngx_mm_health.c and
 * ngx_mm_metrics_prometheus.c; the counters in ngx_mm_metrics_shm.c; the
 * Redis connection in ngx_mm_redis.c.
 */


#include "ngx_mm_module.h"
#include "ngx_mm_redis.h"
#include "ngx_mm_metrics.h"
#include "mm_stream.h"


#define NGX_MM_REDIS_DEFAULT_PORT  6379
#define NGX_MM_SECRET_MAX_LEN      256

/* the secret conf/production.conf ships with; an edge must not run with it */
#define NGX_MM_SECRET_PLACEHOLDER  "replace-with-the-setWebhook-secret_token"


static void *ngx_mm_create_main_conf(ngx_conf_t *cf);
static char *ngx_mm_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_mm_create_loc_conf(ngx_conf_t *cf);
static char *ngx_mm_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child);
static char *ngx_mm_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_mm_set_handler(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_mm_secret(ngx_conf_t *cf, void *post, void *data);
static char *ngx_mm_retry_after(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_mm_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_mm_init_process(ngx_cycle_t *cycle);
static void ngx_mm_exit_process(ngx_cycle_t *cycle);


static ngx_conf_post_handler_pt  ngx_mm_secret_post = ngx_mm_secret;


static ngx_command_t  ngx_mm_commands[] = {

    { ngx_string("mm_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE123,
      ngx_mm_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("mm_redis_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_mm_main_conf_t, timeout),
      NULL },

    { ngx_string("mm_redis_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_mm_main_conf_t, connect_timeout),
      NULL },

    { ngx_string("mm_redis_reconnect"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_mm_main_conf_t, reconnect_max),
      NULL },

    { ngx_string("mm_webhook"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_mm_set_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      ngx_mm_webhook_handler },

    { ngx_string("mm_webhook_secret"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_mm_loc_conf_t, secret),
      &ngx_mm_secret_post },

    { ngx_string("mm_stream"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_mm_loc_conf_t, stream),
      NULL },

    { ngx_string("mm_retry_after"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_mm_retry_after,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("mm_health"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_mm_set_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      ngx_mm_health_handler },

    { ngx_string("mm_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_mm_set_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      ngx_mm_metrics_handler },

      ngx_null_command
};


static ngx_http_module_t  ngx_mm_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_mm_postconfiguration,              /* postconfiguration */

    ngx_mm_create_main_conf,               /* create main configuration */
    ngx_mm_init_main_conf,                 /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_mm_create_loc_conf,                /* create location configuration */
    ngx_mm_merge_loc_conf                  /* merge location configuration */
};


ngx_module_t  ngx_mm_module = {
    NGX_MODULE_V1,
    &ngx_mm_module_ctx,                    /* module context */
    ngx_mm_commands,                       /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_mm_init_process,                   /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_mm_exit_process,                   /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_mm_create_main_conf(ngx_conf_t *cf)
{
    ngx_mm_main_conf_t  *mmcf;

    mmcf = ngx_pcalloc(cf->pool, sizeof(ngx_mm_main_conf_t));
    if (mmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mmcf->addr = { 0, NULL };
     *     mmcf->host = { 0, NULL };
     *     mmcf->port = 0;
     *     mmcf->password = { 0, NULL };
     *     mmcf->metrics_zone = NULL;
     *     mmcf->redis_used = 0;
     *     mmcf->mm_used = 0;
     */

    mmcf->db = -1;
    mmcf->timeout = NGX_CONF_UNSET_MSEC;
    mmcf->connect_timeout = NGX_CONF_UNSET_MSEC;
    mmcf->reconnect_max = NGX_CONF_UNSET_MSEC;

    return mmcf;
}


static char *
ngx_mm_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_mm_main_conf_t  *mmcf = conf;

    ngx_conf_init_msec_value(mmcf->timeout, 3000);
    ngx_conf_init_msec_value(mmcf->connect_timeout, 1000);
    ngx_conf_init_msec_value(mmcf->reconnect_max, 5000);

    if (mmcf->timeout == 0 || mmcf->connect_timeout == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "mm_redis_timeout and mm_redis_connect_timeout "
                           "must be positive");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_mm_create_loc_conf(ngx_conf_t *cf)
{
    ngx_mm_loc_conf_t  *mlcf;

    mlcf = ngx_pcalloc(cf->pool, sizeof(ngx_mm_loc_conf_t));
    if (mlcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mlcf->secret = { 0, NULL };
     *     mlcf->stream = { 0, NULL };
     *     mlcf->retry_after = { 0, NULL };
     */

    mlcf->webhook = NGX_CONF_UNSET;

    return mlcf;
}


static char *
ngx_mm_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_mm_loc_conf_t  *prev = parent;
    ngx_mm_loc_conf_t  *conf = child;

    ngx_conf_merge_str_value(conf->secret, prev->secret, "");
    ngx_conf_merge_str_value(conf->stream, prev->stream, MM_STREAM_DEFAULT);
    ngx_conf_merge_str_value(conf->retry_after, prev->retry_after, "5");

    /* a webhook flag is never inherited: it belongs to its location */
    ngx_conf_init_value(conf->webhook, 0);

    if (conf->webhook && conf->secret.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mm_webhook\" requires \"mm_webhook_secret\"");
        return NGX_CONF_ERROR;
    }

    if (conf->stream.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "empty \"mm_stream\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * mm_redis 127.0.0.1:6379 [db=N] [password=secret];
 * mm_redis unix:/run/redis/redis.sock [db=N] [password=secret];
 *
 * Names are resolved here, at configuration time: hiredis resolves with a
 * blocking getaddrinfo(), which a worker's event loop must never run.
 */

static char *
ngx_mm_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_mm_main_conf_t  *mmcf = conf;

    u_char      *p;
    ngx_str_t   *value;
    ngx_url_t    u;
    ngx_uint_t   i;

    if (mmcf->addr.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mmcf->addr = value[1];

    if (ngx_strncmp(value[1].data, "unix:", 5) == 0) {
        if (value[1].len == 5) {
            return "has an empty unix socket path";
        }

        mmcf->host.len = value[1].len - 5;
        mmcf->host.data = ngx_pnalloc(cf->pool, mmcf->host.len + 1);
        if (mmcf->host.data == NULL) {
            return NGX_CONF_ERROR;
        }

        p = ngx_cpymem(mmcf->host.data, value[1].data + 5, mmcf->host.len);
        *p = '\0';

    } else {
        ngx_memzero(&u, sizeof(ngx_url_t));

        u.url = value[1];
        u.default_port = NGX_MM_REDIS_DEFAULT_PORT;

        if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
            if (u.err) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "%s in \"%V\" of \"mm_redis\"",
                                   u.err, &u.url);
            }

            return NGX_CONF_ERROR;
        }

        if (u.naddrs == 0) {
            return "has no address";
        }

        mmcf->host.data = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN + 1);
        if (mmcf->host.data == NULL) {
            return NGX_CONF_ERROR;
        }

        mmcf->host.len = ngx_sock_ntop(u.addrs[0].sockaddr,
                                       u.addrs[0].socklen, mmcf->host.data,
                                       NGX_SOCKADDR_STRLEN, 0);
        mmcf->host.data[mmcf->host.len] = '\0';
        mmcf->port = ngx_inet_get_port(u.addrs[0].sockaddr);

        /* hiredis wants "::1", not the "[::1]" ngx_sock_ntop() writes */
        if (mmcf->host.data[0] == '[') {
            mmcf->host.len -= 2;
            ngx_memmove(mmcf->host.data, mmcf->host.data + 1,
                        mmcf->host.len);
            mmcf->host.data[mmcf->host.len] = '\0';
        }
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {
            mmcf->db = ngx_atoi(value[i].data + 3, value[i].len - 3);
            if (mmcf->db == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid database number \"%V\"",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "password=", 9) == 0) {
            mmcf->password.len = value[i].len - 9;
            mmcf->password.data = value[i].data + 9;

            if (mmcf->password.len == 0) {
                return "has an empty password";
            }

            continue;
        }

        /* never echo the argument: it may be a mistyped password */
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter #%ui of \"mm_redis\", "
                           "expected \"db=\" or \"password=\"", i);
        return NGX_CONF_ERROR;
    }

    mmcf->redis_used = 1;

    return NGX_CONF_OK;
}


static char *
ngx_mm_set_handler(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_mm_loc_conf_t  *mlcf = conf;

    ngx_mm_main_conf_t        *mmcf;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler) {
        return "is duplicate: the location already has a content handler";
    }

    clcf->handler = (ngx_http_handler_pt) cmd->post;

    if (clcf->handler == ngx_mm_webhook_handler) {
        mlcf->webhook = 1;
    }

    mmcf = ngx_http_conf_get_module_main_conf(cf, ngx_mm_module);
    mmcf->mm_used = 1;

    return NGX_CONF_OK;
}


/*
 * Telegram's own rule for secret_token: 1-256 of A-Z, a-z, 0-9, _ and -.
 * The example's placeholder obeys it, so it is refused by name: anyone who
 * read it could otherwise post updates to an edge started from the example.
 */

static char *
ngx_mm_secret(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *secret = data;

    u_char      c;
    ngx_uint_t  i;

    if (secret->len == 0 || secret->len > NGX_MM_SECRET_MAX_LEN) {
        return "must be 1 to 256 characters long";
    }

    if (secret->len == sizeof(NGX_MM_SECRET_PLACEHOLDER) - 1
        && ngx_strncmp(secret->data, NGX_MM_SECRET_PLACEHOLDER,
                       secret->len) == 0)
    {
        return "is still the example's placeholder: set it to the "
               "secret_token given to setWebhook (1-256 of A-Z, a-z, 0-9, "
               "\"_\" and \"-\", e.g. from \"openssl rand -hex 32\")";
    }

    for (i = 0; i < secret->len; i++) {
        c = secret->data[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-'))
        {
            return "may only contain A-Z, a-z, 0-9, \"_\" and \"-\"";
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_mm_retry_after(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_mm_loc_conf_t  *mlcf = conf;

    time_t      sec;
    ngx_str_t  *value;

    if (mlcf->retry_after.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    sec = ngx_parse_time(&value[1], 1);
    if (sec == (time_t) NGX_ERROR) {
        return "invalid value";
    }

    mlcf->retry_after.data = ngx_pnalloc(cf->pool, NGX_TIME_T_LEN);
    if (mlcf->retry_after.data == NULL) {
        return NGX_CONF_ERROR;
    }

    mlcf->retry_after.len = ngx_sprintf(mlcf->retry_after.data, "%T", sec)
                            - mlcf->retry_after.data;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_mm_postconfiguration(ngx_conf_t *cf)
{
    ngx_mm_main_conf_t         *mmcf;
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    mmcf = ngx_http_conf_get_module_main_conf(cf, ngx_mm_module);

    if (!mmcf->mm_used) {
        return NGX_OK;
    }

    if (!mmcf->redis_used) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mm_webhook\", \"mm_health\" and \"mm_metrics\" "
                           "require \"mm_redis\" in the http block");
        return NGX_ERROR;
    }

    if (ngx_mm_metrics_add_zone(cf, mmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_mm_metrics_log_handler;

    return NGX_OK;
}


static ngx_int_t
ngx_mm_init_process(ngx_cycle_t *cycle)
{
    ngx_mm_main_conf_t  *mmcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    mmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_mm_module);

    if (mmcf == NULL || !mmcf->mm_used) {
        return NGX_OK;
    }

    ngx_mm_metrics_init_process();

    return ngx_mm_redis_init_process(cycle, mmcf);
}


static void
ngx_mm_exit_process(ngx_cycle_t *cycle)
{
    ngx_mm_redis_exit_process();
}
