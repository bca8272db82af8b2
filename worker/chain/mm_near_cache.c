#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "chain/mm_near_cache.h"

/* the cached text under key, or NULL; the reply is the caller's */
static redisReply *cached(redisContext *redis, const char *key) {
    redisReply *r = redisCommand(redis, "GET %s", key);

    if (r && r->type == REDIS_REPLY_STRING)
        return r;
    freeReplyObject(r);
    return NULL;
}

mm_view_rc mm_near_cached_balance(redisContext *redis, mm_near_rpc *rpc, const char *account,
                                  const char *token, char out[48], mm_rpc_error *err) {
    char key[200];
    unsigned __int128 amount = 0;
    redisReply *hit;
    mm_view_rc rc;

    snprintf(key, sizeof(key), "mm:near:balance:%s:%s", token ? token : "NEAR", account);
    if ((hit = cached(redis, key)) != NULL) {
        snprintf(out, 48, "%s", hit->str);
        freeReplyObject(hit);
        return MM_VIEW_OK;
    }
    if (token == NULL) {
        rc = mm_near_balance(rpc, account, &amount, err);
    } else {
        rc = mm_near_ft_balance(rpc, token, account, &amount, err);
    }
    if (rc != MM_VIEW_OK)
        return rc;
    mm_near_u128_text(amount, out);
    freeReplyObject(redisCommand(redis, "SET %s %s EX %d", key, out, MM_NEAR_BALANCE_TTL));
    return MM_VIEW_OK;
}

mm_view_rc mm_near_cached_metadata(redisContext *redis, mm_near_rpc *rpc, const char *token,
                                   json_t **meta, mm_rpc_error *err) {
    char key[200], *text;
    redisReply *hit;
    json_t *args;
    mm_view_rc rc;

    snprintf(key, sizeof(key), "mm:near:ft_metadata:%s", token);
    if ((hit = cached(redis, key)) != NULL) {
        *meta = json_loads(hit->str, 0, NULL);
        freeReplyObject(hit);
        if (*meta)
            return MM_VIEW_OK;
    }
    args = json_object();
    rc = mm_near_view_call(rpc, token, "ft_metadata", args, meta, err);
    json_decref(args);
    if (rc != MM_VIEW_OK)
        return rc;
    if (!json_is_object(*meta) || !json_is_integer(json_object_get(*meta, "decimals"))) {
        json_decref(*meta);
        *meta = NULL;
        snprintf(err->name, sizeof(err->name), "BAD_ANSWER");
        snprintf(err->message, sizeof(err->message), "%s.ft_metadata is not NEP-148 metadata",
                 token);
        return MM_VIEW_ERROR;
    }
    if ((text = json_dumps(*meta, JSON_COMPACT)) != NULL) {
        freeReplyObject(redisCommand(redis, "SET %s %s EX %d", key, text, MM_NEAR_METADATA_TTL));
        free(text);
    }
    return MM_VIEW_OK;
}
