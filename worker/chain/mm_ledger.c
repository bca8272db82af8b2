#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/mm_borsh.h"
#include "chain/mm_ledger.h"
#include "chain/mm_near_key.h"
#include "chain/mm_near_send.h"
#include "chain/mm_near_transfer.h"
#include "sched/mm_timers.h"

typedef struct mm_ledger_row {
    mm_db *db;
    long long id;
} mm_ledger_row;

int mm_ledger_add(mm_db *db, const char *purpose, const char *recipient, const char *token,
                  const char *amount, long long *id, char *err, size_t errlen) {
    mm_params p;
    PGresult *res;

    if (!mm_near_account_id_valid(recipient)) {
        snprintf(err, errlen, "\"%s\" is not a valid account id", recipient);
        return -1;
    }
    if (strcmp(token, "NEAR") && !mm_near_account_id_valid(token)) {
        snprintf(err, errlen, "token must be NEAR or a token contract's account id");
        return -1;
    }
    mm_params_init(&p, MM_SQL_PAYOUT_ADD);
    mm_param_str(&p, purpose);
    mm_param_str(&p, recipient);
    mm_param_str(&p, token);
    mm_param_str(&p, amount);
    if (mm_db_one(db, &p, &res) != 1) {
        snprintf(err, errlen, "%s", db->err);
        return -1;
    }
    *id = mm_col_ll(res, 0, 0);
    PQclear(res);
    return 0;
}

int mm_ledger_signed(mm_db *db, long long id, const char *hash, const char *signed_b64,
                     uint64_t nonce) {
    mm_params p;

    mm_params_init(&p, MM_SQL_PAYOUT_SIGNED);
    mm_param_ll(&p, id);
    mm_param_str(&p, hash);
    mm_param_str(&p, signed_b64);
    mm_param_ll(&p, (long long) nonce);
    /* a row made final meanwhile (a funding cancelled) is not sent */
    return mm_db_count(db, &p) == 1 ? 0 : -1;
}

/* stores the signed transaction before it can be sent (mm_near_pay's hook) */
static int mm_ledger_store_signed(const char *hash, const char *signed_b64, uint64_t nonce,
                                  void *data) {
    mm_ledger_row *r = data;

    return mm_ledger_signed(r->db, r->id, hash, signed_b64, nonce);
}

static int mm_ledger_settle(mm_db *db, long long id, mm_send_rc rc, int attempts,
                            const char *reason, mm_ledger_stats *st, char *err, size_t errlen) {
    mm_params p;
    mm_sql sql;

    switch (rc) {
    case MM_SEND_SUCCESS:
        st->paid++;
        sql = MM_SQL_PAYOUT_PAID;
        break;
    case MM_SEND_FAILED:
        st->failed++;
        sql = MM_SQL_PAYOUT_FAILED;
        break;
    case MM_SEND_REJECTED:
        /* never on chain: a new transaction may be built, a few times */
        if (attempts >= MM_LEDGER_MAX_ATTEMPTS) {
            st->failed++;
            sql = MM_SQL_PAYOUT_FAILED;
        } else {
            st->pending++;
            sql = MM_SQL_PAYOUT_RESIGN;
        }
        break;
    default:
        st->pending++;
        sql = MM_SQL_PAYOUT_NOTE;
    }
    mm_params_init(&p, sql);
    mm_param_ll(&p, id);
    if (sql != MM_SQL_PAYOUT_PAID)
        mm_param_str(&p, reason);
    if (sql == MM_SQL_PAYOUT_PAID || sql == MM_SQL_PAYOUT_FAILED)
        mm_param_str(&p, MM_TIMER_PAYOUT_DONE);     /* told to the row's chat, if any */
    if (mm_db_do(db, &p)) {
        snprintf(err, errlen, "%s", db->err);
        return -1;
    }
    return 0;
}

/* Whether a row could ever be signed: a NEAR account id to pay, NEAR or
 * a token contract, an amount that is a u128 above zero.  A row that fails
 * this never will be signed, whatever is retried; 0, or -1 with reason. */
static int mm_ledger_signable(const char *recipient, const char *token, const char *amount,
                              char *reason, size_t len) {
    unsigned __int128 units;

    if (!mm_near_account_id_valid(recipient))
        return snprintf(reason, len, "cannot sign: the recipient is not a NEAR account id"), -1;
    if (strcmp(token, "NEAR") && !mm_near_account_id_valid(token))
        return snprintf(reason, len, "cannot sign: the token is not a contract's account id"), -1;
    if (mm_borsh_parse_u128(amount, &units) || units == 0)
        return snprintf(reason, len, "cannot sign: the amount is not a u128 above zero"), -1;
    return 0;
}

