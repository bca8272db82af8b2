#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "chain/mm_keystore.h"
#include "chain/mm_near_key.h"
#include "chain/mm_near_transfer.h"
#include "chain/mm_near_view.h"
#include "chain/mm_near_wallet.h"

int mm_near_wallet_account(long long telegram_id, const char *master, char *out, size_t len) {
    if (telegram_id <= 0
        || (size_t) snprintf(out, len, "user%lld.%s", telegram_id, master) >= len)
        return -1;
    return mm_near_account_id_valid(out) ? 0 : -1;
}

int mm_near_wallet_on_chain(mm_near_rpc *rpc, const mm_near_wallet *w, int tries) {
    struct timespec pause = { 1, 0 };

    for (int i = 0; i < tries; i++) {
        mm_rpc_error err;
        uint64_t nonce;
        mm_view_rc rc;

        memset(&err, 0, sizeof(err));
        rc = mm_near_access_key_nonce(rpc, w->account_id, w->public_key, &nonce, &err);
        json_decref(err.error);
        if (rc == MM_VIEW_OK)
            return 1;
        if (i < tries - 1)
            nanosleep(&pause, NULL);
    }
    return 0;
}

int mm_near_wallet_key(const char *master, const char *wallet_key, long long telegram_id,
                       mm_near_wallet *w, char *reason, size_t reasonlen) {
    uint8_t *sk;
    mm_near_public_key pk;

    memset(w, 0, sizeof(*w));
    if (mm_near_wallet_account(telegram_id, master, w->account_id, sizeof(w->account_id))) {
        snprintf(reason, reasonlen, "no valid account id for user %lld under %s", telegram_id,
                 master);
        return -1;
    }
    /* the user's key: generated and sealed in locked memory only */
    sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (sk == NULL || crypto_sign_keypair(pk.bytes, sk) != 0) {
        sodium_free(sk);
        snprintf(reason, reasonlen, "cannot generate a key");
        return -1;
    }
    mm_near_public_key_format(&pk, w->public_key);
    w->sealed = mm_keystore_seal(wallet_key, w->account_id, sk, crypto_sign_SECRETKEYBYTES,
                                 reason, reasonlen);
    sodium_free(sk);
    return w->sealed ? 0 : -1;
}

mm_send_rc mm_near_wallet_send(redisContext *redis, mm_near_rpc *rpc, const char *master,
                               const char *master_key, mm_near_wallet *w,
                               const char *initial_balance, char *reason, size_t reasonlen) {
    json_t *actions, *outcome = NULL;
    mm_send_rc rc;

    actions = json_pack("[s, {s:{s:s}}, {s:{s:s, s:{s:i, s:s}}}]", "CreateAccount",
                        "Transfer", "deposit", initial_balance ? initial_balance
                                                               : MM_NEAR_INITIAL_BALANCE,
                        "AddKey", "public_key", w->public_key, "access_key", "nonce", 0,
                        "permission", "FullAccess");
    rc = mm_near_pay(redis, rpc, master, master_key, w->account_id, actions, 30000, NULL, NULL,
                     w->hash, &outcome, reason, reasonlen);
    json_decref(actions);
    json_decref(outcome);

    /* an earlier attempt may have created it: ours if our key is there */
    if (rc == MM_SEND_FAILED && strstr(reason, "AccountAlreadyExists"))
        return mm_near_wallet_on_chain(rpc, w, 3) ? MM_SEND_SUCCESS : rc;
    if (rc == MM_SEND_SUCCESS && !mm_near_wallet_on_chain(rpc, w, 3)) {
        snprintf(reason, reasonlen, "created, but the key is not on %s yet", w->account_id);
        return MM_SEND_PENDING;
    }
    return rc;
}

mm_send_rc mm_near_create_wallet(redisContext *redis, mm_near_rpc *rpc, const char *master,
                                 const char *master_key, const char *wallet_key,
                                 long long telegram_id, const char *initial_balance,
                                 mm_near_persist_pt persist, void *data,
                                 mm_near_wallet *w, char *reason, size_t reasonlen) {
    if (mm_near_wallet_key(master, wallet_key, telegram_id, w, reason, reasonlen))
        return MM_SEND_REJECTED;
    /* persisted BEFORE anything is sent: a crash never loses the key */
    if (persist(w, data) != 0) {
        snprintf(reason, reasonlen, "cannot store the sealed key of %s", w->account_id);
        return MM_SEND_REJECTED;
    }
    return mm_near_wallet_send(redis, rpc, master, master_key, w, initial_balance, reason,
                               reasonlen);
}

void mm_near_wallet_free(mm_near_wallet *w) {
    free(w->sealed);
    w->sealed = NULL;
}
