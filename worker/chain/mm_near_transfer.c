#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "chain/mm_base58.h"
#include "chain/mm_near_key.h"
#include "chain/mm_near_transfer.h"
#include "chain/mm_near_tx.h"
#include "chain/mm_near_view.h"

#define MM_NONCE_TTL_S  3600

static void mm_transfer_key_name(char *out, size_t len, const char *what, const char *signer,
                     const char *public_key) {
    snprintf(out, len, "mm:near:%s:%s:%s", what, signer, public_key);
}

int mm_near_signer_lock(redisContext *redis, const char *signer, const char *public_key,
                        long ttl_ms, long wait_ms, char token[33]) {
    char key[256];
    uint8_t raw[16];
    struct timespec pause = { 0, 50 * 1000000L };

    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(token, 33, raw, sizeof(raw));
    mm_transfer_key_name(key, sizeof(key), "signer", signer, public_key);

    for (long waited = 0; waited <= wait_ms; waited += 50) {
        redisReply *r = redisCommand(redis, "SET %s %s NX PX %ld", key, token, ttl_ms);
        /* only a nil reply says the lease is held: no reply or an error
         * (a connection from before a restart, LOADING) is Redis failing */
        int held = r && r->type == REDIS_REPLY_NIL;
        int got = r && r->type == REDIS_REPLY_STATUS;

        freeReplyObject(r);
        if (got)
            return 0;
        if (!held)
            return -1;
        nanosleep(&pause, NULL);
    }
    return 1;
}

int mm_near_signer_trylock(redisContext *redis, const char *signer, const char *public_key,
                           long ttl_ms, char token[33]) {
    char key[256];
    uint8_t raw[16];
    redisReply *r;
    int got;

    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(token, 33, raw, sizeof(raw));
    mm_transfer_key_name(key, sizeof(key), "signer", signer, public_key);
    r = redisCommand(redis, "SET %s %s NX PX %ld", key, token, ttl_ms);
    got = r && r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    return got ? 0 : -1;
}

void mm_near_signer_unlock(redisContext *redis, const char *signer, const char *public_key,
                           const char token[33]) {
    char key[256];

    mm_transfer_key_name(key, sizeof(key), "signer", signer, public_key);
    /* only our own lease: it may have expired and been taken since */
    freeReplyObject(redisCommand(redis, "EVAL %s 1 %s %s",
                                 "if redis.call('get', KEYS[1]) == ARGV[1] then return "
                                 "redis.call('del', KEYS[1]) end return 0",
                                 key, token));
}

/* the nonce for the next transaction: the cache's, or the chain's + 1 */
static int mm_transfer_next_nonce(redisContext *redis, mm_near_rpc *rpc, const char *signer,
                      const char *public_key, uint64_t *nonce, char *reason, size_t len) {
    char key[256];
    redisReply *r;
    mm_rpc_error err;
    mm_view_rc rc;

    mm_transfer_key_name(key, sizeof(key), "nonce", signer, public_key);
    r = redisCommand(redis, "GET %s", key);
    if (r && r->type == REDIS_REPLY_STRING) {
        freeReplyObject(r);
        r = redisCommand(redis, "INCR %s", key);
        if (r && r->type == REDIS_REPLY_INTEGER) {
            *nonce = (uint64_t) r->integer;
            freeReplyObject(r);
            return 0;
        }
    }
    freeReplyObject(r);

    memset(&err, 0, sizeof(err));
    rc = mm_near_access_key_nonce(rpc, signer, public_key, nonce, &err);
    json_decref(err.error);
    if (rc != MM_VIEW_OK) {
        snprintf(reason, len, rc == MM_VIEW_MISSING ? "%s has no access key %s"
                 : "cannot read the nonce of %s: %s", signer,
                 rc == MM_VIEW_MISSING ? public_key : err.message);
        return -1;
    }
    (*nonce)++;
    freeReplyObject(redisCommand(redis, "SET %s %llu EX %d", key,
                                 (unsigned long long) *nonce, MM_NONCE_TTL_S));
    return 0;
}

int mm_near_next_nonce(redisContext *redis, mm_near_rpc *rpc, const char *signer,
                       const char *public_key, uint64_t *nonce, char *reason, size_t reasonlen) {
    return mm_transfer_next_nonce(redis, rpc, signer, public_key, nonce, reason, reasonlen);
}

void mm_near_nonce_raise(redisContext *redis, const char *signer, const char *public_key,
                         uint64_t chain_nonce) {
    char key[256];

    mm_transfer_key_name(key, sizeof(key), "nonce", signer, public_key);
    /* only up: nonces handed out and still in flight stay below the next one */
    freeReplyObject(redisCommand(redis, "EVAL %s 1 %s %llu %d",
                                 "local c = tonumber(redis.call('get', KEYS[1]) or '0') "
                                 "if c < tonumber(ARGV[1]) then "
                                 "redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) end return 0",
                                 key, (unsigned long long) chain_nonce, MM_NONCE_TTL_S));
}

