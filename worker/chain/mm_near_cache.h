/*
 * What players see of the chain, cached in Redis: balances for 300 s and
 * token metadata for an hour.  For display only: payouts and deposits
 * always ask the chain.
 */

#ifndef MM_NEAR_CACHE_H
#define MM_NEAR_CACHE_H

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "chain/mm_near_view.h"

#define MM_NEAR_BALANCE_TTL   300
#define MM_NEAR_METADATA_TTL  3600

/* the balance of account in NEAR (token NULL) or a token, as decimal text */
mm_view_rc mm_near_cached_balance(redisContext *redis, mm_near_rpc *rpc, const char *account,
                                  const char *token, char out[48], mm_rpc_error *err);

/* ft_metadata of a token (a new reference in *meta) */
mm_view_rc mm_near_cached_metadata(redisContext *redis, mm_near_rpc *rpc, const char *token,
                                   json_t **meta, mm_rpc_error *err);

#endif /* MM_NEAR_CACHE_H */
