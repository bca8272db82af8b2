#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/mm_bot.h"
#include "mm_buf.h"
#include "telegram/mm_html.h"

static const char *mm_help_html =
    "🧩 <b>Mental Maze</b> — quick quizzes that adapt to you.\n\n"
    "/play — a practice run (add a topic: <code>/play space</code>)\n"
    "/leaderboard — all-time and weekly rankings\n"
    "/stats — your points, accuracy and difficulty\n"
    "/cancel — stop the current run\n"
    "/wallet — your NEAR wallet: balances and rewards\n"
    "/withdraw — send from it: <code>/withdraw 0.5 NEAR alice.testnet</code>\n"
    "/history — your transfers\n"
    "/help — this message\n\n"
    "Answer with the buttons under each question. Faster answers and streaks "
    "earn more points; the difficulty (SDI 1–10) follows how you do.";

static json_t *mm_main_menu(void) {
    json_t *kb = mm_keyboard();

    mm_keyboard_button(kb, "▶️ Play", "m:play");
    mm_keyboard_button(kb, "🏆 Leaderboards", "m:board");
    mm_keyboard_row(kb);
    mm_keyboard_button(kb, "📊 My stats", "m:stats");
    mm_keyboard_button(kb, "❓ Help", "m:help");
    return kb;
}

static int mm_user_ensure(mm_turn *t) {
    const mm_update *u = t->u;
    mm_params p;
    long long changed;

    if (u->user_id <= 0)
        return 0;
    mm_params_init(&p, MM_SQL_USER_ENSURE);
    mm_param_ll(&p, u->user_id);
    mm_param_str(&p, u->first_name);
    mm_param_str(&p, u->username);
    mm_param_str(&p, u->language_code);
    if ((changed = mm_db_count(t->db, &p)) < 0)
        return mm_fail(t, "user");
    if (changed > 0)
        mm_profile_forget(t, u->user_id);       /* a new name */
    return 0;
}

/* A link that opens a private chat with the bot, with a /start payload. */
static void mm_deep_link(mm_turn *t, const char *payload, char *out, size_t outlen) {
    snprintf(out, outlen, "https://t.me/%s?start=%s", t->ctx->bot_username, payload);
}

static int mm_on_start(mm_turn *t, const char *args) {
    mm_buf b;
    long long rc;

    if (!strcmp(args, "play"))
        return mm_play_start(t, NULL);
    if (!strncmp(args, "quiz_", 5)) {
        /* group quizzes open here once they exist; none matches yet */
        mm_buf_init(&b);
        mm_buf_adds(&b, "I can't find quiz <code>");
        mm_html_add(&b, args + 5);
        mm_buf_adds(&b, "</code>. It may have ended — ask the group for a fresh link, "
                        "or warm up with /play.");
        rc = mm_reply_html(t, b.data, mm_main_menu());
        mm_buf_free(&b);
        return rc < 0 ? -1 : 0;
    }
    mm_buf_init(&b);
    mm_buf_adds(&b, "👋 Hi ");
    mm_html_add(&b, t->u->first_name ? t->u->first_name : "there");
    mm_buf_adds(&b, "! Welcome to <b>Mental Maze</b>.\n\nPlay short quiz runs, climb the "
                    "leaderboards, and watch the questions get harder as you improve.");
    rc = mm_reply_html(t, b.data, mm_main_menu());
    mm_buf_free(&b);
    return rc < 0 ? -1 : 0;
}

static int mm_on_group_command(mm_turn *t, const mm_command *cmd) {
    char link[160];
    json_t *kb;

    if (!strcmp(cmd->name, "leaderboard") || !strcmp(cmd->name, "top"))
        return mm_board_show(t);
    if (!strcmp(cmd->name, "stats"))
        return mm_board_stats(t);
    if (!strcmp(cmd->name, "help"))
        return mm_reply_html(t, mm_help_html, NULL) < 0 ? -1 : 0;
    if (!strcmp(cmd->name, "start") || !strcmp(cmd->name, "play")) {
        mm_deep_link(t, "play", link, sizeof(link));
        kb = mm_keyboard();
        mm_keyboard_button(kb, "▶️ Play in private chat", link);
        return mm_reply_html(t, "Practice runs are played in a private chat with me, so "
                                "nobody sees your answers. Tap below to start.", kb) < 0 ? -1 : 0;
    }
    if (cmd->addressed == 1)
        return mm_reply_html(t, "I don't know that command. Try /help.", NULL) < 0 ? -1 : 0;
    return 0;   /* a plain /command in a group may be meant for another bot */
}

