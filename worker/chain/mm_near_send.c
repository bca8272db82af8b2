#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/mm_near_send.h"

/* An outcome is terminal only once executed in final blocks; then it
 * succeeded iff the transaction's status and every receipt's are not
 * failures (a token contract's panic shows in its receipt). */
mm_send_rc mm_near_outcome(json_t *outcome, char *reason, size_t reasonlen) {
    const char *level = json_string_value(json_object_get(outcome, "final_execution_status"));
    json_t *status = json_object_get(outcome, "status"), *receipts, *r;
    size_t i;

    if (level == NULL || (strcmp(level, "FINAL") && strcmp(level, "EXECUTED"))) {
        snprintf(reason, reasonlen, "not final yet (%s)", level ? level : "no status");
        return MM_SEND_PENDING;
    }
    if (json_object_get(status, "Failure")) {
        char *why = json_dumps(json_object_get(status, "Failure"), JSON_COMPACT);
        snprintf(reason, reasonlen, "failed: %s", why ? why : "?");
        free(why);
        return MM_SEND_FAILED;
    }
    if (!json_object_get(status, "SuccessValue")) {
        snprintf(reason, reasonlen, "executed without a success value");
        return MM_SEND_PENDING;
    }
    receipts = json_object_get(outcome, "receipts_outcome");
    json_array_foreach(receipts, i, r) {
        json_t *failure = json_object_get(json_object_get(json_object_get(r, "outcome"), "status"),
                                          "Failure");
        if (failure) {
            char *why = json_dumps(failure, JSON_COMPACT);
            snprintf(reason, reasonlen, "receipt %zu failed: %s", i, why ? why : "?");
            free(why);
            return MM_SEND_FAILED;
        }
    }
    reason[0] = '\0';
    return MM_SEND_SUCCESS;
}

static int mm_send_is_cause(const mm_rpc_error *e, const char *cause) {
    return strcmp(e->cause, cause) == 0;
}

/* Refusals no later state can lift (nearcore's InvalidTxError variants):
 * the nonce is passed, the block hash too old, or the transaction itself
 * is malformed.  Anything else (NotEnoughBalance, SignerDoesNotExist,
 * InvalidAccessKeyError, NonceTooLarge, ShardCongested, a variant added
 * later, …) may pass, and the same bytes be valid again. */
static const char *const mm_send_lasting[] = {
    "InvalidNonce", "Expired", "InvalidSignerId", "InvalidReceiverId", "InvalidSignature",
    "CostOverflow", "InvalidChain", "ActionsValidation", "TransactionSizeExceeded",
    "InvalidTransactionVersion", NULL
};

static int mm_send_refusal_lasts(const mm_rpc_error *e) {
    json_t *itx = json_object_get(json_object_get(json_object_get(e->error, "data"),
                                                  "TxExecutionError"), "InvalidTxError");
    const char *name = json_is_string(itx) ? json_string_value(itx) : NULL;

    if (json_is_object(itx) && json_object_size(itx) == 1)
        name = json_object_iter_key(json_object_iter(itx));
    for (int i = 0; name && mm_send_lasting[i]; i++)
        if (!strcmp(name, mm_send_lasting[i]))
            return 1;
    return 0;
}

