#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "chain/mm_base58.h"
#include "chain/mm_chain_jobs.h"
#include "chain/mm_keystore.h"
#include "chain/mm_ledger.h"
#include "chain/mm_near_cache.h"
#include "chain/mm_near_wallet.h"
#include "log/mm_metrics.h"
#include "mm_ctx.h"
#include "sched/mm_queue.h"
#include "sched/mm_timers.h"
#include "store/mm_db.h"
#include "store/mm_redis.h"

#define MM_CHAIN_IDLE_MS    200
#define MM_CHAIN_ATTEMPTS   3

/* Redis made usable for signing: a connection from before a Redis restart
 * fails only at its first command, and the signer's lease must not be
 * taken through it, so it is tried (PING) and made again (the loop's
 * mm_redis_ensure) when broken.  0, or -1 with why. */
static int mm_chain_redis(mm_chain *c, char *err, size_t errlen) {
    int rc;

    for (int tries = 0; tries < 2; tries++) {
        redisReply *r = c->loop.redis ? redisCommand(c->loop.redis, "PING") : NULL;
        int ok = r && r->type == REDIS_REPLY_STATUS;

        if (r && !ok)
            snprintf(err, errlen, "redis: %.200s", r->type == REDIS_REPLY_ERROR ? r->str : "?");
        freeReplyObject(r);
        if (ok)
            return 0;
        if (r)
            return -1;          /* an answer (LOADING): the connection is fine */
        rc = mm_redis_ensure(c->loop.ctx, &c->loop.redis, "chain");
        c->rpc.metrics = c->loop.redis;         /* the old one is freed */
        if (rc < 0)
            return snprintf(err, errlen, "redis is unreachable"), -1;
    }
    return snprintf(err, errlen, "redis: %.200s", c->loop.redis->errstr), -1;
}

int mm_chain_wallet_ensure(mm_chain *c, long long user, mm_near_wallet *w, int *created,
                           char *err, size_t errlen) {
    mm_params get, p;
    PGresult *res;
    mm_send_rc rc;
    int active, found;

    memset(w, 0, sizeof(*w));
    mm_params_init(&get, MM_SQL_WALLET_GET);
    mm_param_ll(&get, user);
    if ((found = mm_db_one(&c->loop.db, &get, &res)) < 0)
        return snprintf(err, errlen, "database: %.200s", c->loop.db.err), -1;
    if (found == 0) {
        /* a new key, sealed and committed before anything is sent */
        mm_near_wallet fresh;
        int stored;
        if (mm_near_wallet_key(c->cfg->master, c->cfg->seal_key, user, &fresh, err, errlen))
            return -1;
        mm_params_init(&p, MM_SQL_WALLET_ADD);
        mm_param_ll(&p, user);
        mm_param_str(&p, fresh.account_id);
        mm_param_str(&p, fresh.public_key);
        mm_param_str(&p, fresh.sealed);
        stored = mm_db_do(&c->loop.db, &p);
        mm_near_wallet_free(&fresh);
        if (stored)
            return snprintf(err, errlen, "database: %.200s", c->loop.db.err), -1;
        /* whoever inserted first, the stored key is the one */
        if (mm_db_one(&c->loop.db, &get, &res) != 1)
            return snprintf(err, errlen, "database: %.200s", c->loop.db.err), -1;
    }
    active = !strcmp(mm_col_str(res, 0, MM_WALLET_STATE), "active");
    snprintf(w->account_id, sizeof(w->account_id), "%s", mm_col_str(res, 0, MM_WALLET_ACCOUNT));
    snprintf(w->public_key, sizeof(w->public_key), "%s",
             mm_col_str(res, 0, MM_WALLET_PUBLIC_KEY));
    PQclear(res);
    if (active)
        return 0;

    /* created by an attempt that died before recording it? */
    if (mm_near_wallet_on_chain(&c->rpc, w, 1)) {
        rc = MM_SEND_SUCCESS;
    } else {
        rc = mm_near_wallet_send(c->loop.redis, &c->rpc, c->cfg->master, c->cfg->master_key, w,
                                 c->cfg->initial_balance, err, errlen);
        *created = rc == MM_SEND_SUCCESS;
    }
    if (rc != MM_SEND_SUCCESS)
        return -1;
    mm_params_init(&p, MM_SQL_WALLET_ACTIVE);
    mm_param_ll(&p, user);
    mm_param_str(&p, w->hash[0] ? w->hash : NULL);
    if (mm_db_do(&c->loop.db, &p))
        return snprintf(err, errlen, "database: %.200s", c->loop.db.err), -1;
    mm_log_info(&c->loop.ctx->log, "chain", "wallet %s of user %lld is active%s", w->account_id,
                user, *created ? " (created)" : "");
    return 0;
}

