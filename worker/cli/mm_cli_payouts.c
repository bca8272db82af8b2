/*
 * mm-worker payouts add PURPOSE RECIPIENT TOKEN AMOUNT  record a reward once
 * mm-worker payouts run                               one pass of the payer
 * mm-worker deposits verify USER TX_HASH [SIGNER] TOKEN MIN [--quiz ID]  credit a deposit once
 * From DATABASE_URL, Redis, NEAR_RPC_* and the operator's NEAR_WALLET_ADDRESS /
 * NEAR_WALLET_PRIVATE_KEY.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain/mm_deposit.h"
#include "chain/mm_ledger.h"
#include "cli/mm_cli.h"

static int mm_cli_payouts_add(mm_cli *c, char **argv) {
    long long id;
    char err[256];
    mm_db *db;

    if ((db = mm_cli_db(c)) == NULL)
        return c->code;
    if (mm_ledger_add(db, argv[0], argv[1], argv[2], argv[3], &id, err, sizeof(err))) {
        mm_cli_say(c, "%s", err);
        return MM_EXIT_FAIL;
    }
    printf("{\"id\":%lld}\n", id);
    return MM_EXIT_OK;
}

static int mm_cli_payouts_run(mm_cli *c) {
    const mm_chain_cfg *ch = &c->ctx->cfg.chain;
    mm_ledger_stats st;
    redisContext *redis;
    mm_near_rpc *rpc;
    char err[512];
    mm_db *db;

    if (ch->master == NULL || ch->master_key == NULL) {
        mm_cli_say(c, "NEAR_WALLET_ADDRESS and NEAR_WALLET_PRIVATE_KEY must be set");
        return MM_EXIT_USAGE;
    }
    if ((db = mm_cli_db(c)) == NULL || (rpc = mm_cli_rpc(c)) == NULL
        || (redis = mm_cli_redis(c)) == NULL)
        return c->code;
    if (mm_ledger_run(db, redis, rpc, ch->master, ch->master_key, &st, err, sizeof(err))) {
        mm_cli_say(c, "database: %s", err);
        return MM_EXIT_FAIL;
    }
    printf("{\"paid\":%d,\"failed\":%d,\"pending\":%d,\"skipped\":%d}\n", st.paid, st.failed,
           st.pending, st.skipped);
    return MM_EXIT_OK;
}

int mm_cli_payouts(mm_cli *c, int argc, char **argv) {
    if (argc == 5 && strcmp(argv[0], "add") == 0) {
        c->name = "payouts add";
        return mm_cli_payouts_add(c, argv + 1);
    }
    if (argc == 1 && strcmp(argv[0], "run") == 0) {
        c->name = "payouts run";
        return mm_cli_payouts_run(c);
    }
    fprintf(stderr, "usage: mm-worker payouts add PURPOSE RECIPIENT NEAR|TOKEN AMOUNT\n"
                    "       mm-worker payouts run\n");
    return MM_EXIT_USAGE;
}

int mm_cli_deposits(mm_cli *c, int argc, char **argv) {
    const mm_chain_cfg *ch = &c->ctx->cfg.chain;
    mm_deposit d;
    mm_deposit_rc rc = MM_DEPOSIT_PENDING;
    redisContext *redis;
    mm_near_rpc *rpc;
    char amount[48] = "", reason[512] = "", *end = NULL, *qend = NULL;
    char *pos[5];
    int npos = 0;
    json_t *why;
    mm_db *db;

    memset(&d, 0, sizeof(d));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quiz") == 0 && i + 1 < argc) {
            d.quiz_id = strtoll(argv[++i], &qend, 10);
            if (*qend != '\0' || d.quiz_id <= 0)
                npos = -1;
        } else if (npos >= 0 && npos < 5) {
            pos[npos++] = argv[i];
        } else {
            npos = -1;
        }
    }
    /* SIGNER, when given, only tells the chain where to look the hash up */
    if (argc < 1 || strcmp(argv[0], "verify") != 0 || npos < 4) {
        fprintf(stderr, "usage: mm-worker deposits verify TELEGRAM_USER_ID TX_HASH [SIGNER] "
                        "NEAR|TOKEN MIN_AMOUNT [--quiz QUIZ_ID]\n");
        return MM_EXIT_USAGE;
    }
    c->name = "deposits verify";
    d.telegram_user_id = strtoll(pos[0], &end, 10);
    d.tx_hash = pos[1];
    d.sender_hint = npos == 5 ? pos[2] : NULL;
    d.token = pos[npos - 2];
    d.min_amount = pos[npos - 1];
    d.bot = ch->master;
    d.max_age_s = ch->deposit_max_age_s;
    if (*end != '\0' || d.telegram_user_id <= 0 || d.bot == NULL) {
        mm_cli_say(c, "a positive user id and NEAR_WALLET_ADDRESS are needed");
        return MM_EXIT_USAGE;
    }
    if ((db = mm_cli_db(c)) == NULL || (rpc = mm_cli_rpc(c)) == NULL)
        return c->code;
    if ((redis = mm_cli_redis(c)) == NULL)
        snprintf(reason, sizeof(reason), "redis is unreachable");
    else
        rc = mm_deposit_verify(db, redis, rpc, &d, amount, reason, sizeof(reason));
    printf("{\"result\":\"%s\",\"amount\":\"%s\",", mm_deposit_name(rc), amount);
    if (d.quiz_id)
        printf("\"quiz\":%lld,", d.quiz_id);
    printf("\"reason\":");
    why = json_string(reason);
    json_dumpf(why, stdout, JSON_ENCODE_ANY);
    json_decref(why);
    printf("}\n");
    return rc == MM_DEPOSIT_OK ? MM_EXIT_OK : rc == MM_DEPOSIT_PENDING ? MM_EXIT_PENDING
                                                                       : MM_EXIT_FAIL;
}
