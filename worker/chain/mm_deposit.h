/*
 * Verifying a deposit that funds a quiz: the user names a transaction hash;
 * the chain must show it final and successful, signed by the user, paying
 * the bot at least the amount in NEAR (Transfer actions) or in a NEP-141
 * token (ft_transfer calls to the bot, confirmed by the token's own
 * ft_transfer events), recent, and never credited before.  Users get at
 * most MM_DEPOSIT_RATE verifications per MM_DEPOSIT_WINDOW_S.
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
    const char *signer;       /* the user's account */
    const char *bot;          /* our account, the receiver */
    const char *token;        /* "NEAR" or the token contract */
    const char *min_amount;   /* base units, decimal */
    long max_age_s;           /* how old the transaction may be */
} mm_deposit;

/* On MM_DEPOSIT_OK, amount gets the credited amount (decimal). */
mm_deposit_rc mm_deposit_verify(mm_db *db, redisContext *redis, mm_near_rpc *rpc,
                                const mm_deposit *d, char amount[48],
                                char *reason, size_t reasonlen);

const char *mm_deposit_name(mm_deposit_rc rc);

#endif /* MM_DEPOSIT_H */
