/*
 * mm-worker payouts add PURPOSE RECIPIENT TOKEN AMOUNT  record a reward once
 * mm-worker payouts run                               one pass of the payer
 * mm-worker payouts list [--quiz ID] [--state S]      one JSON line per payout
 * mm-worker payouts retry ID                          a failed payout that never landed, again
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
#include "chain/mm_near_send.h"
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

static int mm_cli_payouts_list(mm_cli *c, int argc, char **argv) {
    const char *quiz = NULL, *state = NULL;
    mm_params p;
    PGresult *res;
    mm_db *db;

    for (int i = 0; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--quiz") == 0)
            quiz = argv[i + 1];
        else if (strcmp(argv[i], "--state") == 0)
            state = argv[i + 1];
        else
            argc = -1;
    }
    if (argc < 0 || argc % 2 || (quiz && strspn(quiz, "0123456789") != strlen(quiz))) {
        mm_cli_say(c, "usage: payouts list [--quiz ID] [--state S]");
        return MM_EXIT_USAGE;
    }
    if ((db = mm_cli_db(c)) == NULL)
        return c->code;
    mm_params_init(&p, MM_SQL_PAYOUTS_LIST);
    mm_param_str(&p, quiz);
    mm_param_str(&p, state);
    if ((res = mm_db_query(db, &p)) == NULL) {
        mm_cli_say(c, "database: %s", db->err);
        return MM_EXIT_FAIL;
    }
    for (int i = 0; i < PQntuples(res); i++)
        puts(mm_col_str(res, i, 0));
    PQclear(res);
    return MM_EXIT_OK;
}

/* the verdict of payouts retry, one JSON line */
static int mm_cli_payouts_said(long long id, const char *what, const char *why, int code) {
    json_t *o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t) id, "result", what, "reason", why);

    json_dumpf(o, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(o);
    return code;
}

/* A failed row goes back to pending only when its transaction, if it had
 * one, is unknown to a node that answered: one that landed (even failing)
 * or may still land is never paid again by a retry. */
static int mm_cli_payouts_retry(mm_cli *c, const char *arg) {
    const mm_chain_cfg *ch = &c->ctx->cfg.chain;
    char *end, reason[512] = "", note[600];
    long long id = strtoll(arg, &end, 10);
    mm_near_rpc *rpc;
    mm_params p;
    PGresult *res;
    mm_db *db;
    int found, unknown = 1, code;

    if (*end != '\0' || id <= 0) {
        mm_cli_say(c, "the payout id must be a positive integer");
        return MM_EXIT_USAGE;
    }
    if ((db = mm_cli_db(c)) == NULL)
        return c->code;
    mm_params_init(&p, MM_SQL_PAYOUT_GET);
    mm_param_ll(&p, id);
    if ((found = mm_db_one(db, &p, &res)) < 0) {
        mm_cli_say(c, "database: %s", db->err);
        return MM_EXIT_FAIL;
    }
    if (found == 0)
        return mm_cli_payouts_said(id, "unchanged", "no such payout", MM_EXIT_FAIL);
    if (strcmp(mm_col_str(res, 0, MM_PAYOUT_STATE), "failed") != 0) {
        snprintf(note, sizeof(note), "it is %s, not failed", mm_col_str(res, 0, MM_PAYOUT_STATE));
        PQclear(res);
        return mm_cli_payouts_said(id, "unchanged", note, MM_EXIT_FAIL);
    }
    if (mm_col_str(res, 0, MM_PAYOUT_HASH)[0]) {
        mm_send_rc rc;
        if (ch->master == NULL || (rpc = mm_cli_rpc(c)) == NULL) {
            PQclear(res);
            mm_cli_say(c, "its transaction must be looked up: NEAR_WALLET_ADDRESS and "
                          "NEAR_RPC_ENDPOINT are needed");
            return c->code ? c->code : MM_EXIT_USAGE;
        }
        rc = mm_near_status(rpc, mm_col_str(res, 0, MM_PAYOUT_HASH), ch->master, &unknown, reason,
                            sizeof(reason));
        if (!unknown) {
            snprintf(note, sizeof(note), "its transaction %s %s",
                     mm_col_str(res, 0, MM_PAYOUT_HASH),
                     rc == MM_SEND_SUCCESS  ? "landed and succeeded"
                     : rc == MM_SEND_FAILED ? "landed and failed"
                                            : reason);
            PQclear(res);
            return mm_cli_payouts_said(id, "unchanged", note,
                                       rc == MM_SEND_PENDING ? MM_EXIT_PENDING : MM_EXIT_FAIL);
        }
        snprintf(note, sizeof(note), "retried: transaction %s never landed",
                 mm_col_str(res, 0, MM_PAYOUT_HASH));
    } else {
        snprintf(note, sizeof(note), "retried: it was never signed");
    }
    PQclear(res);
    mm_params_init(&p, MM_SQL_PAYOUT_REQUEUE);
    mm_param_ll(&p, id);
    mm_param_str(&p, note);
    if ((found = mm_db_one(db, &p, &res)) < 0) {
        mm_cli_say(c, "database: %s", db->err);
        return MM_EXIT_FAIL;
    }
    PQclear(res);
    code = found ? MM_EXIT_OK : MM_EXIT_FAIL;
    return mm_cli_payouts_said(id, found ? "pending" : "unchanged",
                               found ? note : "it changed meanwhile", code);
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
    if (argc >= 1 && strcmp(argv[0], "list") == 0) {
        c->name = "payouts list";
        return mm_cli_payouts_list(c, argc - 1, argv + 1);
    }
    if (argc == 2 && strcmp(argv[0], "retry") == 0) {
        c->name = "payouts retry";
        return mm_cli_payouts_retry(c, argv[1]);
    }
    fprintf(stderr, "usage: mm-worker payouts add PURPOSE RECIPIENT NEAR|TOKEN AMOUNT\n"
                    "       mm-worker payouts run\n"
                    "       mm-worker payouts list [--quiz ID] [--state S]\n"
                    "       mm-worker payouts retry ID\n");
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