/* Opens the wallet and reads its balances (NEAR and NEAR_TOKENS, cached). */
static json_t *mm_chain_wallet(mm_chain *c, long long user, char *err, size_t errlen) {
    mm_near_wallet w;
    json_t *balances, *result;
    int created = 0;

    if (mm_chain_redis(c, err, errlen)
        || mm_chain_wallet_ensure(c, user, &w, &created, err, errlen))
        return NULL;
    balances = json_array();
    for (int i = 0; i < c->cfg->ntokens; i++) {
        const mm_token *t = &c->cfg->tokens[i];
        mm_rpc_error err;
        char units[48];
        mm_view_rc rc;

        memset(&err, 0, sizeof(err));
        rc = mm_near_cached_balance(c->loop.redis, &c->rpc, w.account_id,
                                    t->contract[0] ? t->contract : NULL, units, &err);
        json_decref(err.error);
        json_array_append_new(balances, json_pack("{s:s, s:s, s:i}", "symbol", t->symbol,
                                                  "units", rc == MM_VIEW_OK ? units
                                                           : rc == MM_VIEW_MISSING ? "0" : "",
                                                  "decimals", t->decimals));
    }
    result = json_pack("{s:s, s:b, s:o}", "account_id", w.account_id, "created", created,
                       "balances", balances);
    mm_near_wallet_free(&w);
    return result;
}

int mm_chain_pay(mm_chain *c, long long payout, char *err, size_t errlen) {
    mm_ledger_stats st = { 0 };
    mm_params p;
    PGresult *res;
    uint8_t *sk;
    char *text, account[72], kerr[256] = "a key of the wrong length";
    size_t len;
    int rc;

    mm_params_init(&p, MM_SQL_WITHDRAW_KEY);
    mm_param_ll(&p, payout);
    if ((rc = mm_db_one(&c->loop.db, &p, &res)) < 0)
        return snprintf(err, errlen, "database: %.200s", c->loop.db.err), -1;
    if (rc == 0)
        return snprintf(err, errlen, "no active wallet signs payout %lld", payout), -1;
    snprintf(account, sizeof(account), "%s", mm_col_str(res, 0, MM_SIGNER_ACCOUNT));
    sk = mm_keystore_open(c->cfg->seal_key, account, mm_col_str(res, 0, MM_SIGNER_SEALED), &len,
                          kerr, sizeof(kerr));
    PQclear(res);
    if (sk == NULL || len != crypto_sign_SECRETKEYBYTES) {
        sodium_free(sk);
        mm_log_error(&c->loop.ctx->log, "chain", "the key of %s does not open: %s", account, kerr);
        return snprintf(err, errlen, "the wallet's key does not open"), -1;
    }
    /* its text form, in locked memory too, for the moment of signing */
    text = sodium_malloc(8 + 2 * crypto_sign_SECRETKEYBYTES);
    if (text == NULL) {
        sodium_free(sk);
        return snprintf(err, errlen, "out of locked memory"), -1;
    }
    memcpy(text, "ed25519:", 8);
    mm_base58_encode(sk, len, text + 8);
    sodium_free(sk);
    /* the row is idempotent (same bytes once signed): left pending by Redis
     * lost mid-way, it is paid again on a new connection, so a blip costs
     * no sweep; twice is an error, never "on its way" with nothing sent */
    rc = mm_chain_redis(c, err, errlen);
    for (int tries = 0; rc == 0; tries++) {
        memset(&st, 0, sizeof(st));
        rc = mm_ledger_pay_one(&c->loop.db, c->loop.redis, &c->rpc, payout, account, text, &st, err,
                               errlen);
        if (rc || st.pending == 0 || !c->loop.redis->err)
            break;
        rc = tries == 0 ? mm_chain_redis(c, err, errlen)
                        : (snprintf(err, errlen, "redis: %.200s", c->loop.redis->errstr), -1);
    }
    sodium_free(text);
    return rc;
}

