/*
 * Reading the chain: the final block to sign against, an access key's
 * nonce, balances in NEAR and in NEP-141 tokens, token metadata and NEP-145
 * storage registration.  Every call goes through the failover client.
 *
 * Each returns MM_VIEW_OK, MM_VIEW_MISSING (the account, key or
 * registration does not exist: an answer, not a failure) or MM_VIEW_ERROR
 * with err filled.
 */

#ifndef MM_NEAR_VIEW_H
#define MM_NEAR_VIEW_H

#include <stdint.h>

#include <jansson.h>

#include "chain/mm_near_rpc.h"

typedef enum { MM_VIEW_OK = 0, MM_VIEW_MISSING, MM_VIEW_ERROR } mm_view_rc;

mm_view_rc mm_near_final_block(mm_near_rpc *rpc, uint8_t hash[32], uint64_t *height,
                               mm_rpc_error *err);

/* the access key's nonce at the optimistic head (the next tx uses nonce + 1) */
mm_view_rc mm_near_access_key_nonce(mm_near_rpc *rpc, const char *account,
                                    const char *public_key, uint64_t *nonce,
                                    mm_rpc_error *err);

mm_view_rc mm_near_balance(mm_near_rpc *rpc, const char *account,
                           unsigned __int128 *amount, mm_rpc_error *err);

/* a view method's return value, parsed from the bytes it returned */
mm_view_rc mm_near_view_call(mm_near_rpc *rpc, const char *contract, const char *method,
                             json_t *args, json_t **value, mm_rpc_error *err);

mm_view_rc mm_near_ft_balance(mm_near_rpc *rpc, const char *token, const char *account,
                              unsigned __int128 *amount, mm_rpc_error *err);

/* MM_VIEW_MISSING when storage_balance_of says null: ft_transfer would fail */
mm_view_rc mm_near_ft_registered(mm_near_rpc *rpc, const char *token, const char *account,
                                 mm_rpc_error *err);

/* writes the decimal text of v into out (at least 40 bytes) */
void mm_near_u128_text(unsigned __int128 v, char *out);

#endif /* MM_NEAR_VIEW_H */
