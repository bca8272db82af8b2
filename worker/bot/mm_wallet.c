/*
 * The wallet in the bot: /wallet (created on first use; account, balances,
 * a custodial notice, recent history), /withdraw <amount> <token>
 * <account> with a confirmation button bound to the request, and /history
 * with explorer links.  Anything that needs the chain is a chain job
 * (chain/mm_chain_jobs.h); its end comes back as a chain_done timer.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bot/mm_bot.h"
#include "bot/mm_callback.h"
#include "chain/mm_chain_config.h"
#include "chain/mm_chain_jobs.h"
#include "chain/mm_near_key.h"
#include "mm_buf.h"
#include "sched/mm_budget.h"
#include "sched/mm_queue.h"
#include "telegram/mm_html.h"

#define MM_WITHDRAW_DAILY   10                          /* confirmed per player a day */
#define MM_NEAR_MIN_UNITS   "1000000000000000000000"    /* 0.001 NEAR */

static const char *mm_custodial =
    "🔐 <i>A custodial wallet: the bot keeps its key, encrypted, and signs for you. Keep "
    "only what you play with here; withdraw to an account of your own with</i> "
    "<code>/withdraw &lt;amount&gt; &lt;token&gt; &lt;account&gt;</code>.";

static const char *mm_explorer(const mm_turn *t) {
    return !strcmp(t->ctx->cfg.chain.network, "mainnet") ? "https://nearblocks.io"
                                                         : "https://testnet.nearblocks.io";
}

static int mm_wallets_off(mm_turn *t) {
    return mm_reply_html(t, "Wallets are not enabled on this bot.", NULL) < 0 ? -1 : 0;
}

/* The player's wallet row: 1 active (account filled), 0 none or not yet
 * active, -1 on a database error. */