/* InvalidNonce, Expired, …: the variant name in error.data */
static const char *mm_send_invalid_tx_reason(const mm_rpc_error *e, char *buf, size_t len) {
    json_t *itx = json_object_get(json_object_get(json_object_get(e->error, "data"),
                                                  "TxExecutionError"), "InvalidTxError");
    char *text = itx ? json_dumps(itx, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

    snprintf(buf, len, "%s", text ? text : e->message);
    free(text);
    return buf;
}

/* tx by hash with wait_until NONE: answers at once, known or not */
static mm_rpc_rc mm_send_lookup(mm_near_rpc *rpc, const char *hash, const char *signer,
                        json_t **outcome, mm_rpc_error *err) {
    json_t *params = json_pack("{s:s, s:s, s:s}", "tx_hash", hash, "sender_account_id", signer,
                               "wait_until", "NONE");
    mm_rpc_rc rc = mm_near_rpc_call(rpc, "tx", params, outcome, err);

    json_decref(params);
    return rc;
}

static mm_rpc_rc mm_send_submit(mm_near_rpc *rpc, const char *signed_b64, const char *wait_until,
                        json_t **outcome, mm_rpc_error *err) {
    json_t *params = json_pack("{s:s, s:s}", "signed_tx_base64", signed_b64,
                               "wait_until", wait_until);
    mm_rpc_rc rc = mm_near_rpc_call(rpc, "send_tx", params, outcome, err);

    json_decref(params);
    return rc;
}

mm_send_rc mm_near_send(mm_near_rpc *rpc, const char *signed_b64, const char *hash_b58,
                        const char *signer_id, const char *wait_until, int fresh,
                        json_t **outcome, char *reason, size_t reasonlen) {
    mm_rpc_error err;
    mm_rpc_rc rc;
    char why[300];
    int dead;

    *outcome = NULL;
    wait_until = wait_until ? wait_until : "FINAL";

    for (int sends = 0; sends < 2; sends++) {
        rc = mm_send_submit(rpc, signed_b64, wait_until, outcome, &err);
        if (rc == MM_RPC_OK)
            return mm_near_outcome(*outcome, reason, reasonlen);

        if (rc == MM_RPC_ERROR && mm_send_is_cause(&err, "INVALID_TRANSACTION")) {
            mm_send_invalid_tx_reason(&err, why, sizeof(why));
            /* dead for good: a lasting refusal, or the only delivery of fresh bytes */
            dead = mm_send_refusal_lasts(&err) || (fresh && sends == 0 && err.unanswered == 0);
            json_decref(err.error);
            /* a re-sent tx that already landed reads as InvalidNonce, Expired, …:
             * whatever the refusal, ask by hash; only a node that answers it does
             * not know the tx proves it has not applied (yet) */
            rc = mm_send_lookup(rpc, hash_b58, signer_id, outcome, &err);
            if (rc == MM_RPC_OK)
                return mm_near_outcome(*outcome, reason, reasonlen);
            json_decref(err.error);
            if (rc == MM_RPC_ERROR && mm_send_is_cause(&err, "UNKNOWN_TRANSACTION")) {
                snprintf(reason, reasonlen, dead ? "rejected: %s"
                         : "refused for now (%s): the same bytes go again later", why);
                return dead ? MM_SEND_REJECTED : MM_SEND_PENDING;
            }
            snprintf(reason, reasonlen, "refused (%s), outcome unknown: %s%s%s", why, err.name,
                     err.cause[0] ? "/" : "", err.cause);
            return MM_SEND_PENDING;
        }
        json_decref(err.error);

        /* timed out, routed, or no endpoint answered: the tx may still land */
        rc = mm_send_lookup(rpc, hash_b58, signer_id, outcome, &err);
        if (rc == MM_RPC_OK)
            return mm_near_outcome(*outcome, reason, reasonlen);
        snprintf(reason, reasonlen, "outcome unknown: %s%s%s", err.name,
                 err.cause[0] ? "/" : "", err.cause);
        json_decref(err.error);
        if (rc != MM_RPC_ERROR || !mm_send_is_cause(&err, "UNKNOWN_TRANSACTION"))
            break;                      /* unknown to a node that answered: send it again */
    }
    return MM_SEND_PENDING;
}

mm_send_rc mm_near_status(mm_near_rpc *rpc, const char *hash_b58, const char *signer_id,
                          int *unknown, char *reason, size_t reasonlen) {
    json_t *outcome = NULL;
    mm_rpc_error err;
    mm_rpc_rc rc = mm_send_lookup(rpc, hash_b58, signer_id, &outcome, &err);
    mm_send_rc verdict;

    *unknown = 0;
    if (rc == MM_RPC_OK) {
        verdict = mm_near_outcome(outcome, reason, reasonlen);
        json_decref(outcome);
        return verdict;
    }
    *unknown = rc == MM_RPC_ERROR && mm_send_is_cause(&err, "UNKNOWN_TRANSACTION");
    snprintf(reason, reasonlen, "outcome unknown: %s%s%s", err.name, err.cause[0] ? "/" : "",
             err.cause);
    json_decref(err.error);
    return MM_SEND_PENDING;
}

const char *mm_near_send_name(mm_send_rc rc) {
    static const char *const names[] = { "success", "failed", "rejected", "pending" };

    return rc <= MM_SEND_PENDING ? names[rc] : "?";
}
