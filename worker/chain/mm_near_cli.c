/*
 * mm-worker near sign: offline signing for operators, and the door our
 * tests use to compare with near-api-js.  Reads one JSON transaction
 * description on standard input (see mm_near_tx.h), prints
 * {"hash":"<base58>","signed_tx_base64":"…"}.  No network.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "mm_base58.h"
#include "mm_near_cache.h"
#include "mm_near_cli.h"
#include "mm_near_rpc.h"
#include "mm_near_send.h"
#include "mm_near_transfer.h"
#include "mm_near_view.h"
#include "mm_near_wallet.h"
#include "mm_near_tx.h"
#include "store/mm_redis.h"

#define MM_NEAR_INPUT_MAX  (1 << 20)

/* jansson's copies of the input hold the secret key: wipe them on free */
static void *wiping_malloc(size_t n) {
    size_t *p = malloc(sizeof(size_t) + n);

    if (p == NULL)
        return NULL;
    *p = n;
    return p + 1;
}

static void wiping_free(void *q) {
    size_t *p = q;

    if (p == NULL)
        return;
    sodium_memzero(q, p[-1]);
    free(p - 1);
}

static int sign(void) {
    char *input, err[256];
    size_t len = 0, n;
    json_error_t jerr;
    json_t *desc, *result;
    mm_near_signed_tx tx;
    char hash[MM_BASE58_SIZE(32)];
    unsigned char *b64;
    int rc = 1;

    input = sodium_malloc(MM_NEAR_INPUT_MAX + 1);
    if (input == NULL) {
        fprintf(stderr, "near sign: out of memory\n");
        return 1;
    }
    while ((n = fread(input + len, 1, MM_NEAR_INPUT_MAX + 1 - len, stdin)) > 0)
        len += n;
    if (len > MM_NEAR_INPUT_MAX) {
        fprintf(stderr, "near sign: input is larger than %d bytes\n", MM_NEAR_INPUT_MAX);
        sodium_free(input);
        return 1;
    }

    json_set_alloc_funcs(wiping_malloc, wiping_free);
    desc = json_loadb(input, len, JSON_REJECT_DUPLICATES, &jerr);
    sodium_free(input);
    if (desc == NULL) {
        fprintf(stderr, "near sign: input is not JSON (line %d: %s)\n", jerr.line, jerr.text);
        return 1;
    }

    if (mm_near_sign_json(desc, &tx, err, sizeof(err)) != 0) {
        fprintf(stderr, "near sign: %s\n", err);
        json_decref(desc);
        return 1;
    }
    json_decref(desc);

    mm_base58_encode(tx.hash, sizeof(tx.hash), hash);
    b64 = malloc(4 * ((tx.bytes.len + 2) / 3) + 1);
    if (b64 != NULL) {
        EVP_EncodeBlock(b64, tx.bytes.data, (int) tx.bytes.len);
        result = json_pack("{s:s, s:s}", "hash", hash, "signed_tx_base64", (char *) b64);
        if (result && json_dumpf(result, stdout, JSON_COMPACT) == 0) {
            fputc('\n', stdout);
            rc = 0;
        }
        json_decref(result);
        free(b64);
    }
    if (rc)
        fprintf(stderr, "near sign: out of memory\n");
    mm_near_signed_tx_free(&tx);
    return rc;
}

/* The RPC client as the environment configures it; 0, or -1 said. */
static int client_from_env(mm_near_rpc *client, const char *who) {
    const char *backoff = getenv("NEAR_RPC_BACKOFF_MS");
    const char *timeout = getenv("NEAR_RPC_TIMEOUT_MS");
    const char *breaker = getenv("NEAR_RPC_BREAKER_OPEN_MS");
    char msg[256];

    if (mm_near_rpc_init(client, getenv("NEAR_RPC_ENDPOINT"), getenv("NEAR_RPC_FALLBACKS"),
                         getenv("FASTNEAR_API_KEY"), msg, sizeof(msg))) {
        fprintf(stderr, "%s: %s\n", who, msg);
        return -1;
    }
    if (backoff && atol(backoff) > 0)
        client->backoff_ms = atol(backoff);
    if (timeout && atol(timeout) > 0)
        for (int i = 0; i < client->n; i++)
            client->endpoint[i].timeout_ms = atol(timeout);
    if (breaker && atol(breaker) > 0)
        client->breaker_open_s = atol(breaker) / 1000.0;
    return 0;
}

