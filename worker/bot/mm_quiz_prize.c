/*
 * A paid quiz's money, around the payout ledger (chain/mm_ledger.h):
 *
 *   ✅ Create --> funding: a "fund" chain job checks the creator's wallet
 *      |          (too little: refused, nothing recorded) and pays one
 *      |          ledger row, pool + fee, wallet -> operator
 *      +-- the row paid ---------> announced (bot/mm_quiz.c)
 *      +-- the row failed -------> a draft again: the creator is told why
 *      +-- an hour, never signed -> cancelled (the row can no longer be signed)
 *
 *   the end --> one row per prize rank to each eligible winner's wallet
 *               (a right answer, not flagged, not the creator, still in the
 *               group when members only), one refund row to the creator
 *               for what no one took; all in the ranking's transaction.
 *               Each row's end comes back as a payout_done timer: the
 *               winner is told, the group's ranking edited, and the quiz
 *               closed once every row is final.
 *
 * Nothing a player sends can make a payout: rows are written only here,
 * guarded by the quiz's state.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/mm_quiz.h"
#include "chain/mm_chain_config.h"
#include "chain/mm_chain_jobs.h"
#include "mm_buf.h"
#include "mm_member.h"
#include "mm_utf8.h"
#include "sched/mm_queue.h"
#include "sched/mm_timers.h"
#include "telegram/mm_html.h"
#include "telegram/mm_tg.h"

#define MM_MEMBER_TIMEOUT_MS 5000

static const char *mm_explorer(const mm_turn *t) {
    return !strcmp(t->ctx->cfg.chain.network, "mainnet") ? "https://nearblocks.io"
                                                         : "https://testnet.nearblocks.io";
}

/* "1.5 NEAR" of units in q's token */
void mm_quiz_units_html(const mm_quiz *q, const char *units, mm_buf *b) {
    char shown[64];

    mm_amount_format(units, q->prize_decimals, shown);
    mm_buf_adds(b, shown);
    mm_buf_adds(b, " ");
    mm_html_add(b, q->prize_symbol);
}

int mm_quiz_fund(mm_turn *t, long long quiz, int64_t by) {
    json_t *payload = json_pack("{s:I}", "quiz", (json_int_t) quiz);
    char dedupe[48];
    mm_params p;
    PGresult *res;
    int rc;

    mm_params_init(&p, MM_SQL_QUIZ_FUND_START);
    mm_param_ll(&p, quiz);
    mm_param_str(&p, MM_TIMER_QUIZ_FUND_END);
    mm_param_ll(&p, t->u->chat_id);
    if ((rc = mm_db_one(t->db, &p, &res)) <= 0) {
        json_decref(payload);
        return rc < 0 ? mm_fail(t, "funding") : 0;
    }
    PQclear(res);
    snprintf(dedupe, sizeof(dedupe), "fund:%lld", quiz);
    rc = mm_queue_add(t->db, MM_JOB_FUND, by, t->u->chat_id, payload, dedupe, 0, NULL);
    json_decref(payload);
    return rc < 0 ? mm_fail(t, "fund job") : 1;
}

/* What the creator is told, and the quiz's next state, once funding has an
 * outcome: live (announced), or a draft again (why).  For a quiz made by
 * the CLI (its chat is the group) a failure cancels it. */
