
/*
 * Small responses the module's handlers share: a status with a one-line
 * text body, the 503 that asks the sender to come back, and Allow.
 */


#include "ngx_mm_module.h"


static ngx_str_t  ngx_mm_text_plain = ngx_string("text/plain");


/* an empty "data" sends the status alone */

ngx_int_t
ngx_mm_send(ngx_http_request_t *r, ngx_uint_t status, ngx_str_t *type,
    u_char *data, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;

    if (len == 0 || r->method == NGX_HTTP_HEAD) {
        r->header_only = 1;
        return ngx_http_send_header(r);
    }

    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = data;
    b->last = data + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK) {
        return rc;
    }

    return ngx_http_output_filter(r, &out);
}


/* a one-line reason, so a person with curl sees why */

ngx_int_t
ngx_mm_send_text(ngx_http_request_t *r, ngx_uint_t status, const char *text)
{
    u_char  *p;
    size_t   len;

    if (text == NULL) {
        return ngx_mm_send(r, status, NULL, NULL, 0);
    }

    len = ngx_strlen(text);

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, text, len);
    p[len] = '\n';

    return ngx_mm_send(r, status, &ngx_mm_text_plain, p, len + 1);
}


/* Telegram delivers the update again later; Retry-After says when */

ngx_int_t
ngx_mm_add_retry_after(ngx_http_request_t *r)
{
    ngx_table_elt_t    *h;
    ngx_mm_loc_conf_t  *mlcf;

    mlcf = ngx_http_get_module_loc_conf(r, ngx_mm_module);

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Retry-After");
    h->value = mlcf->retry_after;

    return NGX_OK;
}


ngx_int_t
ngx_mm_send_unavailable(ngx_http_request_t *r, const char *text)
{
    if (ngx_mm_add_retry_after(r) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_mm_send_text(r, NGX_HTTP_SERVICE_UNAVAILABLE, text);
}


ngx_int_t
ngx_mm_set_allow(ngx_http_request_t *r, const char *methods)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Allow");
    h->value.data = (u_char *) methods;
    h->value.len = ngx_strlen(methods);

    return NGX_OK;
}


uint64_t
ngx_mm_usec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}


/*
 * For /healthz and /metrics: GET and HEAD only, any body discarded.
 * NGX_DECLINED to go on, else what the handler returns.
 */

ngx_int_t
ngx_mm_read_only(ngx_http_request_t *r)
{
    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        return NGX_DECLINED;
    }

    if (ngx_mm_set_allow(r, "GET, HEAD") != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_mm_send_text(r, NGX_HTTP_NOT_ALLOWED,
                            "only GET and HEAD are allowed");
}
