
/*
 * POST /tg/webhook: Telegram's update in, XADD to the stream, 200 once Redis
 * has it.  Everything that can be refused is refused before Redis is asked,
 * and nothing is stored then:
 *
 *   not POST -> 405    no secret -> 401    wrong secret -> 403
 *   empty, not JSON, not an object, no integer update_id -> 400
 *   a top-level "mm_..." member (the worker's own, e.g. mm_timer) -> 400
 *   above client_max_body_size -> 413 (nginx's own check)
 *   Redis down, slow or refusing -> 503 with Retry-After
 */


#include "ngx_mm_module.h"
#include "ngx_mm_metrics.h"
#include "mm_ct.h"
#include "mm_json.h"
#include "mm_stream.h"


#define NGX_MM_SECRET_HEADER  "X-Telegram-Bot-Api-Secret-Token"

/* how much of a refused member name the 400 repeats */
#define NGX_MM_KEY_SHOWN      64


typedef struct {
    uint64_t                  start_usec;    /* monotonic, at handler entry */
    size_t                    update_len;
} ngx_mm_webhook_ctx_t;


static ngx_table_elt_t *ngx_mm_webhook_secret_header(ngx_http_request_t *r);
static void ngx_mm_webhook_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_mm_webhook_refuse(ngx_http_request_t *r,
    mm_update_rc_t check, const u_char *key, size_t key_len);
static u_char *ngx_mm_webhook_body(ngx_http_request_t *r, size_t *len);
static ngx_int_t ngx_mm_webhook_done(ngx_http_request_t *r,
    redisReply *reply, ngx_mm_call_status_e status, uint64_t usec);


ngx_int_t
ngx_mm_webhook_handler(ngx_http_request_t *r)
{
    ngx_int_t              rc;
    ngx_table_elt_t       *h;
    ngx_mm_loc_conf_t     *mlcf;
    ngx_mm_webhook_ctx_t  *ctx;

    if (r->method != NGX_HTTP_POST) {
        if (ngx_http_discard_request_body(r) != NGX_OK
            || ngx_mm_set_allow(r, "POST") != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_mm_send_text(r, NGX_HTTP_NOT_ALLOWED,
                                "only POST is allowed");
    }

    mlcf = ngx_http_get_module_loc_conf(r, ngx_mm_module);

    h = ngx_mm_webhook_secret_header(r);

    if (h == NULL
        || !mm_ct_equal(mlcf->secret.data, mlcf->secret.len,
                        h->value.data, h->value.len))
    {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* client errors are logged at "info", as nginx logs its own */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "mm: webhook refused: %s " NGX_MM_SECRET_HEADER,
                      h ? "wrong" : "no");

        return h ? ngx_mm_send_text(r, NGX_HTTP_FORBIDDEN,
                                    "wrong secret token")
                 : ngx_mm_send_text(r, NGX_HTTP_UNAUTHORIZED,
                                    "missing secret token");
    }

    ctx = ngx_palloc(r->pool, sizeof(ngx_mm_webhook_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->start_usec = ngx_mm_usec();
    ctx->update_len = 0;
    ngx_http_set_ctx(r, ctx, ngx_mm_module);

    /* with client_body_buffer_size >= client_max_body_size: one buffer */
    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_mm_webhook_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static ngx_table_elt_t *
ngx_mm_webhook_secret_header(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof(NGX_MM_SECRET_HEADER) - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) NGX_MM_SECRET_HEADER,
                               sizeof(NGX_MM_SECRET_HEADER) - 1) == 0)
        {
            return &h[i];
        }
    }
}


