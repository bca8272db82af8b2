#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm_ledger.h"
#include "mm_near_key.h"
#include "mm_near_send.h"
#include "mm_near_transfer.h"

typedef struct row {
    PGconn *pg;
    char id[24];
} row;

/* runs a parameterised statement; 0, or -1 with the first line of the error */
static int run(PGconn *pg, const char *sql, int n, const char *const *params,
               PGresult **out, char *err, size_t errlen) {
    PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *msg = PQresultErrorMessage(res);
        snprintf(err, errlen, "%.*s", (int) strcspn(msg, "\n"), msg);
        PQclear(res);
        return -1;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return 0;
}

int mm_ledger_add(PGconn *pg, const char *purpose, const char *recipient, const char *token,
                  const char *amount, long long *id, char *err, size_t errlen) {
    const char *params[4] = { purpose, recipient, token, amount };
    PGresult *res;

    if (!mm_near_account_id_valid(recipient)) {
        snprintf(err, errlen, "\"%s\" is not a valid account id", recipient);
        return -1;
    }
    if (strcmp(token, "NEAR") && !mm_near_account_id_valid(token)) {
        snprintf(err, errlen, "token must be NEAR or a token contract's account id");
        return -1;
    }
    /* the existing row wins: the same reward is recorded once */
    if (run(pg, "WITH ins AS (INSERT INTO payouts (purpose, recipient, token, amount)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (purpose, recipient, token) DO NOTHING"
                " RETURNING id)"
                " SELECT id FROM ins UNION ALL SELECT id FROM payouts"
                " WHERE purpose = $1 AND recipient = $2 AND token = $3 LIMIT 1",
            4, params, &res, err, errlen))
        return -1;
    *id = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

/* stores the signed transaction before it can be sent (mm_near_pay's hook) */
static int store_signed(const char *hash, const char *signed_b64, uint64_t nonce, void *data) {
    row *r = data;
    char n[24], err[256];
    const char *params[4] = { r->id, hash, signed_b64, n };

    snprintf(n, sizeof(n), "%llu", (unsigned long long) nonce);
    return run(r->pg, "UPDATE payouts SET state = 'signed', tx_hash = $2, signed_tx = $3,"
                      " nonce = $4, attempts = attempts + 1, updated_at = now()"
                      " WHERE id = $1 AND state IN ('pending', 'signed')",
               4, params, NULL, err, sizeof(err));
}

static int settle(PGconn *pg, const char *id, mm_send_rc rc, int attempts, const char *reason,
                  mm_ledger_stats *st, char *err, size_t errlen) {
    const char *params[2] = { id, reason };
    const char *sql;
    int n = 2;

    switch (rc) {
    case MM_SEND_SUCCESS:
        st->paid++;
        sql = "UPDATE payouts SET state = 'paid', last_error = NULL, updated_at = now()"
              " WHERE id = $1";
        n = 1;
        break;
    case MM_SEND_FAILED:
        st->failed++;
        sql = "UPDATE payouts SET state = 'failed', last_error = $2, updated_at = now() WHERE id = $1";
        break;
    case MM_SEND_REJECTED:
        /* never on chain: a new transaction may be built, a few times */
        if (attempts >= MM_LEDGER_MAX_ATTEMPTS) {
            st->failed++;
            sql = "UPDATE payouts SET state = 'failed', last_error = $2, updated_at = now()"
                  " WHERE id = $1";
        } else {
            st->pending++;
            sql = "UPDATE payouts SET state = 'pending', tx_hash = NULL, signed_tx = NULL,"
                  " nonce = NULL, last_error = $2, updated_at = now() WHERE id = $1";
        }
        break;
    default:
        st->pending++;
        sql = "UPDATE payouts SET last_error = $2, updated_at = now() WHERE id = $1";
    }
    return run(pg, sql, n, params, NULL, err, errlen);
}

/* pays one row we hold the lock of */
static int pay(PGconn *pg, redisContext *redis, mm_near_rpc *rpc, const char *signer,
               const char *secret_key, const char *id, mm_ledger_stats *st,
               char *err, size_t errlen) {
    const char *params[1] = { id };
    PGresult *res;
    json_t *outcome = NULL, *actions = NULL;
    char reason[512] = "", hash[48];
    mm_send_rc rc;
    row r = { pg, "" };
    int attempts;

    /* read it again under the lock: another worker may have finished it */
    if (run(pg, "SELECT state, recipient, token, amount::text, tx_hash, signed_tx, attempts"
                " FROM payouts WHERE id = $1 AND state IN ('pending', 'signed')",
            1, params, &res, err, errlen))
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        st->skipped++;
        return 0;
    }
    snprintf(r.id, sizeof(r.id), "%s", id);

    if (strcmp(PQgetvalue(res, 0, 0), "signed") == 0) {
        /* resume: only ever the same bytes */
        rc = mm_near_send(rpc, PQgetvalue(res, 0, 5), PQgetvalue(res, 0, 4), signer, "FINAL",
                          &outcome, reason, sizeof(reason));
    } else {
        const char *recipient = PQgetvalue(res, 0, 1), *token = PQgetvalue(res, 0, 2);
        const char *amount = PQgetvalue(res, 0, 3);

        actions = strcmp(token, "NEAR") == 0
                  ? json_pack("[{s:{s:s}}]", "Transfer", "deposit", amount)
                  : mm_near_ft_actions(rpc, token, recipient, amount, NULL, reason, sizeof(reason));
        rc = actions ? mm_near_pay(redis, rpc, signer, secret_key,
                                   strcmp(token, "NEAR") == 0 ? recipient : token, actions,
                                   30000, store_signed, &r, hash, &outcome, reason, sizeof(reason))
                     : MM_SEND_PENDING;
        json_decref(actions);
    }
    PQclear(res);
    json_decref(outcome);

    /* attempts as they are now: each signed transaction counted one */
    if (run(pg, "SELECT attempts, state FROM payouts WHERE id = $1", 1, params, &res, err, errlen))
        return -1;
    attempts = atoi(PQgetvalue(res, 0, 0));
    /* refused before anything was signed: nothing to undo, try again later */
    if (rc == MM_SEND_REJECTED && strcmp(PQgetvalue(res, 0, 1), "pending") == 0)
        rc = MM_SEND_PENDING;
    PQclear(res);
    return settle(pg, id, rc, attempts, reason[0] ? reason : "ok", st, err, errlen);
}