static int mm_wallet_of(mm_turn *t, char account[72]) {
    mm_params p;
    PGresult *res;
    int found, active;

    mm_params_init(&p, MM_SQL_WALLET_GET);
    mm_param_ll(&p, t->u->user_id);
    if ((found = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "wallet");
    active = found && !strcmp(mm_col_str(res, 0, MM_WALLET_STATE), "active");
    snprintf(account, 72, "%s", found ? mm_col_str(res, 0, MM_WALLET_ACCOUNT) : "");
    PQclear(res);
    return active;
}

static void mm_amount_html(mm_buf *b, const mm_chain_cfg *c, const char *token, const char *units) {
    char shown[64];

    for (int i = 0; i < c->ntokens; i++) {
        const mm_token *k = &c->tokens[i];
        if ((!strcmp(token, "NEAR") && !k->contract[0]) || !strcmp(token, k->contract)) {
            mm_amount_format(units, k->decimals, shown);
            mm_buf_printf(b, "%s %s", shown, k->symbol);
            return;
        }
    }
    mm_html_add(b, units);
    mm_buf_adds(b, " of ");
    mm_html_add(b, token);
}

/* The last n payouts to or from account, with explorer links. */
static int mm_history_html(mm_turn *t, const char *account, int n, mm_buf *b) {
    mm_params p;
    PGresult *res;

    mm_params_init(&p, MM_SQL_WALLET_HISTORY);
    mm_param_str(&p, account);
    mm_param_int(&p, n);
    if ((res = mm_db_query(t->db, &p)) == NULL)
        return mm_fail(t, "history");
    if (PQntuples(res) == 0)
        mm_buf_adds(b, "No transfers yet.");
    for (int i = 0; i < PQntuples(res); i++) {
        const char *dir = mm_col_str(res, i, MM_HIST_DIRECTION);
        const char *state = mm_col_str(res, i, MM_HIST_STATE);
        const char *hash = mm_col_str(res, i, MM_HIST_HASH);

        mm_buf_printf(b, "%s %s ", mm_col_str(res, i, MM_HIST_DATE),
                      !strcmp(dir, "out") ? "↗️" : "↘️");
        mm_amount_html(b, &t->ctx->cfg.chain, mm_col_str(res, i, MM_HIST_TOKEN),
                       mm_col_str(res, i, MM_HIST_AMOUNT));
        mm_buf_adds(b, !strcmp(dir, "out") ? " to <code>" : " for <code>");
        mm_html_add(b, mm_col_str(res, i, MM_HIST_PARTY));
        mm_buf_printf(b, "</code> · %s", !strcmp(state, "paid") ? "✅" : !strcmp(state, "failed")
                                         ? "❌ failed" : "⏳ on its way");
        if (*hash)
            mm_buf_printf(b, " · <a href=\"%s/txns/%s\">tx</a>", mm_explorer(t), hash);
        mm_buf_adds(b, "\n");
    }
    PQclear(res);
    return 0;
}

/* Queues the player's wallet job (one open per player); 0, or -1. */
static int mm_wallet_job(mm_turn *t, int *queued) {
    char dedupe[32];

    snprintf(dedupe, sizeof(dedupe), "user:%lld", (long long) t->u->user_id);
    *queued = mm_queue_add(t->db, MM_JOB_WALLET, t->u->user_id, t->u->chat_id, NULL, dedupe, 0,
                           NULL);
    return *queued < 0 ? mm_fail(t, "wallet job") : 0;
}

int mm_wallet_show(mm_turn *t) {
    char account[72];
    int active, queued = 0;

    if (!t->ctx->cfg.chain.enabled)
        return mm_wallets_off(t);
    if ((active = mm_wallet_of(t, account)) < 0)
        return -1;
    if (account[0] == '\0') {
        /* a new wallet costs the operator its first balance */
        int room = mm_budget_room(t->db, t->redis, &t->ctx->cfg, MM_BUDGET_WALLETS, 0);
        if (room < 0)
            return mm_fail(t, "budget");
        if (room == 0)
            return mm_reply_html(t, "👛 New wallets are paused for today: the bot has opened "
                                    "as many as it may in a day. Try again tomorrow.", NULL) < 0
                   ? -1 : 0;
    }
    if (mm_wallet_job(t, &queued))
        return -1;
    /* balances come from the chain: the answer follows from the chain thread */
    if (!active && queued)
        return mm_reply_html(t, "👛 Creating your wallet on NEAR — a few seconds…", NULL) < 0
               ? -1 : 0;
    return 0;
}

int mm_wallet_history(mm_turn *t) {
    char account[72];
    mm_buf b;
    int active, rc;

    if (!t->ctx->cfg.chain.enabled)
        return mm_wallets_off(t);
    if ((active = mm_wallet_of(t, account)) <= 0)
        return active < 0 ? -1 : mm_reply_html(t, "You have no wallet yet: /wallet opens one.",
                                               NULL) < 0 ? -1 : 0;
    mm_buf_init(&b);
    mm_buf_adds(&b, "🧾 <b>History</b> of <code>");
    mm_html_add(&b, account);
    mm_buf_adds(&b, "</code>\n\n");
    rc = mm_history_html(t, account, 10, &b);
    if (rc == 0)
        rc = mm_reply_html(t, b.data ? b.data : "", NULL) < 0 ? -1 : 0;
    mm_buf_free(&b);
    return rc;
}

static int mm_withdraw_usage(mm_turn *t, const char *problem) {
    mm_buf b;
    int rc;

    mm_buf_init(&b);
    if (problem) {
        mm_html_add(&b, problem);
        mm_buf_adds(&b, "\n\n");
    }
    mm_buf_adds(&b, "Usage: <code>/withdraw &lt;amount&gt; &lt;token&gt; &lt;account&gt;</code>, "
                    "e.g. <code>/withdraw 0.5 NEAR alice.testnet</code>. Tokens: ");
    for (int i = 0; i < t->ctx->cfg.chain.ntokens; i++)
        mm_buf_printf(&b, "%s%s", i ? ", " : "", t->ctx->cfg.chain.tokens[i].symbol);
    mm_buf_adds(&b, ".");
    rc = mm_reply_html(t, b.data ? b.data : "", NULL) < 0 ? -1 : 0;
    mm_buf_free(&b);
    return rc;
}

#define MM_WORD_MAX 80

/* Splits s at white space into at most max words of fewer than
 * MM_WORD_MAX bytes each, never cut (the split is at ASCII spaces, so
 * every word is whole characters); how many words, or -1 when there are
 * more or one is longer. */
static int mm_words(const char *s, char words[][MM_WORD_MAX], int max) {
    int n = 0;

    for (s += strspn(s, " \t\n"); *s; s += strspn(s, " \t\n")) {
        size_t len = strcspn(s, " \t\n");
        if (n == max || len >= MM_WORD_MAX)
            return -1;
        memcpy(words[n], s, len);
        words[n++][len] = '\0';
        s += len;
    }
    return n;
}

int mm_wallet_withdraw(mm_turn *t, const char *args) {
    char words[3][MM_WORD_MAX], units[48], why[200], account[72];
    const char *amount = words[0], *symbol = words[1], *to = words[2];
    char shown[128], data[MM_CB_MAX];
    const mm_token *token;
    uint32_t nonce;
    long long id;
    mm_params p;
    PGresult *res;
    json_t *kb;
    mm_buf b;
    int active, rc;

    if (!t->ctx->cfg.chain.enabled)
        return mm_wallets_off(t);
    if (mm_words(args, words, 3) != 3)
        return mm_withdraw_usage(t, NULL);
    if ((token = mm_chain_token(&t->ctx->cfg.chain, symbol)) == NULL) {
        snprintf(why, sizeof(why), "I don't know the token \"%s\".", symbol);
        return mm_withdraw_usage(t, why);
    }
    if (mm_amount_parse(amount, token->decimals, units, why, sizeof(why)))
        return mm_withdraw_usage(t, why);
    if (!token->contract[0] && (strlen(units) < strlen(MM_NEAR_MIN_UNITS)))
        return mm_withdraw_usage(t, "The smallest withdrawal is 0.001 NEAR.");
    if (!mm_near_account_id_valid(to)) {
        snprintf(why, sizeof(why), "\"%s\" is not a NEAR account id.", to);
        return mm_withdraw_usage(t, why);
    }
    if ((active = mm_wallet_of(t, account)) < 0)
        return -1;
    if (!active)
        return mm_reply_html(t, "Open your wallet first: /wallet.", NULL) < 0 ? -1 : 0;
    if (!strcmp(to, account))
        return mm_withdraw_usage(t, "That is this wallet itself.");

    nonce = randombytes_uniform(1000000000);
    mm_amount_format(units, token->decimals, shown);
    snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), " %s", token->symbol);
    mm_params_init(&p, MM_SQL_WITHDRAW_ADD);
    mm_param_ll(&p, t->u->user_id);
    mm_param_ll(&p, t->u->chat_id);
    mm_param_str(&p, account);
    mm_param_str(&p, to);
    mm_param_str(&p, token->contract[0] ? token->contract : "NEAR");
    mm_param_str(&p, units);
    mm_param_str(&p, shown);
    mm_param_ll(&p, nonce);
    mm_param_int(&p, MM_WITHDRAW_DAILY);
    if ((rc = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "withdrawal");
    if (rc == 0)
        return mm_reply_html(t, "You have reached today's limit of withdrawals. Try again "
                                "tomorrow.", NULL) < 0 ? -1 : 0;
    id = mm_col_ll(res, 0, 0);
    PQclear(res);

    kb = mm_keyboard();
    mm_callback_withdraw(data, 1, id, nonce);
    mm_keyboard_button(kb, "✅ Confirm", data);
    mm_callback_withdraw(data, 0, id, nonce);
    mm_keyboard_button(kb, "✖️ Cancel", data);
    mm_buf_init(&b);
    mm_buf_adds(&b, "Withdraw <b>");
    mm_html_add(&b, shown);
    mm_buf_adds(&b, "</b> from <code>");
    mm_html_add(&b, account);
    mm_buf_adds(&b, "</code> to <code>");
    mm_html_add(&b, to);
    mm_buf_adds(&b, "</code>?\n\nA transfer cannot be undone: check the account. The buttons "
                    "work for 5 minutes.");
    rc = mm_reply_html(t, b.data ? b.data : "", kb) < 0 ? -1 : 0;
    mm_buf_free(&b);
    return rc;
}

