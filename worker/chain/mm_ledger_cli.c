/*
 * mm-worker payouts add PURPOSE RECIPIENT TOKEN AMOUNT  record a reward once
 * mm-worker payouts run                               one pass of the payer
 * mm-worker deposits verify USER TX_HASH SIGNER TOKEN MIN  credit a deposit once
 * From DATABASE_URL, REDIS_HOST/REDIS_PORT, NEAR_RPC_* and the operator's
 * NEAR_WALLET_ADDRESS / NEAR_WALLET_PRIVATE_KEY.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <sodium.h>

#include "mm_deposit.h"
#include "mm_ledger.h"
#include "mm_ledger_cli.h"
#include "store/mm_redis.h"

static int connect_db(mm_db *db) {
    const char *url = getenv("DATABASE_URL");

    if (url == NULL || *url == '\0') {
        fprintf(stderr, "payouts: DATABASE_URL is not set\n");
        return -1;
    }
    if (mm_db_open(db, url)) {
        fprintf(stderr, "payouts: %s\n", db->err);
        return -1;
    }
    return 0;
}

static int add(char **argv) {
    mm_db db = { NULL };
    long long id;
    char err[256];
    int rc;

    if (connect_db(&db))
        return 2;
    rc = mm_ledger_add(&db, argv[0], argv[1], argv[2], argv[3], &id, err, sizeof(err));
    if (rc == 0)
        printf("{\"id\":%lld}\n", id);
    else
        fprintf(stderr, "payouts add: %s\n", err);
    mm_db_close(&db);
    return rc == 0 ? 0 : 1;
}

static int run_once(void) {
    const char *signer = getenv("NEAR_WALLET_ADDRESS"), *key = getenv("NEAR_WALLET_PRIVATE_KEY");
    const char *backoff = getenv("NEAR_RPC_BACKOFF_MS");
    redisContext *redis = NULL;
    mm_ledger_stats st;
    mm_near_rpc rpc;
    mm_db db = { NULL };
    char err[512];
    int rc = 1;

    if (signer == NULL || key == NULL) {
        fprintf(stderr, "payouts run: NEAR_WALLET_ADDRESS and NEAR_WALLET_PRIVATE_KEY must be set\n");
        return 2;
    }
    if (connect_db(&db))
        return 2;
    if (mm_near_rpc_init(&rpc, getenv("NEAR_RPC_ENDPOINT"), getenv("NEAR_RPC_FALLBACKS"),
                         getenv("FASTNEAR_API_KEY"), err, sizeof(err))) {
        fprintf(stderr, "payouts run: %s\n", err);
        mm_db_close(&db);
        return 2;
    }
    if (backoff && atol(backoff) > 0)
        rpc.backoff_ms = atol(backoff);
    redis = mm_redis_from_env(err, sizeof(err));
    if (redis == NULL) {
        fprintf(stderr, "payouts run: redis: %s\n", err);
    } else if (mm_ledger_run(&db, redis, &rpc, signer, key, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "payouts run: database: %s\n", err);
    } else {
        printf("{\"paid\":%d,\"failed\":%d,\"pending\":%d,\"skipped\":%d}\n",
               st.paid, st.failed, st.pending, st.skipped);
        rc = 0;
    }
    redisFree(redis);
    mm_near_rpc_free(&rpc);
    mm_db_close(&db);
    return rc;
}

int mm_ledger_cli(int argc, char **argv) {
    if (sodium_init() < 0)
        return 1;
    if (argc == 5 && strcmp(argv[0], "add") == 0)
        return add(argv + 1);
    if (argc == 1 && strcmp(argv[0], "run") == 0)
        return run_once();
    fprintf(stderr, "usage: mm-worker payouts add PURPOSE RECIPIENT NEAR|TOKEN AMOUNT\n"
                    "       mm-worker payouts run\n");
    return 2;
}

int mm_deposit_cli(int argc, char **argv) {
    const char *bot = getenv("NEAR_WALLET_ADDRESS"), *age = getenv("DEPOSIT_MAX_AGE_S");
    mm_deposit d;
    mm_deposit_rc rc = MM_DEPOSIT_PENDING;
    redisContext *redis;
    mm_near_rpc rpc;
    mm_db db = { NULL };
    char amount[48] = "", reason[512] = "", err[300], *end;

    if (argc != 6 || strcmp(argv[0], "verify") != 0) {
        fprintf(stderr, "usage: mm-worker deposits verify TELEGRAM_USER_ID TX_HASH SIGNER "
                        "NEAR|TOKEN MIN_AMOUNT\n");
        return 2;
    }
    d.telegram_user_id = strtoll(argv[1], &end, 10);
    d.tx_hash = argv[2];
    d.signer = argv[3];
    d.token = argv[4];
    d.min_amount = argv[5];
    d.bot = bot;
    d.max_age_s = age && atol(age) > 0 ? atol(age) : 86400;
    if (*end != '\0' || d.telegram_user_id <= 0 || bot == NULL) {
        fprintf(stderr, "deposits verify: a positive user id and NEAR_WALLET_ADDRESS are needed\n");
        return 2;
    }
    if (connect_db(&db))
        return 2;
    if (mm_near_rpc_init(&rpc, getenv("NEAR_RPC_ENDPOINT"), getenv("NEAR_RPC_FALLBACKS"),
                         getenv("FASTNEAR_API_KEY"), reason, sizeof(reason))) {
        fprintf(stderr, "deposits verify: %s\n", reason);
        mm_db_close(&db);
        return 2;
    }
    redis = mm_redis_from_env(err, sizeof(err));
    if (redis == NULL)
        snprintf(reason, sizeof(reason), "redis: %s", err);
    else
        rc = mm_deposit_verify(&db, redis, &rpc, &d, amount, reason, sizeof(reason));
    printf("{\"result\":\"%s\",\"amount\":\"%s\",\"reason\":", mm_deposit_name(rc), amount);
    json_t *why = json_string(reason);
    json_dumpf(why, stdout, JSON_ENCODE_ANY);
    json_decref(why);
    printf("}\n");
    redisFree(redis);
    mm_near_rpc_free(&rpc);
    mm_db_close(&db);
    return rc == MM_DEPOSIT_OK ? 0 : rc == MM_DEPOSIT_PENDING ? 4 : 1;
}