void mm_near_nonce_forget(redisContext *redis, const char *signer, const char *public_key) {
    char key[256];

    mm_transfer_key_name(key, sizeof(key), "nonce", signer, public_key);
    freeReplyObject(redisCommand(redis, "DEL %s", key));
}

/* builds and signs one transaction with sk (locked; the key never enters
 * the description); 0, or -1 with reason */
static int mm_transfer_build(mm_near_rpc *rpc, const char *signer, const uint8_t *sk,
                 const mm_near_public_key *pk, const char *receiver, json_t *actions,
                 uint64_t nonce, char hash[48], char **signed_b64, char *reason, size_t len) {
    uint8_t block[32];
    uint64_t height;
    char block58[MM_BASE58_SIZE(32)], nonce_text[24], err_text[256];
    mm_rpc_error err;
    mm_near_signed_tx tx;
    json_t *desc;
    int rc;

    memset(&err, 0, sizeof(err));
    if (mm_near_final_block(rpc, block, &height, &err) != MM_VIEW_OK) {
        snprintf(reason, len, "cannot read the final block: %s", err.message);
        json_decref(err.error);
        return -1;
    }
    mm_base58_encode(block, sizeof(block), block58);
    snprintf(nonce_text, sizeof(nonce_text), "%llu", (unsigned long long) nonce);
    desc = json_pack("{s:s, s:s, s:s, s:s, s:O}", "signer_id", signer, "receiver_id", receiver,
                     "nonce", nonce_text, "block_hash", block58, "actions", actions);
    rc = desc ? mm_near_sign_key(desc, sk, pk, &tx, err_text, sizeof(err_text)) : -1;
    json_decref(desc);
    if (rc != 0) {
        snprintf(reason, len, "cannot sign: %s", desc ? err_text : "out of memory");
        return -1;
    }
    mm_base58_encode(tx.hash, sizeof(tx.hash), hash);
    *signed_b64 = malloc(4 * ((tx.bytes.len + 2) / 3) + 1);
    if (*signed_b64)
        EVP_EncodeBlock((unsigned char *) *signed_b64, tx.bytes.data, (int) tx.bytes.len);
    mm_near_signed_tx_free(&tx);
    return *signed_b64 ? 0 : -1;
}

mm_send_rc mm_near_pay(redisContext *redis, mm_near_rpc *rpc, const char *signer,
                       const char *secret_key, const char *receiver, json_t *actions,
                       long lock_wait_ms, mm_near_signed_pt on_signed, void *data,
                       char hash[48], json_t **outcome, char *reason, size_t reasonlen) {
    mm_near_public_key pk;
    uint8_t *sk;
    char public_key[64], token[33];
    mm_send_rc rc = MM_SEND_REJECTED;

    *outcome = NULL;
    hash[0] = '\0';
    /* parsed once into locked memory, wiped when this payment is done */
    if ((sk = mm_near_secret_key_parse(secret_key, &pk)) == NULL) {
        snprintf(reason, reasonlen, "NEAR_WALLET_PRIVATE_KEY is not an ed25519 secret key");
        return MM_SEND_REJECTED;
    }
    mm_near_public_key_format(&pk, public_key);

    switch (mm_near_signer_lock(redis, signer, public_key, 60000, lock_wait_ms, token)) {
    case 0:
        break;
    case 1:
        mm_near_secret_key_free(sk);
        snprintf(reason, reasonlen, "another process is signing with %s's key", signer);
        return MM_SEND_PENDING;
    default:
        /* nothing was signed; the caller sees redis->err and reconnects */
        mm_near_secret_key_free(sk);
        snprintf(reason, reasonlen, "redis failed taking the lease on %s's key: %s", signer,
                 redis->err ? redis->errstr : "an error reply");
        return MM_SEND_PENDING;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        uint64_t nonce;
        char *signed_b64 = NULL;

        if (mm_transfer_next_nonce(redis, rpc, signer, public_key, &nonce, reason, reasonlen)
            || mm_transfer_build(rpc, signer, sk, &pk, receiver, actions, nonce, hash,
                                 &signed_b64, reason, reasonlen)) {
            rc = MM_SEND_REJECTED;
            break;
        }
        /* the caller keeps hash and bytes before they can leave */
        if (on_signed && on_signed(hash, signed_b64, nonce, data) != 0) {
            snprintf(reason, reasonlen, "the signed transaction could not be stored");
            free(signed_b64);
            rc = MM_SEND_PENDING;
            break;
        }
        rc = mm_near_send(rpc, signed_b64, hash, signer, "FINAL", 1, outcome, reason, reasonlen);
        free(signed_b64);
        if (rc != MM_SEND_REJECTED || strstr(reason, "InvalidNonce") == NULL)
            break;
        /* the nonce was used by someone else: read it again from the chain */
        mm_near_nonce_forget(redis, signer, public_key);
    }
    mm_near_signer_unlock(redis, signer, public_key, token);
    mm_near_secret_key_free(sk);
    return rc;
}