int mm_ledger_run(PGconn *pg, redisContext *redis, mm_near_rpc *rpc, const char *signer,
                  const char *secret_key, mm_ledger_stats *st, char *err, size_t errlen) {
    PGresult *ids;
    int rc = 0;

    memset(st, 0, sizeof(*st));
    /* the operator's payouts; a player's withdrawal is signed with their key */
    if (run(pg, "SELECT id::text FROM payouts WHERE state IN ('pending', 'signed')"
                " AND signer_id IS NULL ORDER BY id",
            0, NULL, &ids, err, errlen))
        return -1;

    for (int i = 0; i < PQntuples(ids) && rc == 0; i++)
        rc = mm_ledger_pay_one(pg, redis, rpc, PQgetvalue(ids, i, 0), signer, secret_key, st,
                               err, errlen);
    PQclear(ids);
    return rc;
}

int mm_ledger_pay_one(PGconn *pg, redisContext *redis, mm_near_rpc *rpc, const char *id,
                      const char *signer, const char *secret_key, mm_ledger_stats *st,
                      char *err, size_t errlen) {
    const char *params[1] = { id };
    PGresult *lock;
    int mine, rc;

    /* a session lock: it dies with a crashed worker's connection */
    if (run(pg, "SELECT pg_try_advisory_lock(726172, $1::integer)", 1, params, &lock,
            err, errlen))
        return -1;
    mine = strcmp(PQgetvalue(lock, 0, 0), "t") == 0;
    PQclear(lock);
    if (!mine) {
        st->skipped++;
        return 0;
    }
    rc = pay(pg, redis, rpc, signer, secret_key, id, st, err, errlen);
    PQclear(PQexecParams(pg, "SELECT pg_advisory_unlock(726172, $1::integer)", 1, NULL,
                         params, NULL, NULL, 0));
    return rc;
}
