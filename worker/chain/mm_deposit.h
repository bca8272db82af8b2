/*
 * Verifying a deposit: the user pastes a transaction hash, and it is
 * credited to them, once, only when the money went where only they gain
 * by it:
 *   - without a quiz: to their own bot wallet, user<id>.<operator> (NEAR
 *     Transfer actions to it, or ft_transfer calls on the token naming it
 *     as receiver_id): a top-up, which anyone may sign;
 *   - with a quiz: to the operator by ft_transfer whose memo is exactly
 *     "quiz:<id>" of that quiz, and the user is its creator.  A NEAR
 *     Transfer carries no memo, so NEAR never funds a quiz this way: it
 *     goes to the creator's wallet first.
 * A bare payment to the operator binds to nobody and is never credited:
 * whoever saw it on chain could claim it.  Tokens count only as far as
 * the token's own NEP-141 ft_transfer events (same receiver, same memo)
 * confirm them.  The transaction must be final and successful, recent and
 * not credited before; the user gets at most MM_DEPOSIT_RATE
 * verifications per MM_DEPOSIT_WINDOW_S.
 */

#ifndef MM_DEPOSIT_H
#define MM_DEPOSIT_H

#include <hiredis/hiredis.h>
#include "chain/mm_near_rpc.h"
#include "store/mm_db.h"

#define MM_DEPOSIT_RATE      10
#define MM_DEPOSIT_WINDOW_S  600

typedef enum {
    MM_DEPOSIT_OK = 0,        /* credited now */
    MM_DEPOSIT_REJECTED,      /* not a deposit we accept; reason says why */
    MM_DEPOSIT_PENDING,       /* not final yet, or the chain could not be asked */
    MM_DEPOSIT_LIMITED        /* too many verifications: try later */
} mm_deposit_rc;

typedef struct mm_deposit {
    long long telegram_user_id;
    const char *tx_hash;
    const char *sender_hint;  /* NULL, or the account that signed it: only where the
                               * chain looks the hash up (nearcore routes by the
                               * sender's shard); it grants nothing */
    const char *bot;          /* our account, the operator */
    const char *token;        /* "NEAR" or the token contract */
    const char *min_amount;   /* base units, decimal */
    long max_age_s;           /* how old the transaction may be */
    long long quiz_id;        /* 0: a top-up of the user's wallet; else the quiz it funds */
} mm_deposit;

/* Credits d's transaction to d->telegram_user_id once (a deposits row,
 * keyed by the hash, with the signer the chain shows); nothing is written
 * unless it returns MM_DEPOSIT_OK.  On MM_DEPOSIT_OK, amount gets the
 * credited amount (decimal); otherwise reason says why. */
mm_deposit_rc mm_deposit_verify(mm_db *db, redisContext *redis, mm_near_rpc *rpc,
                                const mm_deposit *d, char amount[48],
                                char *reason, size_t reasonlen);

const char *mm_deposit_name(mm_deposit_rc rc);

#endif /* MM_DEPOSIT_H */
