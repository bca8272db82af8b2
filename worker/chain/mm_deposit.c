#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "chain/mm_borsh.h"
#include "mm_member.h"
#include "chain/mm_deposit.h"
#include "chain/mm_near_send.h"
#include "chain/mm_near_view.h"
#include "chain/mm_near_wallet.h"

#define MM_EVENT_PREFIX  "EVENT_JSON:"

/* where a deposit must go to be the user's, and the memo it must carry */
typedef struct mm_deposit_to {
    char payee[72]; /* the user's wallet, or the operator for a quiz */
    char memo[32];  /* "quiz:<id>", or "" (a top-up: any memo) */
} mm_deposit_to;

/* a fixed window per user in Redis; 1 when under the limit */
static int mm_deposit_within_rate(redisContext *redis, long long user) {
    char key[96];
    redisReply *r;
    long long n = 0;

    snprintf(key, sizeof(key), "mm:deposit:verify:%lld:%ld", user,
             (long) (time(NULL) / MM_DEPOSIT_WINDOW_S));
    r = redisCommand(redis, "INCR %s", key);
    if (r && r->type == REDIS_REPLY_INTEGER)
        n = r->integer;
    freeReplyObject(r);
    freeReplyObject(redisCommand(redis, "EXPIRE %s %d", key, MM_DEPOSIT_WINDOW_S));
    return n > 0 && n <= MM_DEPOSIT_RATE;
}

/* the base64 args of an ft_transfer, as JSON */
static json_t *mm_deposit_call_args(json_t *fc) {
    const char *b64 = json_string_value(json_object_get(fc, "args"));
    size_t len = b64 ? strlen(b64) : 0, pad;
    unsigned char *raw;
    json_t *args = NULL;
    int n;

    if (len == 0 || len % 4 || (raw = malloc(len / 4 * 3 + 1)) == NULL)
        return NULL;
    pad = b64[len - 1] == '=' ? (b64[len - 2] == '=' ? 2 : 1) : 0;
    n = EVP_DecodeBlock(raw, (const unsigned char *) b64, (int) len);
    if (n >= 0)
        args = json_loadb((char *) raw, (size_t) n - pad, 0, NULL);
    free(raw);
    return args;
}

/* adds a decimal u128 string to *sum; -1 for anything else */
static int mm_deposit_add(unsigned __int128 *sum, const char *text) {
    unsigned __int128 v;

    if (mm_borsh_parse_u128(text, &v) || *sum + v < *sum)
        return -1;
    *sum += v;
    return 0;
}

/* why a payment to receiver is not the user's */
static void mm_deposit_elsewhere(const char *receiver, const mm_deposit *d, const mm_deposit_to *to,
                                 char *reason, size_t len) {
    if (to->memo[0])
        snprintf(reason, len, "it pays %s, not the operator %s", receiver, d->bot);
    else if (strcmp(receiver, d->bot) == 0)
        snprintf(reason, len,
                 "it pays the operator %s, not your wallet %s: a payment to the "
                 "operator counts only as an ft_transfer with memo quiz:<id>, for that quiz's "
                 "creator",
                 d->bot, to->payee);
    else
        snprintf(reason, len, "it pays someone else (%s), not your wallet %s", receiver, to->payee);
}

/* NEAR: the Transfer actions of a transaction to the payee */
static int mm_deposit_near_amount(json_t *tx, const mm_deposit *d, const mm_deposit_to *to,
                                  unsigned __int128 *sum, char *reason, size_t len) {
    const char *receiver = mm_member_str(tx, "receiver_id");
    json_t *action;
    size_t i;

    if (strcmp(receiver, to->payee)) {
        mm_deposit_elsewhere(receiver, d, to, reason, len);
        return -1;
    }
    json_array_foreach(json_object_get(tx, "actions"), i, action) {
        json_t *t = json_object_get(action, "Transfer");
        if (t && mm_deposit_add(sum, json_string_value(json_object_get(t, "deposit")))) {
            snprintf(reason, len, "a Transfer without a decimal deposit");
            return -1;
        }
    }
    if (*sum == 0) {
        snprintf(reason, len, "no Transfer to %s", to->payee);
        return -1;
    }
    return 0;
}

/* NEP-141: ft_transfer calls to the payee (with the memo, if one is
 * required) on the token contract, and the token's own ft_transfer events
 * saying the same in successful receipts; the smaller of the two sums
 * counts */