static void
ngx_mm_webhook_body_handler(ngx_http_request_t *r)
{
    u_char                *body, *p;
    size_t                 len, key_len;
    int64_t                update_id;
    ngx_int_t              rc;
    const char            *argv[9];
    size_t                 argvlen[9];
    mm_update_rc_t         check;
    const u_char          *key;
    ngx_mm_loc_conf_t     *mlcf;
    ngx_mm_webhook_ctx_t  *ctx;
    u_char                 id[NGX_INT64_LEN], at[NGX_INT64_LEN];

    body = ngx_mm_webhook_body(r, &len);
    if (body == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    key = NULL;
    key_len = 0;

    check = mm_update_check_key(body, len, &update_id, &key, &key_len);

    if (check != MM_UPDATE_OK) {
        ngx_http_finalize_request(r,
                          ngx_mm_webhook_refuse(r, check, key, key_len));
        return;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_mm_module);
    ctx->update_len = len;

    mlcf = ngx_http_get_module_loc_conf(r, ngx_mm_module);

    p = ngx_sprintf(id, "%L", update_id);
    argvlen[6] = p - id;

    p = ngx_sprintf(at, "%T%03M", r->start_sec, r->start_msec);
    argvlen[8] = p - at;

    argv[0] = "XADD";
    argvlen[0] = sizeof("XADD") - 1;
    argv[1] = (const char *) mlcf->stream.data;
    argvlen[1] = mlcf->stream.len;
    argv[2] = "*";
    argvlen[2] = 1;
    argv[3] = MM_STREAM_FIELD_UPDATE;
    argvlen[3] = sizeof(MM_STREAM_FIELD_UPDATE) - 1;
    argv[4] = (const char *) body;
    argvlen[4] = len;
    argv[5] = MM_STREAM_FIELD_UPDATE_ID;
    argvlen[5] = sizeof(MM_STREAM_FIELD_UPDATE_ID) - 1;
    argv[6] = (const char *) id;
    argv[7] = MM_STREAM_FIELD_RECEIVED_AT;
    argvlen[7] = sizeof(MM_STREAM_FIELD_RECEIVED_AT) - 1;
    argv[8] = (const char *) at;

    /* hiredis copies the arguments: the body may go with the request */
    rc = ngx_mm_call(r, ngx_mm_webhook_done, ctx->start_usec, 9, argv,
                     argvlen);

    if (rc == NGX_OK) {
        return;
    }

    ngx_http_finalize_request(r,
        ngx_mm_send_unavailable(r, "update store unavailable, retry later"));
}


/*
 * A 400 with the reason.  A reserved member is named as the body spells it
 * (valid JSON string content, so printable), cut to NGX_MM_KEY_SHOWN bytes
 * at a character boundary.
 */

static ngx_int_t
ngx_mm_webhook_refuse(ngx_http_request_t *r, mm_update_rc_t check,
    const u_char *key, size_t key_len)
{
    u_char      *p;
    const char  *reason;
    u_char       text[sizeof("reserved field \"\"...") + NGX_MM_KEY_SHOWN];

    reason = mm_update_strerror(check);

    if (check == MM_UPDATE_RESERVED && key != NULL) {
        p = ngx_cpymem(text, "reserved field \"",
                       sizeof("reserved field \"") - 1);

        if (key_len > NGX_MM_KEY_SHOWN) {
            key_len = NGX_MM_KEY_SHOWN;

            /* not in the middle of a UTF-8 sequence */
            while (key_len > 0 && (key[key_len] & 0xc0) == 0x80) {
                key_len--;
            }

            p = ngx_cpymem(p, key, key_len);
            p = ngx_cpymem(p, "\"...", sizeof("\"...") - 1);

        } else {
            p = ngx_cpymem(p, key, key_len);
            *p++ = '"';
        }

        *p = '\0';
        reason = (const char *) text;
    }

    /* client errors are logged at "info", as nginx logs its own */
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "mm: webhook refused: %s", reason);

    return ngx_mm_send_text(r, NGX_HTTP_BAD_REQUEST, reason);
}


/*
 * The body as one contiguous block: the buffer itself when nginx read it
 * into one (the usual case), else a copy gathered from memory and the
 * temporary file.
 */

static u_char *
ngx_mm_webhook_body(ngx_http_request_t *r, size_t *len)
{
    u_char       *body, *p;
    off_t         size;
    ssize_t       n;
    ngx_buf_t    *b, *only;
    ngx_chain_t  *cl;

    *len = 0;
    size = 0;
    only = NULL;

    if (r->request_body == NULL) {
        return (u_char *) "";
    }

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        if (ngx_buf_size(cl->buf) == 0) {
            continue;
        }

        only = (size == 0) ? cl->buf : NULL;
        size += ngx_buf_size(cl->buf);
    }

    if (size == 0) {
        return (u_char *) "";
    }

    if (only && !only->in_file) {
        *len = only->last - only->pos;
        return only->pos;
    }

    body = ngx_pnalloc(r->pool, (size_t) size);
    if (body == NULL) {
        return NULL;
    }

    p = body;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_size(b) == 0) {
            continue;
        }

        if (!b->in_file) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
            continue;
        }

        n = ngx_read_file(b->file, p, (size_t) (b->file_last - b->file_pos),
                          b->file_pos);

        if (n != b->file_last - b->file_pos) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "mm: webhook body: read %z of %O bytes from \"%V\"",
                          n, b->file_last - b->file_pos, &b->file->name);
            return NULL;
        }

        p += n;
    }

    *len = p - body;

    return body;
}


static ngx_int_t
ngx_mm_webhook_done(ngx_http_request_t *r, redisReply *reply,
    ngx_mm_call_status_e status, uint64_t usec)
{
    ngx_mm_webhook_ctx_t  *ctx;

    if (status == NGX_MM_CALL_REPLY && reply->type != REDIS_REPLY_ERROR) {
        ctx = ngx_http_get_module_ctx(r, ngx_mm_module);

        ngx_mm_metrics_observe_ack(usec);
        ngx_mm_metrics_add(NGX_MM_STAT_UPDATE_BYTES,
                           (ngx_atomic_int_t) ctx->update_len);

        return ngx_mm_send_text(r, NGX_HTTP_OK, NULL);
    }

    return ngx_mm_send_unavailable(r,
                                   status == NGX_MM_CALL_TIMEOUT
                                   ? "update store timed out, retry later"
                                   : "update store unavailable, retry later");
}
