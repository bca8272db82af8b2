/*
 * A NEAR transfer from the operator's account, end to end: one signer per
 * access key across every worker process (a Redis lease), the nonce from a
 * Redis cache refilled from the chain, a final block hash, signing, and
 * safe sending.  An InvalidNonce refusal drops the cache and builds again
 * (at most 3 times); nothing else ever builds a second transaction.
 */

#ifndef MM_NEAR_TRANSFER_H
#define MM_NEAR_TRANSFER_H

#include <hiredis/hiredis.h>

#include "chain/mm_near_rpc.h"
#include "chain/mm_near_send.h"

/* Takes the lease on signer's key: 0 taken, 1 when another process holds
 * it past wait_ms, -1 when Redis failed (no reply: redis->err is set, or
 * an error reply).  token identifies our lease for the release. */
int mm_near_signer_lock(redisContext *redis, const char *signer, const char *public_key,
                        long ttl_ms, long wait_ms, char token[33]);
/* The same lease without waiting: 0 taken, -1 held by another (or Redis
 * failed: the caller's loop reconnects). */
int mm_near_signer_trylock(redisContext *redis, const char *signer, const char *public_key,
                           long ttl_ms, char token[33]);
void mm_near_signer_unlock(redisContext *redis, const char *signer, const char *public_key,
                           const char token[33]);

/* The next nonce of signer's key (the Redis cache's, INCR, else the
 * chain's + 1); call it holding the key's lease so that transactions leave
 * in nonce order.  0, or -1 with reason. */
int mm_near_next_nonce(redisContext *redis, mm_near_rpc *rpc, const char *signer,
                       const char *public_key, uint64_t *nonce, char *reason, size_t reasonlen);

/* Moves the key's cached nonce up to chain_nonce (an InvalidNonce's
 * ak_nonce) if it is below, never down: a payer with transactions in
 * flight keeps handing out nonces above theirs. */
void mm_near_nonce_raise(redisContext *redis, const char *signer, const char *public_key,
                         uint64_t chain_nonce);

/* Drops the key's cached nonce (after an InvalidNonce): read from the chain next. */
void mm_near_nonce_forget(redisContext *redis, const char *signer, const char *public_key);

#define MM_NEAR_FT_GAS  "30000000000000"     /* 30 Tgas */

/* Told each signed transaction before it is sent; non-zero stops the send. */
typedef int (*mm_near_signed_pt)(const char *hash, const char *signed_b64, uint64_t nonce,
                                 void *data);

/* Signs and sends actions to receiver as signer, waiting at most
 * lock_wait_ms for the key; *hash gets the transaction hash once signed. */
mm_send_rc mm_near_pay(redisContext *redis, mm_near_rpc *rpc, const char *signer,
                       const char *secret_key, const char *receiver, json_t *actions,
                       long lock_wait_ms, mm_near_signed_pt on_signed, void *data,
                       char hash[48], json_t **outcome, char *reason, size_t reasonlen);

/* The actions of a NEP-141 payment: ft_transfer (1 yocto, 30 Tgas), after
 * a storage_deposit of storage_balance_bounds.min when the receiver is not
 * registered; NULL with reason when the token cannot be read. */
json_t *mm_near_ft_actions(mm_near_rpc *rpc, const char *token, const char *receiver,
                           const char *amount, const char *memo, char *reason, size_t reasonlen);

/* NEP-141 ft_transfer of amount (the token's smallest units) with exactly
 * 1 yoctoNEAR; when the receiver is not registered (NEP-145), a
 * storage_deposit of storage_balance_bounds.min goes first in the same
 * transaction. */
mm_send_rc mm_near_ft_transfer(redisContext *redis, mm_near_rpc *rpc, const char *signer,
                               const char *secret_key, const char *token, const char *receiver,
                               const char *amount, const char *memo, long lock_wait_ms,
                               char hash[48], json_t **outcome, char *reason, size_t reasonlen);

/* Sends amount (yoctoNEAR, decimal) from signer to receiver, waiting at
 * most lock_wait_ms for the key; *hash gets the transaction hash (base58)
 * once one was signed. */
mm_send_rc mm_near_transfer(redisContext *redis, mm_near_rpc *rpc, const char *signer,
                            const char *secret_key, const char *receiver, const char *amount,
                            long lock_wait_ms, char hash[48], json_t **outcome,
                            char *reason, size_t reasonlen);

#endif /* MM_NEAR_TRANSFER_H */
