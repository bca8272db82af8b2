/*
 * The payout ledger: rewards are paid from PostgreSQL rows, never twice.
 *
 *   pending --sign, store hash+bytes, commit--> signed --send--> paid | failed
 *    |  ^                                         |
 *    |  +----- the transaction is proven dead ----+   (unknown by hash, and refused
 *    |                                                 for good: nonce passed, expired,
 *    |                                                 malformed — or fresh bytes refused
 *    |                                                 on their only delivery)
 *    +-- can never be signed (amount above u128, not an account id) --> failed
 *
 * A refusal that may pass (NotEnoughBalance, …) of bytes a node may hold
 * is not proof: an earlier copy could still land, so the same bytes are
 * sent again later until they land, or their nonce is passed or they expire.
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
#include "chain/mm_near_send.h"
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

/* The pieces of a payment, for a payer that keeps several in flight (chain/mm_payer.c),
 * to be called only while holding the row's lock (MM_SQL_PAYOUT_LOCK): */

/* The actions paying the row PAYOUT_TO_PAY read (row 0) and *receiver
 * (pointing into row): a new reference, or NULL with reason — with *never
 * set when the row can never be signed (fail it), else for a later try. */
json_t *mm_ledger_actions(mm_near_rpc *rpc, const PGresult *row, const char **receiver,
                          int *never, char *reason, size_t len);

/* Commits the row's signed transaction (state signed, one more attempt)
 * before it can be sent; 0, or -1 with db->err — also when the row is no
 * longer pending or signed (made final meanwhile: it must not be sent). */
int mm_ledger_signed(mm_db *db, long long id, const char *hash, const char *signed_b64,
                     uint64_t nonce);

/* Makes what the chain said (rc, reason) the row's state through the
 * settling statements: paid | failed (a payout_done timer to its
 * notify_chat), pending again when proven never on chain (failed after 3),
 * or a note and a later turn; 0, or -1 when the database failed. */
int mm_ledger_finish(mm_db *db, long long id, mm_send_rc rc, const char *reason,
                     mm_ledger_stats *st, char *err, size_t errlen);

#endif /* MM_LEDGER_H */