static int mm_on_message(mm_turn *t) {
    const mm_update *u = t->u;
    mm_command cmd;
    mm_buf b;
    long long rc;

    if (u->user_id <= 0 || u->chat_id == 0)
        return 0;
    if (mm_command_parse(u->text, t->ctx->bot_username, &cmd)) {
        if (!u->is_private)
            return 0;   /* groups: stay quiet unless addressed */
        return mm_reply_html(t, "Send /play to start a practice run, or /help to see what "
                                "I can do.", NULL) < 0 ? -1 : 0;
    }
    if (cmd.addressed < 0)
        return 0;
    if (!u->is_private)
        return mm_on_group_command(t, &cmd);
    if (mm_user_ensure(t))
        return -1;
    if (!strcmp(cmd.name, "start"))
        return mm_on_start(t, cmd.args);
    if (!strcmp(cmd.name, "help"))
        return mm_reply_html(t, mm_help_html, mm_main_menu()) < 0 ? -1 : 0;
    if (!strcmp(cmd.name, "play") || !strcmp(cmd.name, "practice"))
        return mm_play_start(t, *cmd.args ? cmd.args : NULL);
    if (!strcmp(cmd.name, "leaderboard") || !strcmp(cmd.name, "top"))
        return mm_board_show(t);
    if (!strcmp(cmd.name, "stats"))
        return mm_board_stats(t);
    if (!strcmp(cmd.name, "cancel"))
        return mm_play_cancel(t);
    if (!strcmp(cmd.name, "wallet"))
        return mm_wallet_show(t);
    if (!strcmp(cmd.name, "withdraw"))
        return mm_wallet_withdraw(t, cmd.args);
    if (!strcmp(cmd.name, "history"))
        return mm_wallet_history(t);

    mm_buf_init(&b);
    mm_buf_adds(&b, "I don't know /");
    mm_html_add(&b, cmd.name);
    mm_buf_adds(&b, ". Try /play, /leaderboard, /stats, /wallet or /help.");
    rc = mm_reply_html(t, b.data, NULL);
    mm_buf_free(&b);
    return rc < 0 ? -1 : 0;
}

static int mm_on_callback(mm_turn *t) {
    const char *data = t->u->callback_data ? t->u->callback_data : "";

    if (t->u->user_id <= 0)
        return 0;
    if (!strncmp(data, "a:", 2))
        return mm_play_answer(t);       /* its run proves the player is registered */
    if (!strncmp(data, "r:", 2))
        return mm_play_report(t);
    if (!strncmp(data, "x:", 2))
        return mm_wallet_button(t);     /* bound to the player who asked */
    if (mm_user_ensure(t))
        return -1;
    if (!strncmp(data, "p:", 2)) {
        mm_reply_callback(t, NULL);
        return mm_play_start(t, data + 2);
    }
    if (!strcmp(data, "m:play")) {
        mm_reply_callback(t, NULL);
        return mm_play_start(t, NULL);
    }
    if (!strcmp(data, "m:board")) {
        mm_reply_callback(t, NULL);
        return mm_board_show(t);
    }
    if (!strcmp(data, "m:stats")) {
        mm_reply_callback(t, NULL);
        return mm_board_stats(t);
    }
    if (!strcmp(data, "m:help")) {
        mm_reply_callback(t, NULL);
        return mm_reply_html(t, mm_help_html, NULL) < 0 ? -1 : 0;
    }
    mm_reply_callback(t, "This button has expired.");
    return 0;
}

int mm_bot_handle(mm_turn *t) {
    const char *kind;

    switch (t->u->kind) {
    case MM_UPD_MESSAGE:
        return mm_on_message(t);
    case MM_UPD_CALLBACK:
        return mm_on_callback(t);
    case MM_UPD_TIMER:
        kind = json_string_value(json_object_get(t->u->timer, "kind"));
        if (kind && !strcmp(kind, "q_timeout"))
            return mm_play_timeout(t);
        if (kind && !strcmp(kind, "quiz_ready"))
            return mm_play_ready(t);
        if (kind && !strcmp(kind, "chain_done"))
            return mm_wallet_done(t);
        return 0;
    default:
        return 0;       /* polls, member changes, edits: nothing to do yet */
    }
}