static int mm_fund_outcome(mm_turn *t, long long quiz, int64_t creator, int live,
                           const char *why) {
    mm_params p;
    PGresult *res;
    mm_buf b;
    int rc;

    if (live) {
        if ((rc = mm_quiz_announce(t, quiz, creator)) <= 0)
            return rc;
        return t->u->chat_id > 0 ? mm_wizard_funded(t, creator, quiz, 1, "✅ Your quiz is live.")
                                 : 0;
    }
    if (t->u->chat_id < 0) {
        /* `mm-worker quiz create` asked in the group: cancelled, with why */
        mm_params_init(&p, MM_SQL_QUIZ_CANCEL);
        mm_param_ll(&p, quiz);
        mm_param_str(&p, why);
        if ((rc = mm_db_one(t->db, &p, &res)) < 0)
            return mm_fail(t, "funding");
        if (rc)
            PQclear(res);
        return 0;
    }
    mm_params_init(&p, MM_SQL_QUIZ_UNFUND);
    mm_param_ll(&p, quiz);
    mm_param_str(&p, MM_TIMER_QUIZ_FUND_END);
    if (mm_db_do(t->db, &p))
        return mm_fail(t, "funding");
    mm_buf_init(&b);
    mm_buf_adds(&b, "😕 The prize pool could not be moved: ");
    mm_html_add(&b, why);
    mm_buf_adds(&b, ". Nothing was announced. Change the amount, or top up your wallet (/wallet) "
                    "and try again.");
    rc = b.oom ? mm_fail(t, "funding") : mm_wizard_funded(t, creator, quiz, 0, b.data);
    mm_buf_free(&b);
    return rc;
}

/* The funding row's state decides: paid, failed, or not final yet.  With
 * no row, job_error (a fund job that failed before recording one) is the
 * outcome; a row recorded by a job that failed later is still paid by the
 * chain thread's sweep, so the quiz waits for it (undoing the funding then
 * would take the pool with nothing to give back). */
static int mm_fund_settle(mm_turn *t, long long quiz, const char *job_error) {
    char state[16], why[300];
    mm_params p;
    PGresult *res;
    int64_t creator;
    long long payout;
    int rc;

    mm_params_init(&p, MM_SQL_QUIZ_FUNDING);
    mm_param_ll(&p, quiz);
    if ((rc = mm_db_one(t->db, &p, &res)) <= 0)
        return rc < 0 ? mm_fail(t, "funding") : 0;
    rc = !strcmp(mm_col_str(res, 0, MM_FUNDING_STATUS), "funding");
    mm_utf8_copy(state, sizeof(state), mm_col_str(res, 0, MM_FUNDING_STATE));
    mm_utf8_copy(why, sizeof(why), mm_col_str(res, 0, MM_FUNDING_ERROR));
    creator = mm_col_ll(res, 0, MM_FUNDING_CREATOR);
    payout = mm_col_ll(res, 0, MM_FUNDING_PAYOUT);
    PQclear(res);
    if (!rc)
        return 0;       /* announced, or cancelled, already */
    if (payout == 0)
        return job_error ? mm_fund_outcome(t, quiz, creator, 0, job_error) : 0;
    if (!strcmp(state, "paid"))
        return mm_fund_outcome(t, quiz, creator, 1, NULL);
    if (!strcmp(state, "failed"))
        return mm_fund_outcome(t, quiz, creator, 0, why[0] ? why : "the network refused it");
    return 0;           /* on its way: its payout_done comes later */
}

/* The fund job ended (quiz_fund timer in the chat that asked). */
int mm_quiz_funded(mm_turn *t) {
    long long job = json_integer_value(json_object_get(t->u->timer, "job")), quiz;
    char why[300] = "";
    json_t *payload, *result;
    PGresult *res;
    int64_t creator;
    int rc, done;

    if ((rc = mm_queue_announce(t->db, job, t->u->chat_id, MM_JOB_FUND, &res)) <= 0)
        return rc < 0 ? mm_fail(t, "fund job") : 0;
    done = !strcmp(mm_col_str(res, 0, MM_JOBGET_STATE), "done");
    creator = mm_col_ll(res, 0, MM_JOBGET_USER);
    payload = json_loads(mm_col_str(res, 0, MM_JOBGET_PAYLOAD), 0, NULL);
    result = json_loads(mm_col_str(res, 0, MM_JOBGET_RESULT), 0, NULL);
    quiz = mm_member_ll(payload, "quiz");
    mm_utf8_copy(why, sizeof(why), done ? mm_member_str(result, "refused")
                                        : mm_col_str(res, 0, MM_JOBGET_ERROR));
    PQclear(res);
    json_decref(payload);
    json_decref(result);
    if (done && why[0])
        return mm_fund_outcome(t, quiz, creator, 0, why);    /* refused: nothing recorded */
    return mm_fund_settle(t, quiz, done ? NULL : why[0] ? why : "the job did not finish");
}