/* pays one mm_ledger_row we hold the lock of */
static int mm_ledger_pay(mm_db *db, redisContext *redis, mm_near_rpc *rpc, const char *signer,
               const char *secret_key, long long id, mm_ledger_stats *st,
               char *err, size_t errlen) {
    json_t *outcome = NULL, *actions = NULL;
    char reason[512] = "", hash[48];
    mm_send_rc rc;
    mm_ledger_row r = { db, id };
    mm_params p;
    PGresult *res;
    int found;

    /* read it again under the lock: another worker may have finished it */
    mm_params_init(&p, MM_SQL_PAYOUT_TO_PAY);
    mm_param_ll(&p, id);
    if ((found = mm_db_one(db, &p, &res)) < 0) {
        snprintf(err, errlen, "%s", db->err);
        return -1;
    }
    if (found == 0) {
        st->skipped++;
        return 0;
    }

    if (strcmp(mm_col_str(res, 0, MM_PAY_STATE), "signed") == 0) {
        /* resume: only ever the same bytes */
        rc = mm_near_send(rpc, mm_col_str(res, 0, MM_PAY_SIGNED), mm_col_str(res, 0, MM_PAY_HASH),
                          signer, "FINAL", 0, &outcome, reason, sizeof(reason));
    } else {
        const char *receiver;
        int never = 0;

        actions = mm_ledger_actions(rpc, res, &receiver, &never, reason, sizeof(reason));
        if (never) {
            /* nothing was signed: failing it is safe, and says why */
            PQclear(res);
            return mm_ledger_settle(db, id, MM_SEND_FAILED, 0, reason, st, err, errlen);
        }
        rc = actions
                 ? mm_near_pay(redis, rpc, signer, secret_key, receiver, actions, 30000,
                               mm_ledger_store_signed, &r, hash, &outcome, reason, sizeof(reason))
                 : MM_SEND_PENDING;
        json_decref(actions);
    }
    PQclear(res);
    json_decref(outcome);
    return mm_ledger_finish(db, id, rc, reason, st, err, errlen);
}

json_t *mm_ledger_actions(mm_near_rpc *rpc, const PGresult *row, const char **receiver,
                          int *never, char *reason, size_t len) {
    const char *recipient = mm_col_str(row, 0, MM_PAY_RECIPIENT);
    const char *token = mm_col_str(row, 0, MM_PAY_TOKEN);
    const char *amount = mm_col_str(row, 0, MM_PAY_AMOUNT);

    *never = 0;
    if (mm_ledger_signable(recipient, token, amount, reason, len)) {
        *never = 1;
        return NULL;
    }
    if (strcmp(token, "NEAR") == 0) {
        *receiver = recipient;
        return json_pack("[{s:{s:s}}]", "Transfer", "deposit", amount);
    }
    *receiver = token;
    return mm_near_ft_actions(rpc, token, recipient, amount, NULL, reason, len);
}

int mm_ledger_finish(mm_db *db, long long id, mm_send_rc rc, const char *reason,
                     mm_ledger_stats *st, char *err, size_t errlen) {
    mm_params p;
    PGresult *res;
    int attempts;

    /* attempts as they are now: each signed transaction counted one */
    mm_params_init(&p, MM_SQL_PAYOUT_ATTEMPTS);
    mm_param_ll(&p, id);
    if (mm_db_one(db, &p, &res) != 1) {
        snprintf(err, errlen, "%s", db->err);
        return -1;
    }
    attempts = mm_col_int(res, 0, MM_ATTEMPTS_COUNT);
    /* refused before anything was signed: nothing to undo, try again later */
    if (rc == MM_SEND_REJECTED && strcmp(mm_col_str(res, 0, MM_ATTEMPTS_STATE), "pending") == 0)
        rc = MM_SEND_PENDING;
    PQclear(res);
    return mm_ledger_settle(db, id, rc, attempts, reason[0] ? reason : "ok", st, err, errlen);
}

int mm_ledger_run(mm_db *db, redisContext *redis, mm_near_rpc *rpc, const char *signer,
                  const char *secret_key, mm_ledger_stats *st, char *err, size_t errlen) {
    mm_params p;
    PGresult *ids;
    int rc = 0;

    memset(st, 0, sizeof(*st));
    mm_params_init(&p, MM_SQL_PAYOUTS_UNPAID);
    if ((ids = mm_db_query(db, &p)) == NULL) {
        snprintf(err, errlen, "%s", db->err);
        return -1;
    }
    for (int i = 0; i < PQntuples(ids) && rc == 0; i++)
        rc = mm_ledger_pay_one(db, redis, rpc, mm_col_ll(ids, i, 0), signer, secret_key, st,
                               err, errlen);
    PQclear(ids);
    return rc;
}

int mm_ledger_pay_one(mm_db *db, redisContext *redis, mm_near_rpc *rpc, long long id,
                      const char *signer, const char *secret_key, mm_ledger_stats *st,
                      char *err, size_t errlen) {
    mm_params p;
    PGresult *lock;
    int mine, rc;

    mm_params_init(&p, MM_SQL_PAYOUT_LOCK);
    mm_param_ll(&p, id);
    if (mm_db_one(db, &p, &lock) != 1) {
        snprintf(err, errlen, "%s", db->err);
        return -1;
    }
    mine = mm_col_bool(lock, 0, 0);
    PQclear(lock);
    if (!mine) {
        st->skipped++;
        return 0;
    }
    rc = mm_ledger_pay(db, redis, rpc, signer, secret_key, id, st, err, errlen);
    mm_params_init(&p, MM_SQL_PAYOUT_UNLOCK);
    mm_param_ll(&p, id);
    if (mm_db_do(db, &p))       /* a lost connection releases it anyway */
        snprintf(err, errlen, "%s", db->err);
    return rc;
}