/* x:ok:<id>:<nonce> and x:no:<id>:<nonce> under a withdrawal request */
int mm_wallet_button(mm_turn *t) {
    int confirm, ok;
    long long id;
    uint32_t nonce;
    json_t *edit;
    mm_params p;
    PGresult *res;
    mm_buf b;
    int rc;

    ok = mm_callback_withdraw_parse(t->u->callback_data, &confirm, &id, &nonce) == 0;
    if (!ok || !t->ctx->cfg.chain.enabled) {
        mm_reply_callback(t, "This button has expired.");
        return 0;
    }
    mm_params_init(&p, confirm ? MM_SQL_WITHDRAW_CONFIRM : MM_SQL_WITHDRAW_CANCEL);
    mm_param_ll(&p, id);
    mm_param_ll(&p, t->u->user_id);
    mm_param_ll(&p, nonce);
    if ((rc = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "withdrawal");
    if (rc == 0) {
        mm_reply_callback(t, "This request is no longer open.");
        return 0;
    }
    mm_buf_init(&b);
    if (confirm) {
        mm_buf_adds(&b, "⏳ Sending <b>");
        mm_html_add(&b, mm_col_str(res, 0, MM_CONFIRM_SHOWN));
        mm_buf_adds(&b, "</b> to <code>");
        mm_html_add(&b, mm_col_str(res, 0, MM_CONFIRM_RECIPIENT));
        mm_buf_adds(&b, "</code>…");
    } else {
        mm_buf_adds(&b, "Withdrawal cancelled.");
    }
    PQclear(res);
    mm_reply_callback(t, confirm ? "Confirmed" : "Cancelled");
    edit = json_pack("{s:I, s:I, s:s, s:s}", "chat_id", (json_int_t) t->u->chat_id, "message_id",
                     (json_int_t) t->u->message_id, "text", b.data ? b.data : "", "parse_mode",
                     "HTML");
    mm_buf_free(&b);
    return mm_reply(t, t->u->chat_id, "editMessageText", edit) < 0 ? -1 : 0;
}

static int mm_wallet_opened(mm_turn *t, json_t *r) {
    const char *account = json_string_value(json_object_get(r, "account_id"));
    json_t *bal;
    size_t i;
    mm_buf b;
    int rc;

    mm_buf_init(&b);
    if (json_is_true(json_object_get(r, "created")))
        mm_buf_adds(&b, "✨ Your wallet is ready!\n\n");
    mm_buf_adds(&b, "👛 <b>Your wallet</b>\n<code>");
    mm_html_add(&b, account ? account : "");
    mm_buf_printf(&b, "</code> · <a href=\"%s/address/", mm_explorer(t));
    mm_html_add(&b, account ? account : "");
    mm_buf_adds(&b, "\">explorer</a>\n\n");
    json_array_foreach(json_object_get(r, "balances"), i, bal) {
        const char *units = json_string_value(json_object_get(bal, "units"));
        char shown[64];
        mm_html_add(&b, json_string_value(json_object_get(bal, "symbol")));
        if (units && *units) {
            mm_amount_format(units, (int) json_integer_value(json_object_get(bal, "decimals")),
                             shown);
            mm_buf_printf(&b, ": <b>%s</b>\n", shown);
        } else {
            mm_buf_adds(&b, ": <i>unavailable right now</i>\n");
        }
    }
    mm_buf_adds(&b, "\n");
    mm_buf_adds(&b, mm_custodial);
    mm_buf_adds(&b, "\n\n<b>Recent</b>\n");
    rc = mm_history_html(t, account ? account : "", 5, &b);
    if (rc == 0)
        rc = mm_reply_html(t, b.data ? b.data : "", NULL) < 0 ? -1 : 0;
    mm_buf_free(&b);
    return rc;
}

static int mm_withdrawal_sent(mm_turn *t, json_t *r) {
    const char *state = json_string_value(json_object_get(r, "state"));
    const char *hash = json_string_value(json_object_get(r, "tx_hash"));
    mm_buf b;
    int rc;

    mm_buf_init(&b);
    mm_buf_adds(&b, !strcmp(state ? state : "", "paid") ? "✅ Sent "
                    : !strcmp(state ? state : "", "failed") ? "❌ The network refused sending "
                    : "⏳ On its way: ");
    mm_amount_html(&b, &t->ctx->cfg.chain, json_string_value(json_object_get(r, "token")),
                   json_string_value(json_object_get(r, "units")));
    mm_buf_adds(&b, " to <code>");
    mm_html_add(&b, json_string_value(json_object_get(r, "recipient")));
    mm_buf_adds(&b, "</code>");
    if (!strcmp(state ? state : "", "failed")) {
        mm_buf_adds(&b, ": ");
        mm_html_add(&b, json_string_value(json_object_get(r, "error")));
    } else if (strcmp(state ? state : "", "paid")) {
        mm_buf_adds(&b, ". The network has not confirmed it yet; /history shows when it does");
    }
    if (hash && *hash)
        mm_buf_printf(&b, ". <a href=\"%s/txns/%s\">View the transaction</a>", mm_explorer(t),
                      hash);
    mm_buf_adds(&b, ".");
    rc = mm_reply_html(t, b.data ? b.data : "", NULL) < 0 ? -1 : 0;
    mm_buf_free(&b);
    return rc;
}

/* A chain job ended (a chain_done timer in the chat). */
int mm_wallet_done(mm_turn *t) {
    json_int_t job = json_integer_value(json_object_get(t->u->timer, "job"));
    PGresult *res;
    json_t *result;
    int rc, done, wallet;

    /* once, and only in the chat the job was asked from: a wallet job or,
     * failing that, a withdrawal */
    if ((rc = mm_queue_announce(t->db, job, t->u->chat_id, MM_JOB_WALLET, &res)) == 0)
        rc = mm_queue_announce(t->db, job, t->u->chat_id, MM_JOB_WITHDRAW, &res);
    if (rc <= 0)
        return rc < 0 ? mm_fail(t, "chain job") : 0;
    wallet = !strcmp(mm_col_str(res, 0, MM_JOBGET_KIND), MM_JOB_WALLET);
    done = !strcmp(mm_col_str(res, 0, MM_JOBGET_STATE), "done");
    result = json_loads(mm_col_str(res, 0, MM_JOBGET_RESULT), 0, NULL);
    PQclear(res);
    if (!done)
        rc = mm_reply_html(t, wallet ? "😕 I couldn't open your wallet just now: the NEAR "
                                       "network did not answer. Try /wallet again in a minute."
                                     : "😕 The withdrawal could not be sent just now; it stays "
                                       "on record and is retried. /history shows it.",
                           NULL) < 0 ? -1 : 0;
    else
        rc = wallet ? mm_wallet_opened(t, result) : mm_withdrawal_sent(t, result);
    json_decref(result);
    return rc;
}