static json_t *mm_chain_withdraw(mm_chain *c, json_t *payload, char *err, size_t errlen) {
    long long payout = json_integer_value(json_object_get(payload, "payout"));
    mm_params p;
    PGresult *res;
    json_t *result;

    if (mm_chain_pay(c, payout, err, errlen))
        return NULL;
    mm_params_init(&p, MM_SQL_PAYOUT_GET);
    mm_param_ll(&p, payout);
    if (mm_db_one(&c->loop.db, &p, &res) != 1)
        return snprintf(err, errlen, "database: %.200s", c->loop.db.err), NULL;
    result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
                       "state", mm_col_str(res, 0, MM_PAYOUT_STATE),
                       "tx_hash", mm_col_str(res, 0, MM_PAYOUT_HASH),
                       "error", mm_col_str(res, 0, MM_PAYOUT_ERROR),
                       "recipient", mm_col_str(res, 0, MM_PAYOUT_RECIPIENT),
                       "token", mm_col_str(res, 0, MM_PAYOUT_TOKEN),
                       "units", mm_col_str(res, 0, MM_PAYOUT_AMOUNT));
    PQclear(res);
    return result;
}

/* A "wallet" job: the player's wallet, opened (created first if needed). */
static json_t *mm_chain_wallet_job(void *runner, mm_job *job, char *err, size_t errlen) {
    return mm_chain_wallet(runner, job->user_id, err, errlen);
}

/* A "withdraw" job: the payout of a confirmed withdrawal. */
static json_t *mm_chain_withdraw_job(void *runner, mm_job *job, char *err, size_t errlen) {
    return mm_chain_withdraw(runner, job->payload, err, errlen);
}

static const mm_queue_kind mm_chain_kinds[] = {
    { MM_JOB_WALLET, mm_chain_wallet_job, MM_CHAIN_ATTEMPTS, MM_TIMER_CHAIN_DONE },
    { MM_JOB_WITHDRAW, mm_chain_withdraw_job, MM_CHAIN_ATTEMPTS, MM_TIMER_CHAIN_DONE },
    { MM_JOB_FUND, mm_chain_fund_job, MM_CHAIN_ATTEMPTS, MM_TIMER_QUIZ_FUNDED },
};

/* Wallets a crash or the network left creating (the job failed on "not
 * final yet", say): the chain is asked whether the account exists, and it
 * is created if not; and winners with no wallet at all (their wallet job
 * failed before storing a key: Redis down, say) get one.  A winner's prize
 * waits for this (MM_SQL_UNPAID_WHERE). */
