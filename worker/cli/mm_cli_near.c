/*
 * mm-worker near …: the chain layer by hand, for operators and for the
 * tests that hold it against near-api-js and a NEAR node.  `near sign`
 * reads one JSON transaction description on standard input (see
 * mm_near_tx.h) and prints {"hash":"<base58>","signed_tx_base64":"…"}
 * without any network; the others talk to NEAR_RPC_ENDPOINT (with its
 * fallbacks) and, where a signer or a cache is involved, to Redis.
 */

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "chain/mm_base58.h"
#include "chain/mm_near_cache.h"
#include "chain/mm_near_rpc.h"
#include "chain/mm_near_send.h"
#include "chain/mm_near_transfer.h"
#include "chain/mm_near_tx.h"
#include "chain/mm_near_view.h"
#include "chain/mm_near_wallet.h"
#include "cli/mm_cli.h"

#define MM_NEAR_INPUT_MAX  (1 << 20)

/* a send's outcome as the exit code: 0 final success, 4 pending, 1 otherwise */
static int mm_cli_send_code(mm_send_rc rc) {
    return rc == MM_SEND_SUCCESS ? MM_EXIT_OK : rc == MM_SEND_PENDING ? MM_EXIT_PENDING
                                                                      : MM_EXIT_FAIL;
}

/* a view's: 0 found, 1 missing, 3 the chain could not be asked */
static int mm_cli_view_code(mm_view_rc rc) {
    return rc == MM_VIEW_OK ? MM_EXIT_OK : rc == MM_VIEW_MISSING ? MM_EXIT_FAIL : MM_EXIT_DOWN;
}

/* jansson's copies may hold a secret (near sign's input, a provider's
 * answer): every one is wiped when freed, in every command.  Plain malloc
 * underneath, so that what json_dumps() returns may still go to free(). */
static void *mm_cli_wiping_malloc(size_t n) {
    return malloc(n);
}

static void mm_cli_wiping_free(void *p) {
    if (p == NULL)
        return;
    sodium_memzero(p, malloc_usable_size(p));
    free(p);
}

void mm_cli_harden(void) {
    struct rlimit none = { 0, 0 };

    /* no core dumps, and /proc/PID/mem, environ, … for root (ptrace) only */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    setrlimit(RLIMIT_CORE, &none);
    json_set_alloc_funcs(mm_cli_wiping_malloc, mm_cli_wiping_free);
}