static int mm_deposit_ft_amount(json_t *outcome, json_t *tx, const mm_deposit *d,
                                const mm_deposit_to *to, unsigned __int128 *sum, char *reason,
                                size_t len) {
    unsigned __int128 called = 0, evented = 0;
    json_t *action, *receipt, *log;
    char elsewhere[72] = "";
    int unbound = 0; /* to the payee, without the memo */
    size_t i, j;

    if (strcmp(mm_member_str(tx, "receiver_id"), d->token)) {
        snprintf(reason, len, "the transaction is not a call to %s", d->token);
        return -1;
    }
    json_array_foreach(json_object_get(tx, "actions"), i, action) {
        json_t *fc = json_object_get(action, "FunctionCall"), *args;
        const char *method = json_string_value(json_object_get(fc, "method_name"));

        if (method == NULL || strcmp(method, "ft_transfer")
            || (args = mm_deposit_call_args(fc)) == NULL)
            continue;
        if (strcmp(mm_member_str(args, "receiver_id"), to->payee)) {
            if (elsewhere[0] == '\0')
                snprintf(elsewhere, sizeof(elsewhere), "%s", mm_member_str(args, "receiver_id"));
        } else if (to->memo[0] && strcmp(mm_member_str(args, "memo"), to->memo)) {
            unbound = 1;
        } else if (mm_deposit_add(&called, json_string_value(json_object_get(args, "amount")))) {
            called = 0;
        }
        json_decref(args);
    }
    json_array_foreach(json_object_get(outcome, "receipts_outcome"), i, receipt) {
        json_t *o = json_object_get(receipt, "outcome");

        if (strcmp(mm_member_str(o, "executor_id"), d->token)
            || json_object_get(json_object_get(o, "status"), "Failure"))
            continue;
        json_array_foreach(json_object_get(o, "logs"), j, log) {
            const char *text = json_string_value(log);
            json_t *ev, *data, *item;
            size_t k;

            if (text == NULL || strncmp(text, MM_EVENT_PREFIX, sizeof(MM_EVENT_PREFIX) - 1))
                continue;
            ev = json_loads(text + sizeof(MM_EVENT_PREFIX) - 1, 0, NULL);
            data = json_object_get(ev, "data");
            if (strcmp(mm_member_str(ev, "standard"), "nep141") == 0
                && strcmp(mm_member_str(ev, "event"), "ft_transfer") == 0)
                json_array_foreach(data, k, item)
                    if (strcmp(mm_member_str(item, "new_owner_id"), to->payee) == 0
                        && (to->memo[0] == '\0'
                            || strcmp(mm_member_str(item, "memo"), to->memo) == 0))
                        (void) mm_deposit_add(&evented,
                                              json_string_value(json_object_get(item, "amount")));
            json_decref(ev);
        }
    }
    *sum = called < evented ? called : evented;
    if (*sum > 0)
        return 0;
    if (called == 0 && unbound)
        snprintf(reason, len, "the memo of its ft_transfer to %s does not name the quiz: it must "
                 "be %s", to->payee, to->memo);
    else if (called == 0 && elsewhere[0])
        mm_deposit_elsewhere(elsewhere, d, to, reason, len);
    else
        snprintf(reason, len, "no ft_transfer of %s to %s%s%s", d->token, to->payee,
                 to->memo[0] ? " with memo " : "", to->memo);
    return -1;
}

/* The payee and memo of d: the user's wallet, or the operator and the
 * quiz's memo when the user created that quiz.  MM_DEPOSIT_OK, or why not
 * (MM_DEPOSIT_PENDING when the database failed). */