/* One JSON-RPC call through the failover client: the result on stdout;
 * exit 1 when the node answers with an error, 3 when no endpoint answers. */
static int rpc(const char *method, const char *params_text) {
    const char *repeat = getenv("NEAR_RPC_REPEAT"), *pause = getenv("NEAR_RPC_REPEAT_PAUSE_MS");
    mm_near_rpc client;
    mm_rpc_error err;
    json_error_t jerr;
    json_t *params, *result;
    mm_rpc_rc rc;

    params = json_loads(params_text ? params_text : "{}", JSON_DECODE_ANY, &jerr);
    if (!json_is_object(params) && !json_is_array(params)) {
        fprintf(stderr, "near rpc: params must be a JSON object or array\n");
        json_decref(params);
        return 2;
    }
    if (client_from_env(&client, "near rpc")) {
        json_decref(params);
        return 2;
    }
    for (long i = repeat && atol(repeat) > 1 ? atol(repeat) - 1 : 0; i > 0; i--) {
        /* NEAR_RPC_REPEAT: earlier calls whose answers are dropped (breaker drills) */
        if (mm_near_rpc_call(&client, method, params, &result, &err) == MM_RPC_OK)
            json_decref(result);
        json_decref(err.error);
        if (pause && atol(pause) > 0) {
            struct timespec ts = { atol(pause) / 1000, (atol(pause) % 1000) * 1000000L };
            nanosleep(&ts, NULL);
        }
    }

    rc = mm_near_rpc_call(&client, method, params, &result, &err);
    json_decref(params);
    if (rc == MM_RPC_OK) {
        json_dumpf(result, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
        fputc('\n', stdout);
        json_decref(result);
    } else {
        fprintf(stderr, "near rpc: %s%s%s: %s\n", err.name, err.cause[0] ? "/" : "",
                err.cause, err.message);
        json_decref(err.error);
    }
    for (int i = 0; i < client.n; i++)
        fprintf(stderr, "near rpc: endpoint %s: %llu calls, %llu failed, breaker %s\n",
                client.endpoint[i].url, (unsigned long long) client.endpoint[i].calls,
                (unsigned long long) client.endpoint[i].errors,
                client.endpoint[i].failures >= client.breaker_after ? "open" : "closed");
    mm_near_rpc_free(&client);
    return rc == MM_RPC_OK ? 0 : rc == MM_RPC_ERROR ? 1 : 3;
}

/* Sends what `near sign` printed (stdin) and reports the outcome; exit 0
 * success, 1 failed or rejected, 4 still pending (re-run it: same bytes). */
static int send_signed(const char *signer, const char *wait_until) {
    json_error_t jerr;
    json_t *in, *outcome, *report;
    const char *hash, *b64;
    mm_near_rpc client;
    mm_send_rc rc;
    char reason[512];

    in = json_loadf(stdin, 0, &jerr);
    hash = json_string_value(json_object_get(in, "hash"));
    b64 = json_string_value(json_object_get(in, "signed_tx_base64"));
    if (hash == NULL || b64 == NULL) {
        fprintf(stderr, "near send: stdin must be {\"hash\",\"signed_tx_base64\"} "
                        "as near sign prints it\n");
        json_decref(in);
        return 2;
    }
    if (client_from_env(&client, "near send")) {
        json_decref(in);
        return 2;
    }
    rc = mm_near_send(&client, b64, hash, signer, wait_until, &outcome, reason, sizeof(reason));
    report = json_pack("{s:s, s:s, s:s, s:O?}", "result", mm_near_send_name(rc), "hash", hash,
                       "reason", reason,
                       "final_execution_status", json_object_get(outcome, "final_execution_status"));
    json_dumpf(report, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(report);
    json_decref(outcome);
    json_decref(in);
    mm_near_rpc_free(&client);
    return rc == MM_SEND_SUCCESS ? 0 : rc == MM_SEND_PENDING ? 4 : 1;
}

/* An account's balance in NEAR, or in a NEP-141 token with its storage
 * registration; exit 1 when the account does not exist, 3 on failure. */
static int balance(const char *account, const char *token) {
    mm_near_rpc client;
    mm_rpc_error err;
    unsigned __int128 amount = 0;
    mm_view_rc rc, reg = MM_VIEW_OK;
    char text[48];
    json_t *report;

    memset(&err, 0, sizeof(err));
    if (client_from_env(&client, "near balance"))
        return 2;
    if (token == NULL) {
        rc = mm_near_balance(&client, account, &amount, &err);
    } else {
        rc = reg = mm_near_ft_registered(&client, token, account, &err);
        if (rc == MM_VIEW_OK)
            rc = mm_near_ft_balance(&client, token, account, &amount, &err);
        else if (rc == MM_VIEW_MISSING)
            rc = MM_VIEW_OK;            /* not registered: holds nothing */
    }
    if (rc == MM_VIEW_OK) {
        mm_near_u128_text(amount, text);
        report = json_pack("{s:s, s:s, s:s}", "account", account, "token", token ? token : "NEAR",
                           "balance", text);
        if (token)
            json_object_set_new(report, "registered", json_boolean(reg == MM_VIEW_OK));
        json_dumpf(report, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(report);
    } else if (rc == MM_VIEW_MISSING) {
        fprintf(stderr, "near balance: account %s does not exist\n", account);
    } else {
        fprintf(stderr, "near balance: %s/%s: %s\n", err.name, err.cause, err.message);
    }
    json_decref(err.error);
    mm_near_rpc_free(&client);
    return rc == MM_VIEW_OK ? 0 : rc == MM_VIEW_MISSING ? 1 : 3;
}

/* The final block to sign against, or an access key's nonce: what a
 * signer needs; exit 1 when the key does not exist, 3 on failure. */
static int head(const char *account, const char *public_key) {
    mm_near_rpc client;
    mm_rpc_error err;
    uint8_t hash[32];
    uint64_t value = 0;
    mm_view_rc rc;
    char b58[MM_BASE58_SIZE(32)];

    memset(&err, 0, sizeof(err));
    if (client_from_env(&client, "near"))
        return 2;
    if (account == NULL) {
        rc = mm_near_final_block(&client, hash, &value, &err);
        mm_base58_encode(hash, sizeof(hash), b58);
        if (rc == MM_VIEW_OK)
            printf("{\"hash\":\"%s\",\"height\":%llu}\n", b58, (unsigned long long) value);
    } else {
        rc = mm_near_access_key_nonce(&client, account, public_key, &value, &err);
        if (rc == MM_VIEW_OK)
            printf("{\"nonce\":%llu}\n", (unsigned long long) value);
        else if (rc == MM_VIEW_MISSING)
            fprintf(stderr, "near nonce: %s has no key %s\n", account, public_key);
    }
    if (rc == MM_VIEW_ERROR)
        fprintf(stderr, "near: %s/%s: %s\n", err.name, err.cause, err.message);
    json_decref(err.error);
    mm_near_rpc_free(&client);
    return rc == MM_VIEW_OK ? 0 : rc == MM_VIEW_MISSING ? 1 : 3;
}

/* A transfer from the operator's account (NEAR_WALLET_ADDRESS with
 * NEAR_WALLET_PRIVATE_KEY), of NEAR or, with a token, of a NEP-141 token;
 * exit as near send does. */
static int transfer(const char *receiver, const char *amount, const char *token) {
    const char *signer = getenv("NEAR_WALLET_ADDRESS"), *key = getenv("NEAR_WALLET_PRIVATE_KEY");
    char rerr[300];
    const char *wait = getenv("NEAR_SIGNER_WAIT_MS");
    redisContext *redis;
    mm_near_rpc client;
    json_t *outcome, *report;
    char hash[48], reason[512];
    mm_send_rc rc;

    if (signer == NULL || key == NULL) {
        fprintf(stderr, "near transfer: NEAR_WALLET_ADDRESS and NEAR_WALLET_PRIVATE_KEY must be set\n");
        return 2;
    }
    if ((redis = mm_redis_from_env(rerr, sizeof(rerr))) == NULL) {
        fprintf(stderr, "near transfer: redis: %s\n", rerr);
        return 3;
    }
    if (client_from_env(&client, "near transfer")) {
        redisFree(redis);
        return 2;
    }
    rc = token
         ? mm_near_ft_transfer(redis, &client, signer, key, token, receiver, amount,
                               getenv("NEAR_MEMO"), wait && atol(wait) > 0 ? atol(wait) : 30000,
                               hash, &outcome, reason, sizeof(reason))
         : mm_near_transfer(redis, &client, signer, key, receiver, amount,
                            wait && atol(wait) > 0 ? atol(wait) : 30000, hash, &outcome,
                            reason, sizeof(reason));
    report = json_pack("{s:s, s:s, s:s}", "result", mm_near_send_name(rc), "hash", hash,
                       "reason", reason);
    json_dumpf(report, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(report);
    json_decref(outcome);
    mm_near_rpc_free(&client);
    redisFree(redis);
    return rc == MM_SEND_SUCCESS ? 0 : rc == MM_SEND_PENDING ? 4 : 1;
}

/* the CLI's persistence: the sealed key on stdout before anything is sent */
static int print_sealed(const mm_near_wallet *w, void *data) {
    (void) data;
    printf("{\"account_id\":\"%s\",\"public_key\":\"%s\",\"sealed_key\":\"%s\"}\n",
           w->account_id, w->public_key, w->sealed);
    return fflush(stdout) == 0 ? 0 : -1;
}

/* A user's wallet under NEAR_WALLET_ADDRESS; exit as near send does. */
static int create_wallet(const char *user) {
    const char *master = getenv("NEAR_WALLET_ADDRESS"), *key = getenv("NEAR_WALLET_PRIVATE_KEY");
    const char *seal = getenv("WALLET_ENCRYPTION_KEY");
    char rerr[300];
    redisContext *redis;
    mm_near_rpc client;
    mm_near_wallet w;
    mm_send_rc rc;
    char reason[512];
    char *end;
    long long id = strtoll(user, &end, 10);

    if (*end != '\0' || id <= 0) {
        fprintf(stderr, "near create-wallet: the Telegram user id must be a positive integer\n");
        return 2;
    }
    if (master == NULL || key == NULL || seal == NULL) {
        fprintf(stderr, "near create-wallet: NEAR_WALLET_ADDRESS, NEAR_WALLET_PRIVATE_KEY and "
                        "WALLET_ENCRYPTION_KEY must be set\n");
        return 2;
    }
    if ((redis = mm_redis_from_env(rerr, sizeof(rerr))) == NULL) {
        fprintf(stderr, "near create-wallet: redis: %s\n", rerr);
        return 3;
    }
    if (client_from_env(&client, "near create-wallet")) {
        redisFree(redis);
        return 3;
    }
    rc = mm_near_create_wallet(redis, &client, master, key, seal, id, getenv("NEAR_INITIAL_BALANCE"),
                               print_sealed, NULL, &w, reason, sizeof(reason));
    printf("{\"result\":\"%s\",\"hash\":\"%s\"}\n", mm_near_send_name(rc), w.hash);
    if (rc != MM_SEND_SUCCESS)
        fprintf(stderr, "near create-wallet: %s\n", reason);
    mm_near_wallet_free(&w);
    mm_near_rpc_free(&client);
    redisFree(redis);
    return rc == MM_SEND_SUCCESS ? 0 : rc == MM_SEND_PENDING ? 4 : 1;
}

/* A player's view: a balance, or a token's metadata, through the Redis
 * cache (REDIS_HOST/REDIS_PORT); exit 1 when missing, 3 on failure. */
static int shown(const char *what, const char *a, const char *b) {
    char rerr[300];
    redisContext *redis;
    mm_near_rpc client;
    mm_rpc_error err;
    mm_view_rc rc = MM_VIEW_ERROR;
    json_t *meta = NULL;
    char amount[48];

    memset(&err, 0, sizeof(err));
    if ((redis = mm_redis_from_env(rerr, sizeof(rerr))) == NULL) {
        fprintf(stderr, "near: redis: %s\n", rerr);
        return 3;
    }
    if (client_from_env(&client, "near")) {
        redisFree(redis);
        return 3;
    }
    if (strcmp(what, "metadata") == 0) {
        rc = mm_near_cached_metadata(redis, &client, a, &meta, &err);
        if (rc == MM_VIEW_OK) {
            json_dumpf(meta, stdout, JSON_COMPACT);
            fputc('\n', stdout);
        }
    } else {
        rc = mm_near_cached_balance(redis, &client, a, b, amount, &err);
        if (rc == MM_VIEW_OK)
            printf("{\"account\":\"%s\",\"token\":\"%s\",\"balance\":\"%s\"}\n", a,
                   b ? b : "NEAR", amount);
    }
    if (rc == MM_VIEW_MISSING)
        fprintf(stderr, "near: %s does not exist\n", a);
    else if (rc == MM_VIEW_ERROR)
        fprintf(stderr, "near: %s/%s: %s\n", err.name, err.cause, err.message);
    json_decref(meta);
    json_decref(err.error);
    mm_near_rpc_free(&client);
    redisFree(redis);
    return rc == MM_VIEW_OK ? 0 : rc == MM_VIEW_MISSING ? 1 : 3;
}

int mm_near_cli(int argc, char **argv) {
    if (sodium_init() < 0) {
        fprintf(stderr, "near: libsodium failed to initialise\n");
        return 1;
    }
    if (argc == 1 && strcmp(argv[0], "sign") == 0)
        return sign();
    if ((argc == 2 || argc == 3) && strcmp(argv[0], "rpc") == 0)
        return rpc(argv[1], argc == 3 ? argv[2] : NULL);
    if ((argc == 3 || argc == 4) && strcmp(argv[0], "transfer") == 0)
        return transfer(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
    if (argc == 2 && strcmp(argv[0], "create-wallet") == 0)
        return create_wallet(argv[1]);
    if (argc == 2 && strcmp(argv[0], "metadata") == 0)
        return shown("metadata", argv[1], NULL);
    if ((argc == 2 || argc == 3) && strcmp(argv[0], "shown-balance") == 0)
        return shown("balance", argv[1], argc == 3 ? argv[2] : NULL);
    if (argc == 1 && strcmp(argv[0], "block") == 0)
        return head(NULL, NULL);
    if (argc == 3 && strcmp(argv[0], "nonce") == 0)
        return head(argv[1], argv[2]);
    if ((argc == 2 || argc == 3) && strcmp(argv[0], "balance") == 0)
        return balance(argv[1], argc == 3 ? argv[2] : NULL);
    if ((argc == 2 || argc == 3) && strcmp(argv[0], "send") == 0)
        return send_signed(argv[1], argc == 3 ? argv[2] : NULL);
    fprintf(stderr, "usage: mm-worker near sign < transaction.json\n"
                    "       mm-worker near rpc METHOD ['PARAMS JSON']\n"
                    "       mm-worker near send SIGNER_ID [WAIT_UNTIL] < signed.json\n"
                    "       mm-worker near balance ACCOUNT [TOKEN_CONTRACT]\n"
                    "       mm-worker near block | near nonce ACCOUNT PUBLIC_KEY\n"
                    "       mm-worker near transfer RECEIVER AMOUNT [TOKEN_CONTRACT]\n"
                    "       mm-worker near create-wallet TELEGRAM_USER_ID\n"
                    "       mm-worker near metadata TOKEN | near shown-balance ACCOUNT [TOKEN]\n");
    return 2;
}