/* An hour of funding is over: a row never signed is failed and the quiz
 * cancelled; a row the network may still take keeps it waiting. */
int mm_quiz_fund_expired(mm_turn *t) {
    long long quiz = json_integer_value(json_object_get(t->u->timer, "quiz"));
    mm_params p;
    PGresult *res;
    int rc;

    if ((rc = mm_fund_settle(t, quiz, NULL)) < 0)
        return -1;
    mm_params_init(&p, MM_SQL_QUIZ_FUND_EXPIRE);
    mm_param_ll(&p, quiz);
    if ((rc = mm_db_one(t->db, &p, &res)) <= 0)
        return rc < 0 ? mm_fail(t, "funding") : 0;
    PQclear(res);
    return mm_reply_html(t, "⌛ The quiz's prize pool did not arrive within an hour: the quiz is "
                            "cancelled and nothing was taken from your wallet.",
                         NULL) < 0 ? -1 : 0;
}

int mm_quiz_cancel(mm_turn *t, long long quiz, const char *why) {
    char state[16];
    mm_params p;
    PGresult *res;
    int rc, paid;

    /* a pool on its way cannot be called back; never signed, it never
     * will be; once in, it goes back */
    mm_params_init(&p, MM_SQL_QUIZ_FUND_DROP);
    mm_param_ll(&p, quiz);
    if ((rc = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "quiz");
    state[0] = '\0';
    if (rc) {
        mm_utf8_copy(state, sizeof(state), mm_col_str(res, 0, 0));
        PQclear(res);
    }
    if (!strcmp(state, "signed"))
        return mm_reply_html(t, "The prize pool is on its way from the wallet: cancel once it "
                                "has arrived (it is then sent back).", NULL) < 0 ? -1 : 0;
    paid = !strcmp(state, "paid");
    if (paid) {
        mm_params_init(&p, MM_SQL_QUIZ_REFUND_ALL);
        mm_param_ll(&p, quiz);
        mm_param_str(&p, t->ctx->cfg.chain.master);
        if (mm_db_do(t->db, &p))
            return mm_fail(t, "refund");
    }
    mm_params_init(&p, MM_SQL_QUIZ_CANCEL);
    mm_param_ll(&p, quiz);
    mm_param_str(&p, why);
    if ((rc = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "quiz");
    if (rc)
        PQclear(res);
    return 1;
}

/* --- the end --- */

/* Players of a members-only quiz who left its group, in the ranking's
 * order, until enough eligible ones are found: into ids ("{1,2}"). */
static int mm_prize_leavers(mm_turn *t, const mm_quiz *q, int ranks, mm_buf *ids) {
    mm_params p;
    PGresult *res;
    mm_tg tg;
    int found = 0, rc = 0;

    mm_buf_adds(ids, "{");
    if (!q->members_only) {
        mm_buf_adds(ids, "}");
        return 0;
    }
    mm_params_init(&p, MM_SQL_QUIZ_RESULTS);
    mm_param_ll(&p, q->id);
    mm_param_int(&p, 1000);
    if ((res = mm_db_query(t->db, &p)) == NULL)
        return mm_fail(t, "ranking");
    if (mm_tg_init(&tg, t->ctx)) {
        PQclear(res);
        snprintf(t->err, sizeof(t->err), "out of memory asking Telegram");
        return -1;
    }
    for (int i = 0; i < PQntuples(res) && found < ranks && rc == 0; i++) {
        int64_t user = mm_col_ll(res, i, MM_RESULT_USER);
        json_t *params;
        mm_tg_result r;
        const char *status;

        if (mm_col_int(res, i, MM_RESULT_RANK) == 0 || mm_col_bool(res, i, MM_RESULT_FLAGGED)
            || user == q->creator)
            continue;
        params = json_pack("{s:I, s:I}", "chat_id", (json_int_t) q->chat, "user_id",
                           (json_int_t) user);
        memset(&r, 0, sizeof(r));
        if (mm_tg_call_retry(&tg, "getChatMember", params, MM_MEMBER_TIMEOUT_MS, 2, &r)
            && mm_tg_retryable(&r)) {
            /* not known now: the end is tried again later (the turn rolls back) */
            snprintf(t->err, sizeof(t->err), "getChatMember: %.300s", r.description);
            rc = -1;
        } else {
            status = json_string_value(json_object_get(r.result, "status"));
            if (r.ok && status && strcmp(status, "left") && strcmp(status, "kicked"))
                found++;
            else
                mm_buf_printf(ids, "%s%lld", ids->len > 1 ? "," : "", (long long) user);
        }
        json_decref(params);
        mm_tg_result_free(&r);
    }
    mm_tg_free(&tg);
    PQclear(res);
    mm_buf_adds(ids, "}");
    return rc;
}

int mm_quiz_prizes(mm_turn *t, const mm_quiz *q) {
    json_t *split = json_loads(q->prize_split, 0, NULL);
    int ranks = (int) json_array_size(split);
    mm_params p;
    PGresult *res;
    mm_buf out;
    int rc;

    json_decref(split);
    mm_buf_init(&out);
    if (mm_prize_leavers(t, q, ranks, &out) || out.oom) {
        mm_buf_free(&out);
        return t->err[0] ? -1 : mm_fail(t, "prizes");
    }
    mm_params_init(&p, MM_SQL_QUIZ_PRIZES);
    mm_param_ll(&p, q->id);
    mm_param_str(&p, out.data);
    mm_param_str(&p, t->ctx->cfg.chain.master);
    rc = mm_db_do(t->db, &p);
    mm_buf_free(&out);
    if (rc)
        return mm_fail(t, "prizes");
    /* winners without a wallet get one: their prize waits for it */
    mm_params_init(&p, MM_SQL_QUIZ_WALLETLESS);
    mm_param_ll(&p, q->id);
    if ((res = mm_db_query(t->db, &p)) == NULL)
        return mm_fail(t, "winners");
    for (int i = 0; i < PQntuples(res); i++) {
        long long user = mm_col_ll(res, i, 0);
        char dedupe[32];
        snprintf(dedupe, sizeof(dedupe), "user:%lld", user);
        if (mm_queue_add(t->db, MM_JOB_WALLET, user, user, NULL, dedupe, 0, NULL) < 0) {
            PQclear(res);
            return mm_fail(t, "wallet job");
        }
    }
    PQclear(res);
    return 0;
}

/* The prize lines under the group's ranking: each winner's amount and
 * whether it was paid (✅), is on its way (⏳) or failed (⚠️). */
int mm_quiz_prize_lines(mm_turn *t, const mm_quiz *q, mm_buf *b) {
    mm_params p;
    PGresult *res;

    mm_params_init(&p, MM_SQL_QUIZ_PAYOUTS);
    mm_param_ll(&p, q->id);
    if ((res = mm_db_query(t->db, &p)) == NULL)
        return mm_fail(t, "prizes");
    if (PQntuples(res))
        mm_buf_adds(b, "\n💰 <b>Prizes</b>\n");
    for (int i = 0; i < PQntuples(res); i++) {
        const char *state = mm_col_str(res, i, MM_PRIZE_STATE), *name;
        const char *mark = !strcmp(state, "paid") ? "✅" : !strcmp(state, "failed") ? "⚠️" : "⏳";
        if (mm_col_bool(res, i, MM_PRIZE_REFUND)) {
            mm_buf_adds(b, "↩️ back to the creator: ");
        } else {
            name = mm_col_str(res, i, MM_PRIZE_NAME);
            mm_buf_printf(b, "#%d ", mm_col_int(res, i, MM_PRIZE_RANK));
            mm_html_add(b, *name ? name : "player");
            mm_buf_adds(b, ": ");
        }
        mm_quiz_units_html(q, mm_col_str(res, i, MM_PRIZE_AMOUNT), b);
        mm_buf_printf(b, " %s\n", mark);
    }
    PQclear(res);
    return 0;
}

/* A prize or refund row is final: its winner (or the creator) told, the
 * group's ranking edited, the quiz closed when no row is left. */
static int mm_prize_done(mm_turn *t, long long quiz, const PGresult *row) {
    const char *state = mm_col_str(row, 0, MM_PURPOSE_STATE);
    const char *hash = mm_col_str(row, 0, MM_PURPOSE_HASH);
    int64_t user = mm_col_ll(row, 0, MM_PURPOSE_USER);
    int refund = strstr(mm_col_str(row, 0, MM_PURPOSE_TEXT), ":refund") != NULL;
    mm_params p;
    PGresult *res;
    mm_quiz q;
    mm_buf b;
    int rc;

    if ((rc = mm_quiz_load(t, quiz, 1, &q)) <= 0)
        return rc;
    mm_buf_init(&b);
    if (!strcmp(state, "paid")) {
        mm_buf_adds(&b, refund ? "↩️ " : "🏆 You won ");
        mm_quiz_units_html(&q, mm_col_str(row, 0, MM_PURPOSE_AMOUNT), &b);
        mm_buf_adds(&b, refund ? " went back to your wallet from “" : " in “");
        mm_html_add(&b, q.topic);
        mm_buf_printf(&b, "”%s <a href=\"%s/txns/%s\">View the transaction</a>",
                      !refund                          ? "! It's in your wallet (/wallet)."
                      : !strcmp(q.status, "cancelled") ? ": the quiz was cancelled."
                                                       : ": no one eligible took all its prizes.",
                      mm_explorer(t), hash);
    } else {
        mm_buf_adds(&b, "⚠️ ");
        mm_quiz_units_html(&q, mm_col_str(row, 0, MM_PURPOSE_AMOUNT), &b);
        mm_buf_adds(&b, refund ? " could not be sent back to your wallet from “"
                               : " — your prize in “");
        mm_html_add(&b, q.topic);
        mm_buf_adds(&b, "” — could not be sent yet: ");
        mm_html_add(&b, mm_col_str(row, 0, MM_PURPOSE_ERROR));
        mm_buf_adds(&b, ". The operator sees it and sends it again.");
    }
    rc = b.oom ? mm_fail(t, "prize") : user ? (mm_reply_html_to(t, user, b.data, NULL) < 0 ? -1 : 0)
                                            : 0;
    mm_buf_free(&b);
    if (rc == 0 && q.results_message)
        rc = mm_quiz_results_edit(t, &q);
    if (rc)
        return rc;
    mm_params_init(&p, MM_SQL_QUIZ_SETTLED);
    mm_param_ll(&p, quiz);
    if ((rc = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "quiz");
    if (rc) {
        PQclear(res);
        mm_logf(&t->ctx->log, MM_LOG_INFO, "bot", &(mm_log_ids) { q.chat, q.creator, -1 },
                "quiz %lld closed: every prize settled", quiz);
    }
    return 0;
}

int mm_quiz_payout_done(mm_turn *t) {
    long long payout = json_integer_value(json_object_get(t->u->timer, "payout")), quiz;
    char purpose[160];
    mm_params p;
    PGresult *res;
    int rc;

    mm_params_init(&p, MM_SQL_PAYOUT_PURPOSE);
    mm_param_ll(&p, payout);
    if ((rc = mm_db_one(t->db, &p, &res)) <= 0)
        return rc < 0 ? mm_fail(t, "payout") : 0;
    mm_utf8_copy(purpose, sizeof(purpose), mm_col_str(res, 0, MM_PURPOSE_TEXT));
    if (sscanf(purpose, "quiz:%lld:", &quiz) != 1) {
        PQclear(res);
        return 0;       /* not a quiz's */
    }
    rc = strstr(purpose, ":fund:") ? mm_fund_settle(t, quiz, NULL) : mm_prize_done(t, quiz, res);
    PQclear(res);
    return rc;
}