static mm_deposit_rc mm_deposit_target(mm_db *db, const mm_deposit *d, mm_deposit_to *to,
                                       char *reason, size_t len) {
    mm_params p;
    PGresult *row;
    long long creator;

    memset(to, 0, sizeof(*to));
    if (d->quiz_id == 0) {
        if (mm_near_wallet_account(d->telegram_user_id, d->bot, to->payee, sizeof(to->payee))) {
            snprintf(reason, len, "user%lld.%s is not a valid account", d->telegram_user_id,
                     d->bot);
            return MM_DEPOSIT_REJECTED;
        }
        return MM_DEPOSIT_OK;
    }
    /* only an ft_transfer carries a memo: NEAR reaches a quiz through the wallet */
    if (strcmp(d->token, "NEAR") == 0) {
        snprintf(reason, len,
                 "a NEAR transfer carries no memo naming quiz %lld: top up your "
                 "wallet instead, or send a token by ft_transfer with memo quiz:%lld",
                 d->quiz_id, d->quiz_id);
        return MM_DEPOSIT_REJECTED;
    }
    mm_params_init(&p, MM_SQL_DEPOSIT_QUIZ);
    mm_param_ll(&p, d->quiz_id);
    switch (mm_db_one(db, &p, &row)) {
    case 1:
        creator = mm_col_ll(row, 0, MM_DQUIZ_CREATOR);
        PQclear(row);
        break;
    case 0:
        snprintf(reason, len, "there is no quiz %lld", d->quiz_id);
        return MM_DEPOSIT_REJECTED;
    default:
        snprintf(reason, len, "database: %s", db->err);
        return MM_DEPOSIT_PENDING;
    }
    if (creator != d->telegram_user_id) {
        snprintf(reason, len, "you are not the creator of quiz %lld", d->quiz_id);
        return MM_DEPOSIT_REJECTED;
    }
    snprintf(to->payee, sizeof(to->payee), "%s", d->bot);
    snprintf(to->memo, sizeof(to->memo), "quiz:%lld", d->quiz_id);
    return MM_DEPOSIT_OK;
}

/* the block's time, seconds */
static int mm_deposit_block_time(mm_near_rpc *rpc, const char *block_hash, long *seconds) {
    json_t *params = json_pack("{s:s}", "block_id", block_hash), *block;
    mm_rpc_error err;
    json_t *ts;
    int rc = -1;

    if (mm_near_rpc_call(rpc, "block", params, &block, &err) == MM_RPC_OK) {
        ts = json_object_get(json_object_get(block, "header"), "timestamp");
        if (json_is_integer(ts)) {
            *seconds = (long) (json_integer_value(ts) / 1000000000LL);
            rc = 0;
        }
        json_decref(block);
    }
    json_decref(err.error);
    json_decref(params);
    return rc;
}

/* Credited once: the hash is the key.  amount is cleared unless credited. */
static mm_deposit_rc mm_deposit_credit(mm_db *db, const mm_deposit *d, const char *signer,
                                       char amount[48], char *reason, size_t reasonlen) {
    mm_deposit_rc rc = MM_DEPOSIT_REJECTED;
    mm_params p;
    long long credited;

    mm_params_init(&p, MM_SQL_DEPOSIT_ADD);
    mm_param_str(&p, d->tx_hash);
    mm_param_ll(&p, d->telegram_user_id);
    mm_param_str(&p, signer);
    mm_param_str(&p, d->token);
    mm_param_str(&p, amount);
    if ((credited = mm_db_count(db, &p)) < 0) {
        snprintf(reason, reasonlen, "database: %s", db->err);
        rc = MM_DEPOSIT_PENDING;
    } else if (credited != 1) {
        snprintf(reason, reasonlen, "that transaction was credited before");
    } else {
        reason[0] = '\0';
        rc = MM_DEPOSIT_OK;
    }
    if (rc != MM_DEPOSIT_OK)
        amount[0] = '\0';
    return rc;
}

/* What the bot paid out itself (a prize into the winner's wallet, a
 * withdrawal, a funding: its hash is in payouts) is no deposit. */
static mm_deposit_rc mm_deposit_not_ours(mm_db *db, const char *hash, char *reason,
                                         size_t reasonlen) {
    mm_params p;
    PGresult *res;
    int ours;

    mm_params_init(&p, MM_SQL_DEPOSIT_OURS);
    mm_param_str(&p, hash);
    if ((ours = mm_db_one(db, &p, &res)) == 0)
        return MM_DEPOSIT_OK;
    if (ours > 0)
        PQclear(res);
    snprintf(reason, reasonlen, "%s", ours > 0 ? "the bot itself sent that transaction"
                                                : "database error");
    return ours > 0 ? MM_DEPOSIT_REJECTED : MM_DEPOSIT_PENDING;
}

