/*
 * The chain thread: what a player asks of their wallet, off the update
 * path.  It runs chain jobs claimed from PostgreSQL with a lease — open a
 * wallet (create it on chain if needed, the sealed key stored before
 * anything is sent; read its balances) and send a confirmed withdrawal
 * (one payout row, signed with the player's key opened for that moment
 * only) — and ends each with a timer into the chat's partition, where the
 * bot answers exactly once.  It also settles withdrawals left unfinished
 * (a crash, an unreachable network) by re-sending their signed bytes.
 * Started only when NEAR_WALLET_ADDRESS is set.
 */

#ifndef MM_CHAIN_JOBS_H
#define MM_CHAIN_JOBS_H

#include "chain/mm_chain_config.h"
#include "chain/mm_near_rpc.h"
#include "mm_loop.h"

#define MM_JOB_WALLET   "wallet"        /* payload {}; result {account_id, created, balances} */
#define MM_JOB_WITHDRAW "withdraw"      /* payload {withdrawal, payout}; result: the payout */

typedef struct mm_chain {
    mm_loop loop;
    const mm_chain_cfg *cfg;
    mm_near_rpc rpc;
    long long next_sweep;
} mm_chain;

void mm_chain_init(mm_chain *c, mm_ctx *ctx);

#endif /* MM_CHAIN_JOBS_H */