static int mm_cli_near_sign(mm_cli *c, int argc, char **argv) {
    char *input, err[256];
    size_t len = 0, n;
    json_error_t jerr;
    json_t *desc, *result;
    mm_near_signed_tx tx;
    char hash[MM_BASE58_SIZE(32)];
    unsigned char *b64;
    int rc = 1;

    (void) argc, (void) argv;
    input = sodium_malloc(MM_NEAR_INPUT_MAX + 1);
    if (input == NULL) {
        mm_cli_say(c, "out of memory");
        return 1;
    }
    while ((n = fread(input + len, 1, MM_NEAR_INPUT_MAX + 1 - len, stdin)) > 0)
        len += n;
    if (len > MM_NEAR_INPUT_MAX) {
        mm_cli_say(c, "input is larger than %d bytes", MM_NEAR_INPUT_MAX);
        sodium_free(input);
        return 1;
    }

    desc = json_loadb(input, len, JSON_REJECT_DUPLICATES, &jerr);
    sodium_free(input);
    if (desc == NULL) {
        mm_cli_say(c, "input is not JSON (line %d: %s)", jerr.line, jerr.text);
        return 1;
    }

    if (mm_near_sign_json(desc, &tx, err, sizeof(err)) != 0) {
        mm_cli_say(c, "%s", err);
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
        mm_cli_say(c, "out of memory");
    mm_near_signed_tx_free(&tx);
    return rc;
}

/* One JSON-RPC call through the failover client: the result on stdout;
 * exit 1 when the node answers with an error, 3 when no endpoint answers. */
static int mm_cli_near_rpc(mm_cli *c, int argc, char **argv) {
    const char *method = argv[0], *params_text = argc == 2 ? argv[1] : NULL;
    const mm_chain_cfg *ch = &c->ctx->cfg.chain;
    mm_near_rpc *client;
    mm_rpc_error err;
    json_error_t jerr;
    json_t *params, *result;
    mm_rpc_rc rc;

    params = json_loads(params_text ? params_text : "{}", JSON_DECODE_ANY, &jerr);
    if (!json_is_object(params) && !json_is_array(params)) {
        mm_cli_say(c, "params must be a JSON object or array");
        json_decref(params);
        return MM_EXIT_USAGE;
    }
    if ((client = mm_cli_rpc(c)) == NULL) {
        json_decref(params);
        return c->code;
    }
    for (int i = ch->rpc_repeat > 1 ? ch->rpc_repeat - 1 : 0; i > 0; i--) {
        /* NEAR_RPC_REPEAT: earlier calls whose answers are dropped (breaker drills) */
        if (mm_near_rpc_call(client, method, params, &result, &err) == MM_RPC_OK)
            json_decref(result);
        json_decref(err.error);
        if (ch->rpc_repeat_pause_ms > 0) {
            struct timespec ts = { ch->rpc_repeat_pause_ms / 1000,
                                   (ch->rpc_repeat_pause_ms % 1000) * 1000000L };
            nanosleep(&ts, NULL);
        }
    }

    rc = mm_near_rpc_call(client, method, params, &result, &err);
    json_decref(params);
    if (rc == MM_RPC_OK) {
        json_dumpf(result, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
        fputc('\n', stdout);
        json_decref(result);
    } else {
        mm_cli_say(c, "%s%s%s: %s", err.name, err.cause[0] ? "/" : "", err.cause, err.message);
        json_decref(err.error);
    }
    for (int i = 0; i < client->n; i++)
        mm_cli_say(c, "endpoint %s: %llu calls, %llu failed, breaker %s", client->endpoint[i].name,
                   (unsigned long long) client->endpoint[i].calls,
                   (unsigned long long) client->endpoint[i].errors,
                   client->endpoint[i].failures >= client->breaker_after ? "open" : "closed");
    return rc == MM_RPC_OK ? MM_EXIT_OK : rc == MM_RPC_ERROR ? MM_EXIT_FAIL : MM_EXIT_DOWN;
}

/* Sends what `near sign` printed (stdin) and reports the outcome; exit 0
 * success, 1 failed or rejected, 4 still pending (re-run it: same bytes).
 * --first: these bytes were never sent, so a refusal of them is final. */
static int mm_cli_near_send(mm_cli *c, int argc, char **argv) {
    int fresh = argc > 1 && !strcmp(argv[argc - 1], "--first");
    const char *signer = argv[0], *wait_until = argc - fresh == 2 ? argv[1] : NULL;
    json_error_t jerr;
    json_t *in, *outcome, *report;
    const char *hash, *b64;
    mm_near_rpc *client;
    mm_send_rc rc;
    char reason[512];

    in = json_loadf(stdin, 0, &jerr);
    hash = json_string_value(json_object_get(in, "hash"));
    b64 = json_string_value(json_object_get(in, "signed_tx_base64"));
    if (hash == NULL || b64 == NULL) {
        mm_cli_say(c, "stdin must be {\"hash\",\"signed_tx_base64\"} as near sign prints it");
        json_decref(in);
        return MM_EXIT_USAGE;
    }
    if ((client = mm_cli_rpc(c)) == NULL) {
        json_decref(in);
        return c->code;
    }
    rc = mm_near_send(client, b64, hash, signer, wait_until, fresh, &outcome, reason,
                      sizeof(reason));
    report = json_pack("{s:s, s:s, s:s, s:O?}", "result", mm_near_send_name(rc), "hash", hash,
                       "reason", reason, "final_execution_status",
                       json_object_get(outcome, "final_execution_status"));
    json_dumpf(report, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(report);
    json_decref(outcome);
    json_decref(in);
    return mm_cli_send_code(rc);
}

/* An account's balance in NEAR, or in a NEP-141 token with its storage
 * registration; exit 1 when the account does not exist, 3 on failure. */
static int mm_cli_near_balance(mm_cli *c, int argc, char **argv) {
    const char *account = argv[0], *token = argc == 2 ? argv[1] : NULL;
    mm_near_rpc *client;
    mm_rpc_error err;
    unsigned __int128 amount = 0;
    mm_view_rc rc, reg = MM_VIEW_OK;
    char text[48];
    json_t *report;

    memset(&err, 0, sizeof(err));
    if ((client = mm_cli_rpc(c)) == NULL)
        return c->code;
    if (token == NULL) {
        rc = mm_near_balance(client, account, &amount, &err);
    } else {
        rc = reg = mm_near_ft_registered(client, token, account, &err);
        if (rc == MM_VIEW_OK)
            rc = mm_near_ft_balance(client, token, account, &amount, &err);
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
        mm_cli_say(c, "account %s does not exist", account);
    } else {
        mm_cli_say(c, "%s/%s: %s", err.name, err.cause, err.message);
    }
    json_decref(err.error);
    return mm_cli_view_code(rc);
}

/* The final block to sign against, or an access key's nonce: what a
 * signer needs; exit 1 when the key does not exist, 3 on failure. */
static int mm_cli_near_head(mm_cli *c, int argc, char **argv) {
    const char *account = argc == 2 ? argv[0] : NULL, *public_key = argc == 2 ? argv[1] : NULL;
    mm_near_rpc *client;
    mm_rpc_error err;
    uint8_t hash[32];
    uint64_t value = 0;
    mm_view_rc rc;
    char b58[MM_BASE58_SIZE(32)];

    memset(&err, 0, sizeof(err));
    if ((client = mm_cli_rpc(c)) == NULL)
        return c->code;
    if (account == NULL) {
        rc = mm_near_final_block(client, hash, &value, &err);
        mm_base58_encode(hash, sizeof(hash), b58);
        if (rc == MM_VIEW_OK)
            printf("{\"hash\":\"%s\",\"height\":%llu}\n", b58, (unsigned long long) value);
    } else {
        rc = mm_near_access_key_nonce(client, account, public_key, &value, &err);
        if (rc == MM_VIEW_OK)
            printf("{\"nonce\":%llu}\n", (unsigned long long) value);
        else if (rc == MM_VIEW_MISSING)
            mm_cli_say(c, "%s has no key %s", account, public_key);
    }
    if (rc == MM_VIEW_ERROR)
        mm_cli_say(c, "%s/%s: %s", err.name, err.cause, err.message);
    json_decref(err.error);
    return mm_cli_view_code(rc);
}

/* A transfer from the operator's account (NEAR_WALLET_ADDRESS with
 * NEAR_WALLET_PRIVATE_KEY), of NEAR or, with a token, of a NEP-141 token;
 * exit as near send does. */
static int mm_cli_near_transfer(mm_cli *c, int argc, char **argv) {
    const char *receiver = argv[0], *amount = argv[1], *token = argc == 3 ? argv[2] : NULL;
    const mm_chain_cfg *ch = &c->ctx->cfg.chain;
    const char *signer = ch->master, *key = ch->master_key;
    redisContext *redis;
    mm_near_rpc *client;
    json_t *outcome, *report;
    char hash[48], reason[512];
    mm_send_rc rc;

    if (signer == NULL || key == NULL) {
        mm_cli_say(c, "NEAR_WALLET_ADDRESS and NEAR_WALLET_PRIVATE_KEY must be set");
        return MM_EXIT_USAGE;
    }
    if ((redis = mm_cli_redis(c)) == NULL || (client = mm_cli_rpc(c)) == NULL)
        return c->code;
    rc = token
         ? mm_near_ft_transfer(redis, client, signer, key, token, receiver, amount, ch->memo,
                               ch->signer_wait_ms, hash, &outcome, reason, sizeof(reason))
         : mm_near_transfer(redis, client, signer, key, receiver, amount, ch->signer_wait_ms,
                            hash, &outcome, reason, sizeof(reason));
    report = json_pack("{s:s, s:s, s:s}", "result", mm_near_send_name(rc), "hash", hash,
                       "reason", reason);
    json_dumpf(report, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(report);
    json_decref(outcome);
    return mm_cli_send_code(rc);
}

/* the CLI's persistence: the sealed key on stdout before anything is sent */
static int mm_cli_print_sealed(const mm_near_wallet *w, void *data) {
    (void) data;
    printf("{\"account_id\":\"%s\",\"public_key\":\"%s\",\"sealed_key\":\"%s\"}\n",
           w->account_id, w->public_key, w->sealed);
    return fflush(stdout) == 0 ? 0 : -1;
}

/* A user's wallet under NEAR_WALLET_ADDRESS; exit as near send does. */
static int mm_cli_near_create_wallet(mm_cli *c, int argc, char **argv) {
    const mm_chain_cfg *ch = &c->ctx->cfg.chain;
    redisContext *redis;
    mm_near_rpc *client;
    mm_near_wallet w;
    mm_send_rc rc;
    char reason[512];
    char *end;
    long long id = strtoll(argv[0], &end, 10);

    (void) argc;
    if (*end != '\0' || id <= 0) {
        mm_cli_say(c, "the Telegram user id must be a positive integer");
        return MM_EXIT_USAGE;
    }
    if (ch->master == NULL || ch->master_key == NULL || ch->seal_key == NULL) {
        mm_cli_say(c, "NEAR_WALLET_ADDRESS, NEAR_WALLET_PRIVATE_KEY and WALLET_ENCRYPTION_KEY "
                      "must be set");
        return MM_EXIT_USAGE;
    }
    if ((redis = mm_cli_redis(c)) == NULL || (client = mm_cli_rpc(c)) == NULL)
        return c->code;
    rc = mm_near_create_wallet(redis, client, ch->master, ch->master_key, ch->seal_key, id,
                               ch->initial_balance, mm_cli_print_sealed, NULL, &w, reason,
                               sizeof(reason));
    printf("{\"result\":\"%s\",\"hash\":\"%s\"}\n", mm_near_send_name(rc), w.hash);
    if (rc != MM_SEND_SUCCESS)
        mm_cli_say(c, "%s", reason);
    mm_near_wallet_free(&w);
    return mm_cli_send_code(rc);
}

/* near add-keys N: N new full-access keys on NEAR_WALLET_ADDRESS (AddKey
 * actions in one transaction signed by its main key).  The secrets go to
 * stdout only, as the NEAR_SIGNER_KEYS line, and before anything is sent:
 * a key that reaches the chain is never one whose secret was lost.  Then
 * {"result","hash","public_keys"}; exit as near send does. */
static int mm_cli_near_add_keys(mm_cli *c, int argc, char **argv) {
    const mm_chain_cfg *ch = &c->ctx->cfg.chain;
    char *end, hash[48], reason[512], *line = NULL;
    long n = strtol(argv[0], &end, 10);
    json_t *actions, *keys, *outcome = NULL, *report;
    mm_send_rc rc;
    redisContext *redis;
    mm_near_rpc *client;
    size_t used = 0;

    (void) argc;
    if (*end != '\0' || n < 1 || n > 64) {
        mm_cli_say(c, "N must be a number of keys from 1 to 64");
        return MM_EXIT_USAGE;
    }
    if (ch->master == NULL || ch->master_key == NULL) {
        mm_cli_say(c, "NEAR_WALLET_ADDRESS and NEAR_WALLET_PRIVATE_KEY must be set");
        return MM_EXIT_USAGE;
    }
    if ((redis = mm_cli_redis(c)) == NULL || (client = mm_cli_rpc(c)) == NULL)
        return c->code;
    /* "NEAR_SIGNER_KEYS=" + n × ("ed25519:" + base58 of 64 bytes + ","): locked memory */
    line = sodium_malloc(32 + (size_t) n * (8 + MM_BASE58_SIZE(64) + 1) + 1);
    actions = json_array();
    keys = json_array();
    if (line == NULL || actions == NULL || keys == NULL) {
        mm_cli_say(c, "out of memory");
        sodium_free(line);
        json_decref(actions);
        json_decref(keys);
        return MM_EXIT_FAIL;
    }
    used = (size_t) sprintf(line, "NEAR_SIGNER_KEYS=");
    for (long i = 0; i < n; i++) {
        uint8_t *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
        mm_near_public_key pk;
        char public_key[64];

        if (sk == NULL) {
            mm_cli_say(c, "out of locked memory");
            sodium_free(line);
            json_decref(actions);
            json_decref(keys);
            return MM_EXIT_FAIL;
        }
        crypto_sign_keypair(pk.bytes, sk);
        mm_near_public_key_format(&pk, public_key);
        used += (size_t) sprintf(line + used, "%s" MM_NEAR_KEY_PREFIX, i ? "," : "");
        mm_base58_encode(sk, crypto_sign_SECRETKEYBYTES, line + used);
        used += strlen(line + used);
        sodium_free(sk);
        json_array_append_new(keys, json_string(public_key));
        json_array_append_new(actions, json_pack("{s:{s:s, s:{s:i, s:s}}}", "AddKey", "public_key",
                                                 public_key, "access_key", "nonce", 0, "permission",
                                                 "FullAccess"));
    }
    /* the secrets where only the operator sees them, before anything is sent;
     * written straight from locked memory, past stdio's buffer */
    line[used++] = '\n';
    if (fflush(stdout) != 0 || write(STDOUT_FILENO, line, used) != (ssize_t) used) {
        sodium_free(line);
        json_decref(actions);
        json_decref(keys);
        return MM_EXIT_FAIL;
    }
    sodium_free(line);
    rc = mm_near_pay(redis, client, ch->master, ch->master_key, ch->master, actions,
                     ch->signer_wait_ms, NULL, NULL, hash, &outcome, reason, sizeof(reason));
    report = json_pack("{s:s, s:s, s:O}", "result", mm_near_send_name(rc), "hash", hash,
                       "public_keys", keys);
    json_dumpf(report, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    if (rc != MM_SEND_SUCCESS)
        mm_cli_say(c, "%s", reason);
    json_decref(report);
    json_decref(outcome);
    json_decref(actions);
    json_decref(keys);
    return mm_cli_send_code(rc);
}

/* A player's view: a balance, or a token's metadata, through the Redis
 * cache (REDIS_HOST/REDIS_PORT); exit 1 when missing, 3 on failure. */
static int mm_cli_near_shown(mm_cli *c, int argc, char **argv) {
    const char *a = argv[0], *b = argc == 2 ? argv[1] : NULL;
    redisContext *redis;
    mm_near_rpc *client;
    mm_rpc_error err;
    mm_view_rc rc = MM_VIEW_ERROR;
    json_t *meta = NULL;
    char amount[48];

    memset(&err, 0, sizeof(err));
    if ((redis = mm_cli_redis(c)) == NULL || (client = mm_cli_rpc(c)) == NULL)
        return c->code;
    if (strcmp(c->name, "near metadata") == 0) {
        rc = mm_near_cached_metadata(redis, client, a, &meta, &err);
        if (rc == MM_VIEW_OK) {
            json_dumpf(meta, stdout, JSON_COMPACT);
            fputc('\n', stdout);
        }
    } else {
        rc = mm_near_cached_balance(redis, client, a, b, amount, &err);
        if (rc == MM_VIEW_OK)
            printf("{\"account\":\"%s\",\"token\":\"%s\",\"balance\":\"%s\"}\n", a,
                   b ? b : "NEAR", amount);
    }
    if (rc == MM_VIEW_MISSING)
        mm_cli_say(c, "%s does not exist", a);
    else if (rc == MM_VIEW_ERROR)
        mm_cli_say(c, "%s/%s: %s", err.name, err.cause, err.message);
    json_decref(meta);
    json_decref(err.error);
    return mm_cli_view_code(rc);
}

typedef struct mm_cli_near_def {
    const char *name;
    int min, max;               /* arguments after the name */
    int (*run)(mm_cli *c, int argc, char **argv);
} mm_cli_near_def;

static const mm_cli_near_def mm_cli_near_defs[] = {
    { "sign", 0, 0, mm_cli_near_sign },
    { "rpc", 1, 2, mm_cli_near_rpc },
    { "send", 1, 3, mm_cli_near_send },
    { "balance", 1, 2, mm_cli_near_balance },
    { "block", 0, 0, mm_cli_near_head },
    { "nonce", 2, 2, mm_cli_near_head },
    { "transfer", 2, 3, mm_cli_near_transfer },
    { "create-wallet", 1, 1, mm_cli_near_create_wallet },
    { "add-keys", 1, 1, mm_cli_near_add_keys },
    { "metadata", 1, 1, mm_cli_near_shown },
    { "shown-balance", 1, 2, mm_cli_near_shown },
};

int mm_cli_near(mm_cli *c, int argc, char **argv) {
    char name[48];

    for (size_t i = 0; argc > 0 && i < sizeof(mm_cli_near_defs) / sizeof(mm_cli_near_defs[0]);
         i++) {
        const mm_cli_near_def *d = &mm_cli_near_defs[i];
        if (strcmp(argv[0], d->name) || argc - 1 < d->min || argc - 1 > d->max)
            continue;
        snprintf(name, sizeof(name), "near %s", d->name);
        c->name = name;
        return d->run(c, argc - 1, argv + 1);
    }
    fprintf(stderr, "usage: mm-worker near sign < transaction.json\n"
                    "       mm-worker near rpc METHOD ['PARAMS JSON']\n"
                    "       mm-worker near send SIGNER_ID [WAIT_UNTIL] [--first] < signed.json\n"
                    "       mm-worker near balance ACCOUNT [TOKEN_CONTRACT]\n"
                    "       mm-worker near block | near nonce ACCOUNT PUBLIC_KEY\n"
                    "       mm-worker near transfer RECEIVER AMOUNT [TOKEN_CONTRACT]\n"
                    "       mm-worker near create-wallet TELEGRAM_USER_ID\n"
                    "       mm-worker near add-keys N\n"
                    "       mm-worker near metadata TOKEN | near shown-balance ACCOUNT [TOKEN]\n");
    return MM_EXIT_USAGE;
}
