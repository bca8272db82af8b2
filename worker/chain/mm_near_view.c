#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "chain/mm_base58.h"
#include "chain/mm_borsh.h"
#include "chain/mm_near_view.h"

static mm_view_rc mm_view_fail(mm_rpc_error *err, const char *cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static mm_view_rc mm_view_fail(mm_rpc_error *err, const char *cause, const char *fmt, ...) {
    va_list ap;

    snprintf(err->name, sizeof(err->name), "BAD_ANSWER");
    snprintf(err->cause, sizeof(err->cause), "%s", cause);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return MM_VIEW_ERROR;
}

/* runs a mm_view_query; the node's "missing" answers come in two forms: an error
 * cause, or (older nodes) a result whose "error" string says so (NULL
 * missing_cause: no answer means "missing", every error is one) */
static mm_view_rc mm_view_query(mm_near_rpc *rpc, json_t *params, const char *missing_cause,
                        const char *missing_text, json_t **result, mm_rpc_error *err) {
    mm_rpc_rc rc = mm_near_rpc_call(rpc, "query", params, result, err);
    const char *legacy;

    json_decref(params);
    if (rc == MM_RPC_ERROR && missing_cause && strcmp(err->cause, missing_cause) == 0) {
        json_decref(err->error);
        err->error = NULL;
        return MM_VIEW_MISSING;
    }
    if (rc != MM_RPC_OK)
        return MM_VIEW_ERROR;
    if ((legacy = json_string_value(json_object_get(*result, "error"))) != NULL) {
        mm_view_rc out = missing_text && strstr(legacy, missing_text) ? MM_VIEW_MISSING
                         : mm_view_fail(err, "QUERY_ERROR", "%s", legacy);
        json_decref(*result);
        *result = NULL;
        return out;
    }
    return MM_VIEW_OK;
}

mm_view_rc mm_near_final_block(mm_near_rpc *rpc, uint8_t hash[32], uint64_t *height,
                               mm_rpc_error *err) {
    json_t *params = json_pack("{s:s}", "finality", "final"), *block, *header;
    mm_rpc_rc rc = mm_near_rpc_call(rpc, "block", params, &block, err);
    const char *h;
    mm_view_rc out = MM_VIEW_OK;

    json_decref(params);
    if (rc != MM_RPC_OK)
        return MM_VIEW_ERROR;
    header = json_object_get(block, "header");
    h = json_string_value(json_object_get(header, "hash"));
    if (h == NULL || mm_base58_decode(h, strlen(h), hash, 32) != 0
        || !json_is_integer(json_object_get(header, "height")))
        out = mm_view_fail(err, "BLOCK", "block answer without a header hash and height");
    else
        *height = (uint64_t) json_integer_value(json_object_get(header, "height"));
    json_decref(block);
    return out;
}

mm_view_rc mm_near_access_key_nonce(mm_near_rpc *rpc, const char *account,
                                    const char *public_key, uint64_t *nonce,
                                    mm_rpc_error *err) {
    json_t *r;
    mm_view_rc rc = mm_view_query(rpc,
                                  json_pack("{s:s, s:s, s:s, s:s}", "request_type",
                                            "view_access_key", "finality", "optimistic",
                                            "account_id", account, "public_key", public_key),
                                  "UNKNOWN_ACCESS_KEY", "does not exist", &r, err);

    if (rc != MM_VIEW_OK)
        return rc;
    if (!json_is_integer(json_object_get(r, "nonce")))
        rc = mm_view_fail(err, "ACCESS_KEY", "view_access_key answer without a nonce");
    else
        *nonce = (uint64_t) json_integer_value(json_object_get(r, "nonce"));
    json_decref(r);
    return rc;
}

mm_view_rc mm_near_balance(mm_near_rpc *rpc, const char *account,
                           unsigned __int128 *amount, mm_rpc_error *err) {
    json_t *r;
    mm_view_rc rc = mm_view_query(rpc, json_pack("{s:s, s:s, s:s}", "request_type", "view_account",
                                         "finality", "final", "account_id", account),
                          "UNKNOWN_ACCOUNT", "does not exist", &r, err);

    if (rc != MM_VIEW_OK)
        return rc;
    if (mm_borsh_parse_u128(json_string_value(json_object_get(r, "amount")), amount))
        rc = mm_view_fail(err, "ACCOUNT", "view_account answer without a decimal amount");
    json_decref(r);
    return rc;
}

mm_view_rc mm_near_view_call(mm_near_rpc *rpc, const char *contract, const char *method,
                             json_t *args, json_t **value, mm_rpc_error *err) {
    char *text = json_dumps(args, JSON_COMPACT), *b64;
    size_t len = text ? strlen(text) : 0, i;
    json_t *r, *bytes, *byte;
    mm_view_rc rc;
    unsigned char *raw;

    b64 = malloc(4 * ((len + 2) / 3) + 1);
    if (text == NULL || b64 == NULL) {
        free(text);
        free(b64);
        return mm_view_fail(err, "REQUEST", "out of memory");
    }
    EVP_EncodeBlock((unsigned char *) b64, (unsigned char *) text, (int) len);
    free(text);
    rc = mm_view_query(rpc, json_pack("{s:s, s:s, s:s, s:s, s:s}", "request_type", "call_function",
                              "finality", "final", "account_id", contract, "method_name", method,
                              "args_base64", b64),
               NULL, NULL, &r, err);       /* no contract there is an error: not a token */
    free(b64);
    if (rc != MM_VIEW_OK)
        return rc;

    /* "result" is an array of byte values: the method's JSON return value */
    bytes = json_object_get(r, "result");
    raw = malloc(json_array_size(bytes) + 1);
    if (!json_is_array(bytes) || raw == NULL) {
        free(raw);
        json_decref(r);
        return mm_view_fail(err, "CALL_FUNCTION", "call_function answer without a result array");
    }
    json_array_foreach(bytes, i, byte)
        raw[i] = (unsigned char) json_integer_value(byte);
    *value = json_loadb((char *) raw, json_array_size(bytes), JSON_DECODE_ANY, NULL);
    free(raw);
    json_decref(r);
    if (*value == NULL)
        return mm_view_fail(err, "CALL_FUNCTION", "%s.%s returned something that is not JSON",
                    contract, method);
    return MM_VIEW_OK;
}

mm_view_rc mm_near_ft_balance(mm_near_rpc *rpc, const char *token, const char *account,
                              unsigned __int128 *amount, mm_rpc_error *err) {
    json_t *args = json_pack("{s:s}", "account_id", account), *v;
    mm_view_rc rc = mm_near_view_call(rpc, token, "ft_balance_of", args, &v, err);

    json_decref(args);
    if (rc != MM_VIEW_OK)
        return rc;
    if (mm_borsh_parse_u128(json_string_value(v), amount))
        rc = mm_view_fail(err, "FT_BALANCE", "%s.ft_balance_of did not return a decimal string",
                          token);
    json_decref(v);
    return rc;
}

mm_view_rc mm_near_ft_registered(mm_near_rpc *rpc, const char *token, const char *account,
                                 mm_rpc_error *err) {
    json_t *args = json_pack("{s:s}", "account_id", account), *v;
    mm_view_rc rc = mm_near_view_call(rpc, token, "storage_balance_of", args, &v, err);

    json_decref(args);
    if (rc != MM_VIEW_OK)
        return rc;
    rc = json_is_null(v) ? MM_VIEW_MISSING : MM_VIEW_OK;
    json_decref(v);
    return rc;
}

void mm_near_u128_text(unsigned __int128 v, char *out) {
    char tmp[40];
    int n = 0;

    do {
        tmp[n++] = (char) ('0' + (int) (v % 10));
        v /= 10;
    } while (v);
    while (n)
        *out++ = tmp[--n];
    *out = '\0';
}
