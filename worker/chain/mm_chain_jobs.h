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

void *mm_chain_main(void *ctx);

#endif /* MM_CHAIN_JOBS_H */
