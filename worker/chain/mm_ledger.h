/*
 * The payout ledger: rewards are paid from PostgreSQL rows, never twice.
 *
 *   pending --sign, store hash+bytes, commit--> signed --send--> paid | failed
 *    |  ^                                         |
 *    |  +----- the transaction is proven dead ----+   (refused, and unknown by hash)
 *    +-- can never be signed (amount above u128, not an account id) --> failed
 *
 * A row left unsettled waits longer each time (next_attempt_at) and goes
 * behind the others, so rows that keep failing never crowd the rest out.
 * One row per (purpose, recipient, token) makes recording idempotent; a
 * signed transaction is committed before it can leave, so a crash resumes
 * by re-sending the same bytes; a per-row advisory lock (released with the
 * connection if a worker dies) keeps two workers off one row.
 */

#ifndef MM_LEDGER_H
#define MM_LEDGER_H

#include <hiredis/hiredis.h>

#include "chain/mm_near_rpc.h"
#include "store/mm_db.h"

#define MM_LEDGER_MAX_ATTEMPTS  3

typedef struct mm_ledger_stats {
    int paid, failed, pending, skipped;
} mm_ledger_stats;

/* Records a payout once; *id is the row's, new or existing.  0, or -1. */
int mm_ledger_add(mm_db *db, const char *purpose, const char *recipient, const char *token,
                  const char *amount, long long *id, char *err, size_t errlen);

/* One pass over the operator's unfinished payouts (signer_id NULL), paying
 * from signer; 0, or -1 when the database failed (what the chain said is
 * in the rows). */
int mm_ledger_run(mm_db *db, redisContext *redis, mm_near_rpc *rpc, const char *signer,
                  const char *secret_key, mm_ledger_stats *stats, char *err, size_t errlen);

/* Pays the one row id from signer (the operator's, or a player's wallet
 * for a withdrawal) unless another worker holds it; 0, or -1 when the
 * database failed.  st counts the outcome. */
int mm_ledger_pay_one(mm_db *db, redisContext *redis, mm_near_rpc *rpc, long long id,
                      const char *signer, const char *secret_key, mm_ledger_stats *st,
                      char *err, size_t errlen);

#endif /* MM_LEDGER_H */