mm_deposit_rc mm_deposit_verify(mm_db *db, redisContext *redis, mm_near_rpc *rpc,
                                const mm_deposit *d, char amount[48],
                                char *reason, size_t reasonlen) {
    json_t *params, *outcome = NULL, *tx;
    mm_rpc_error err;
    mm_rpc_rc rpc_rc;
    unsigned __int128 sum = 0, min;
    mm_deposit_rc rc = MM_DEPOSIT_REJECTED;
    const char *block, *signer;
    mm_deposit_to to;
    char why[256];
    long when = 0;

    amount[0] = '\0';
    if (mm_borsh_parse_u128(d->min_amount, &min)) {
        snprintf(reason, reasonlen, "the minimum is not a decimal amount");
        return MM_DEPOSIT_REJECTED;
    }
    if (!mm_deposit_within_rate(redis, d->telegram_user_id)) {
        snprintf(reason, reasonlen, "at most %d verifications in %d minutes", MM_DEPOSIT_RATE,
                 MM_DEPOSIT_WINDOW_S / 60);
        return MM_DEPOSIT_LIMITED;
    }
    if ((rc = mm_deposit_target(db, d, &to, reason, reasonlen)) != MM_DEPOSIT_OK)
        return rc;
    if ((rc = mm_deposit_not_ours(db, d->tx_hash, reason, reasonlen)) != MM_DEPOSIT_OK)
        return rc;
    rc = MM_DEPOSIT_REJECTED;

    params = json_pack("{s:s, s:s, s:s}", "tx_hash", d->tx_hash, "sender_account_id",
                       d->sender_hint ? d->sender_hint : d->bot, "wait_until", "NONE");
    rpc_rc = mm_near_rpc_call(rpc, "tx", params, &outcome, &err);
    json_decref(params);
    if (rpc_rc != MM_RPC_OK) {
        snprintf(reason, reasonlen, "%s", strcmp(err.cause, "UNKNOWN_TRANSACTION") == 0
                 ? "the chain does not know that transaction (yet)" : err.message);
        json_decref(err.error);
        return MM_DEPOSIT_PENDING;
    }

    tx = json_object_get(outcome, "transaction");
    switch (mm_near_outcome(outcome, reason, reasonlen)) {
    case MM_SEND_SUCCESS:
        break;
    case MM_SEND_PENDING:
        rc = MM_DEPOSIT_PENDING;
        goto done;
    default:
        snprintf(why, sizeof(why), "%s", reason);
        snprintf(reason, reasonlen, "the transaction failed on chain: %s",
                 strncmp(why, "failed: ", 8) ? why : why + 8);
        goto done;
    }
    /* anyone may pay the user's wallet or fund the quiz, but not the payee
     * itself: the user holds their wallet's key, and moving money to where
     * it already is adds nothing */
    signer = mm_member_str(tx, "signer_id");
    if (strcmp(signer, to.payee) == 0) {
        snprintf(reason, reasonlen, "%s paid itself", signer);
        goto done;
    }
    /* signed by the operator: the bot's own (a wallet's opening, an
     * operator's transfer), whether or not a payout row recorded it */
    if (strcmp(signer, d->bot) == 0) {
        snprintf(reason, reasonlen, "the bot itself sent that transaction");
        goto done;
    }
    if ((strcmp(d->token, "NEAR") == 0
             ? mm_deposit_near_amount(tx, d, &to, &sum, reason, reasonlen)
             : mm_deposit_ft_amount(outcome, tx, d, &to, &sum, reason, reasonlen)))
        goto done;
    if (sum < min) {
        mm_near_u128_text(sum, amount);
        snprintf(reason, reasonlen, "it pays %s, less than %s", amount, d->min_amount);
        amount[0] = '\0';
        goto done;
    }
    block = mm_member_str(json_object_get(outcome, "transaction_outcome"), "block_hash");
    if (mm_deposit_block_time(rpc, block, &when) != 0) {
        snprintf(reason, reasonlen, "cannot read the block the transaction is in");
        rc = MM_DEPOSIT_PENDING;
        goto done;
    }
    if (time(NULL) - when > d->max_age_s) {
        snprintf(reason, reasonlen, "the transaction is older than %ld seconds", d->max_age_s);
        goto done;
    }
    mm_near_u128_text(sum, amount);
    rc = mm_deposit_credit(db, d, signer, amount, reason, reasonlen);
done:
    json_decref(outcome);
    return rc;
}

const char *mm_deposit_name(mm_deposit_rc rc) {
    static const char *const names[] = { "credited", "rejected", "pending", "limited" };

    return rc <= MM_DEPOSIT_LIMITED ? names[rc] : "?";
}
