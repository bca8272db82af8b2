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
#include "chain/mm_near_wallet.h"
#include "mm_loop.h"
#include "sched/mm_queue.h"

#define MM_JOB_WALLET   "wallet"        /* payload {}; result {account_id, created, balances} */
#define MM_JOB_WITHDRAW "withdraw"      /* payload {withdrawal, payout}; result: the payout */
#define MM_JOB_FUND     "fund"          /* payload {quiz}; result {payout, state} or {refused} */

typedef struct mm_chain {
    mm_loop loop;
    const mm_chain_cfg *cfg;
    mm_near_rpc rpc;
    long long next_sweep;
} mm_chain;

void mm_chain_init(mm_chain *c, mm_ctx *ctx);

/* The player's wallet, created on chain if it is not yet: 0 with w filled
 * (w->sealed malloc'd), -1 with why (chain/mm_chain_jobs.c). */
int mm_chain_wallet_ensure(mm_chain *c, long long user, mm_near_wallet *w, int *created,
                           char *err, size_t errlen);

/* Pays payout row id with the key of the wallet that signs it, opened for
 * that moment only; 0, or -1 with why. */
int mm_chain_pay(mm_chain *c, long long payout, char *err, size_t errlen);

/* A "fund" job: a paid quiz's pool and fee from its creator's wallet to the
 * operator, checked against the wallet's balance first (too little: the
 * job's result says so and nothing is recorded) (chain/mm_chain_fund.c). */
json_t *mm_chain_fund_job(void *runner, mm_job *job, char *err, size_t errlen);

#endif /* MM_CHAIN_JOBS_H */
