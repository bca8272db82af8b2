/*
 * A paid quiz's funding, a "fund" job on the chain thread: the pool and
 * the fee move from the creator's bot wallet to the operator as one
 * payout row, signed with the creator's key (as a withdrawal is).  The
 * wallet's balance is read first: too little, and the job's result says so
 * with nothing recorded.  A job run again after its holder died finds the
 * row and only settles it; a job that fails once the row is recorded
 * leaves it to the sweep (mm_chain_sweep), which pays it like any other.
 * The row's end is told by the ledger (its payout_done timer), the job's
 * by a quiz_fund timer.
 */

#include <stdio.h>
#include <string.h>

#include "chain/mm_chain_config.h"
#include "chain/mm_chain_jobs.h"
#include "chain/mm_near_view.h"
#include "mm_member.h"
#include "store/mm_db.h"

/* left in the wallet: its storage, and gas (a token transfer's deposit too) */
#define MM_FUND_RESERVE "3000000000000000000000"       /* 0.003 NEAR */

static unsigned __int128 mm_units(const char *s) {
    unsigned __int128 v = 0;

    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (unsigned) (*s - '0');
    return v;
}

/* "has 0.5 NEAR, needs 1.01 NEAR": 0 enough, 1 short (why), -1 the chain
 * did not answer (err). */
static int mm_fund_short(mm_chain *c, const char *account, const PGresult *q, char *why,
                         size_t whylen, char *err, size_t errlen) {
    const char *token = mm_col_str(q, 0, MM_FUNDING_TOKEN);
    unsigned __int128 need = mm_units(mm_col_str(q, 0, MM_FUNDING_AMOUNT)), near, has;
    unsigned __int128 reserve = mm_units(MM_FUND_RESERVE);
    char has_s[48], need_s[48], a[64], b[64];
    int native = !strcmp(token, "NEAR");
    mm_rpc_error e;
    mm_view_rc rc;

    memset(&e, 0, sizeof(e));
    rc = mm_near_balance(&c->rpc, account, &near, &e);
    if (rc == MM_VIEW_OK && !native)
        rc = mm_near_ft_balance(&c->rpc, token, account, &has, &e);
    else
        has = near;
    json_decref(e.error);
    if (rc == MM_VIEW_ERROR) {
        snprintf(err, errlen, "reading %s's balance: %s", account, e.message);
        return -1;
    }
    if (rc == MM_VIEW_MISSING)
        has = near = 0;
    if (native ? has >= need + reserve : has >= need && near >= reserve)
        return 0;
    mm_near_u128_text(has, has_s);
    mm_near_u128_text(need, need_s);
    mm_amount_format(has_s, mm_col_int(q, 0, MM_FUNDING_DECIMALS), a);
    mm_amount_format(need_s, mm_col_int(q, 0, MM_FUNDING_DECIMALS), b);
    if (native || has < need)
        snprintf(why, whylen, "your wallet has %s %s, and this prize needs %s %s with the fee%s",
                 a, mm_col_str(q, 0, MM_FUNDING_SYMBOL), b, mm_col_str(q, 0, MM_FUNDING_SYMBOL),
                 native ? " (and 0.003 NEAR left for the network)" : "");
    else
        snprintf(why, whylen, "your wallet needs 0.003 NEAR for the network's fees");
    return 1;
}

json_t *mm_chain_fund_job(void *runner, mm_job *job, char *err, size_t errlen) {
    mm_chain *c = runner;
    long long quiz = mm_member_ll(job->payload, "quiz"), payout;
    char why[300] = "", state[16];
    mm_near_wallet w;
    mm_params p;
    PGresult *q;
    int created = 0, gone = 0, rc;

    mm_params_init(&p, MM_SQL_QUIZ_FUNDING);
    mm_param_ll(&p, quiz);
    if ((rc = mm_db_one(&c->loop.db, &p, &q)) <= 0)
        return rc < 0 ? (snprintf(err, errlen, "database: %.200s", c->loop.db.err), NULL)
                      : json_pack("{s:s}", "state", "gone");
    if (strcmp(mm_col_str(q, 0, MM_FUNDING_STATUS), "funding")) {
        PQclear(q);
        return json_pack("{s:s}", "state", "gone");    /* cancelled meanwhile */
    }
    payout = mm_col_ll(q, 0, MM_FUNDING_PAYOUT);
    rc = 0;
    if (payout == 0) {
        /* the first run: the wallet, its balance, then the row */
        if (mm_chain_wallet_ensure(c, job->user_id, &w, &created, err, errlen)) {
            PQclear(q);
            return NULL;
        }
        rc = mm_fund_short(c, w.account_id, q, why, sizeof(why), err, errlen);
        if (rc == 0) {
            PGresult *res;
            mm_params_init(&p, MM_SQL_QUIZ_FUND_PAYOUT);
            mm_param_ll(&p, quiz);
            mm_param_str(&p, c->cfg->master);
            mm_param_str(&p, w.account_id);
            mm_param_ll(&p, job->chat_id);
            if ((rc = mm_db_one(&c->loop.db, &p, &res)) == 1) {
                payout = mm_col_ll(res, 0, 0);
                PQclear(res);
                rc = 0;
            } else if (rc == 0) {
                gone = 1;               /* cancelled while the balance was read */
            } else {
                snprintf(err, errlen, "database: %.200s", c->loop.db.err);
            }
        }
        mm_near_wallet_free(&w);
    }
    PQclear(q);
    if (rc < 0)
        return NULL;
    if (gone)
        return json_pack("{s:s}", "state", "gone");
    if (rc > 0)
        return json_pack("{s:s}", "refused", why);
    if (mm_chain_pay(c, payout, err, errlen))
        return NULL;
    mm_params_init(&p, MM_SQL_PAYOUT_GET);
    mm_param_ll(&p, payout);
    if (mm_db_one(&c->loop.db, &p, &q) != 1)
        return snprintf(err, errlen, "database: %.200s", c->loop.db.err), NULL;
    snprintf(state, sizeof(state), "%s", mm_col_str(q, 0, MM_PAYOUT_STATE));
    PQclear(q);
    return json_pack("{s:I, s:s}", "payout", (json_int_t) payout, "state", state);
}