static void mm_chain_sweep_wallets(mm_chain *c) {
    char why[300];
    mm_params p;
    PGresult *res;

    mm_params_init(&p, MM_SQL_WALLETS_STALLED);
    mm_param_int(&p, c->loop.ctx->cfg.wallet_stalled_s);
    if ((res = mm_db_query(&c->loop.db, &p)) == NULL) {
        mm_log_warn(&c->loop.ctx->log, "chain", "stalled wallets: %s", c->loop.db.err);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        long long user = mm_col_ll(res, i, 0);
        mm_near_wallet w;
        int created = 0;

        if (mm_chain_wallet_ensure(c, user, &w, &created, why, sizeof(why)) == 0) {
            mm_near_wallet_free(&w);
            continue;
        }
        mm_log_warn(&c->loop.ctx->log, "chain", "wallet of user %lld still not active: %s",
                    user, why);
    }
    PQclear(res);
}

/* Withdrawals a crash or the network left unfinished: the same bytes again. */
static void mm_chain_sweep(mm_chain *c) {
    char why[300];
    mm_params p;
    PGresult *res;

    mm_params_init(&p, MM_SQL_WITHDRAW_STALLED);
    if ((res = mm_db_query(&c->loop.db, &p)) == NULL) {
        mm_log_warn(&c->loop.ctx->log, "chain", "stalled withdrawals: %s", c->loop.db.err);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        long long id = mm_col_ll(res, i, 0);

        if (mm_chain_pay(c, id, why, sizeof(why)) == 0)
            continue;
        mm_log_warn(&c->loop.ctx->log, "chain", "settling payout %lld: %s", id, why);
        /* not even tried: its turn comes later, after the others' */
        mm_params_init(&p, MM_SQL_PAYOUT_NOTE);
        mm_param_ll(&p, id);
        mm_param_str(&p, why);
        if (mm_db_do(&c->loop.db, &p))
            mm_log_warn(&c->loop.ctx->log, "chain", "payout %lld: %s", id, c->loop.db.err);
    }
    PQclear(res);
}

static int mm_chain_step(mm_loop *l) {
    mm_chain *c = l->arg;
    char err[600];
    int rc;

    c->rpc.metrics = l->redis;
    rc = mm_queue_run_one(&l->db, l->owner, l->ctx->cfg.job_lease_ms, mm_chain_kinds,
                          (int) (sizeof(mm_chain_kinds) / sizeof(mm_chain_kinds[0])), c, err,
                          sizeof(err));
    if (rc < 0)
        mm_log_warn(&l->ctx->log, "chain", "%s", err);
    if (rc != 0)
        return rc;
    if (mm_mono_ms() >= c->next_sweep) {
        mm_chain_sweep(c);
        mm_chain_sweep_wallets(c);
        c->next_sweep = mm_mono_ms() + c->loop.ctx->cfg.chain_sweep_s * 1000LL;
    }
    return 0;
}

static int mm_chain_start(mm_loop *l) {
    mm_chain *c = l->arg;
    char err[300];

    if (mm_near_rpc_init(&c->rpc, c->cfg->rpc, c->cfg->fallbacks, c->cfg->api_key, err,
                         sizeof(err))) {
        mm_log_error(&l->ctx->log, "chain", "%s: wallets are off", err);
        return -1;
    }
    if (c->cfg->backoff_ms > 0)
        c->rpc.backoff_ms = c->cfg->backoff_ms;
    for (int i = 0; c->cfg->timeout_ms > 0 && i < c->rpc.n; i++)
        c->rpc.endpoint[i].timeout_ms = c->cfg->timeout_ms;
    return 0;
}

static int mm_chain_stop(mm_loop *l) {
    mm_chain *c = l->arg;

    mm_near_rpc_free(&c->rpc);
    return 0;
}

void mm_chain_init(mm_chain *c, mm_ctx *ctx) {
    memset(c, 0, sizeof(*c));
    c->cfg = &ctx->cfg.chain;
    mm_loop_init(&c->loop, ctx, "chain", MM_LOOP_REDIS | MM_LOOP_DB, mm_chain_step,
                 MM_CHAIN_IDLE_MS, c);
    c->loop.on_start = mm_chain_start;
    c->loop.on_stop = mm_chain_stop;
}