mm_send_rc mm_near_transfer(redisContext *redis, mm_near_rpc *rpc, const char *signer,
                            const char *secret_key, const char *receiver, const char *amount,
                            long lock_wait_ms, char hash[48], json_t **outcome,
                            char *reason, size_t reasonlen) {
    json_t *actions = json_pack("[{s:{s:s}}]", "Transfer", "deposit", amount);
    mm_send_rc rc = mm_near_pay(redis, rpc, signer, secret_key, receiver, actions, lock_wait_ms,
                                NULL, NULL, hash, outcome, reason, reasonlen);

    json_decref(actions);
    return rc;
}

/* {"FunctionCall": …} with args as the base64 of their compact JSON */
static json_t *mm_transfer_function_call(const char *method, json_t *args, const char *deposit) {
    char *text = json_dumps(args, JSON_COMPACT), *b64;
    size_t len = text ? strlen(text) : 0;
    json_t *action = NULL;

    json_decref(args);
    if (text && (b64 = malloc(4 * ((len + 2) / 3) + 1)) != NULL) {
        EVP_EncodeBlock((unsigned char *) b64, (unsigned char *) text, (int) len);
        action = json_pack("{s:{s:s, s:s, s:s, s:s}}", "FunctionCall", "method_name", method,
                           "args", b64, "gas", MM_NEAR_FT_GAS, "deposit", deposit);
        free(b64);
    }
    free(text);
    return action;
}

json_t *mm_near_ft_actions(mm_near_rpc *rpc, const char *token, const char *receiver,
                           const char *amount, const char *memo, char *reason, size_t reasonlen) {
    mm_rpc_error err;
    json_t *actions = json_array(), *bounds = NULL, *args;
    mm_view_rc reg;

    memset(&err, 0, sizeof(err));
    reg = mm_near_ft_registered(rpc, token, receiver, &err);
    if (reg == MM_VIEW_MISSING) {
        /* register first, in the same transaction: both run or neither */
        args = json_object();
        if (mm_near_view_call(rpc, token, "storage_balance_bounds", args, &bounds, &err)
                != MM_VIEW_OK
            || !json_is_string(json_object_get(bounds, "min"))) {
            snprintf(reason, reasonlen, "cannot read %s's storage_balance_bounds: %s", token,
                     err.message);
            reg = MM_VIEW_ERROR;
        } else {
            json_array_append_new(actions, mm_transfer_function_call("storage_deposit",
                json_pack("{s:s, s:b}", "account_id", receiver, "registration_only", 1),
                json_string_value(json_object_get(bounds, "min"))));
        }
        json_decref(args);
        json_decref(bounds);
    } else if (reg == MM_VIEW_ERROR) {
        snprintf(reason, reasonlen, "cannot read %s's storage_balance_of: %s", token, err.message);
    }
    json_decref(err.error);
    if (reg == MM_VIEW_ERROR) {
        json_decref(actions);
        return NULL;
    }
    args =
        memo ? json_pack("{s:s, s:s, s:s}", "receiver_id", receiver, "amount", amount, "memo", memo)
             : json_pack("{s:s, s:s}", "receiver_id", receiver, "amount", amount);
    json_array_append_new(actions, mm_transfer_function_call("ft_transfer", args, "1"));
    return actions;
}

mm_send_rc mm_near_ft_transfer(redisContext *redis, mm_near_rpc *rpc, const char *signer,
                               const char *secret_key, const char *token, const char *receiver,
                               const char *amount, const char *memo, long lock_wait_ms,
                               char hash[48], json_t **outcome, char *reason, size_t reasonlen) {
    json_t *actions;
    mm_send_rc rc;

    *outcome = NULL;
    hash[0] = '\0';
    actions = mm_near_ft_actions(rpc, token, receiver, amount, memo, reason, reasonlen);
    if (actions == NULL)
        return MM_SEND_REJECTED;
    rc = mm_near_pay(redis, rpc, signer, secret_key, token, actions, lock_wait_ms, NULL, NULL,
                     hash, outcome, reason, reasonlen);
    json_decref(actions);
    return rc;
}
