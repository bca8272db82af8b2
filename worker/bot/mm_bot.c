/*
 * What an update asks for, by table: commands (like nginx's ngx_command_t:
 * a name, where it is allowed, its handler and its line in /help),
 * button presses by the prefix of their callback data, and timers by
 * kind.  /help, the unknown-command hint and the command menus Telegram
 * shows (setMyCommands) come from the same table, without what this
 * deployment has turned off.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/mm_bot.h"
#include "bot/mm_callback.h"
#include "mm_buf.h"
#include "sched/mm_timers.h"
#include "telegram/mm_html.h"

#define MM_IN_PRIVATE   0x01
#define MM_IN_GROUP     0x02
#define MM_IN_ANY       (MM_IN_PRIVATE | MM_IN_GROUP)

#define MM_NEEDS_CHAIN  0x01            /* NEAR configured (wallets) */

typedef int (*mm_command_fn)(mm_turn *t, const char *args);

typedef struct mm_command_def {
    const char *name;
    unsigned where;
    unsigned needs;
    mm_command_fn handler;
    const char *menu;           /* setMyCommands' description; NULL: an alias, not listed */
    const char *help;           /* its /help line (HTML), after "/name — " */
    int hint;                   /* named in the unknown-command hint */
} mm_command_def;

static const char *mm_help_head =
    "🧩 <b>Mental Maze</b> — quick quizzes that adapt to you.\n\n";
static const char *mm_help_tail =
    "\nAnswer with the buttons under each question. Faster answers and streaks earn more "
    "points; the difficulty (SDI 1–10) follows how you do.";

static int mm_cmd_start(mm_turn *t, const char *args);
static int mm_cmd_help(mm_turn *t, const char *args);
static int mm_cmd_play(mm_turn *t, const char *args);
static int mm_cmd_board(mm_turn *t, const char *args);
static int mm_cmd_stats(mm_turn *t, const char *args);
static int mm_cmd_cancel(mm_turn *t, const char *args);
static int mm_cmd_wallet(mm_turn *t, const char *args);
static int mm_cmd_withdraw(mm_turn *t, const char *args);
static int mm_cmd_history(mm_turn *t, const char *args);
static int mm_cmd_to_private(mm_turn *t, const char *args);
static int mm_cmd_stop(mm_turn *t, const char *args);

static const mm_command_def mm_commands[] = {
    { "start", MM_IN_PRIVATE, 0, mm_cmd_start, "Start: the main menu", NULL, 0 },
    { "play", MM_IN_PRIVATE, 0, mm_cmd_play, "A practice run (add a topic: /play space)",
      "a practice run (add a topic: <code>/play space</code>)", 1 },
    { "practice", MM_IN_PRIVATE, 0, mm_cmd_play, NULL, NULL, 0 },
    { "createquiz", MM_IN_ANY, 0, mm_wizard_command, "Create a quiz for a group",
      "create a quiz for a group where you're an admin", 1 },
    { "myquizzes", MM_IN_PRIVATE, 0, mm_quiz_mine, "The quizzes you created",
      "the quizzes you created: end or cancel them", 0 },
    { "endquiz", MM_IN_GROUP, 0, mm_quiz_end_command, "End the open quiz now (admins)", NULL,
      0 },
    { "endquiz", MM_IN_PRIVATE, 0, mm_quiz_end_command, NULL, NULL, 0 },
    { "leaderboard", MM_IN_ANY, 0, mm_cmd_board, "All-time and weekly rankings",
      "all-time and weekly rankings", 1 },
    { "top", MM_IN_ANY, 0, mm_cmd_board, NULL, NULL, 0 },
    { "stats", MM_IN_ANY, 0, mm_cmd_stats, "Your points, accuracy and difficulty",
      "your points, accuracy and difficulty", 1 },
    { "stop", MM_IN_PRIVATE, 0, mm_cmd_stop, "End your quiz attempt or run",
      "end your quiz attempt (or practice run)", 0 },
    { "cancel", MM_IN_PRIVATE, 0, mm_cmd_cancel, "Cancel the run or the quiz being created",
      "cancel the run, or the quiz you're creating", 0 },
    { "wallet", MM_IN_PRIVATE, MM_NEEDS_CHAIN, mm_cmd_wallet,
      "Your NEAR wallet: balances and rewards", "your NEAR wallet: balances and rewards", 1 },
    { "withdraw", MM_IN_PRIVATE, MM_NEEDS_CHAIN, mm_cmd_withdraw,
      "Send from your wallet: /withdraw 0.5 NEAR alice.near",
      "send from it: <code>/withdraw 0.5 NEAR alice.testnet</code>", 0 },
    { "history", MM_IN_PRIVATE, MM_NEEDS_CHAIN, mm_cmd_history, "Your transfers",
      "your transfers", 0 },
    { "help", MM_IN_ANY, 0, mm_cmd_help, "What I can do", "this message", 1 },
    /* in a group, a practice run is offered in a private chat */
    { "start", MM_IN_GROUP, 0, mm_cmd_to_private, NULL, NULL, 0 },
    { "play", MM_IN_GROUP, 0, mm_cmd_to_private, "Play a practice run in a private chat",
      NULL, 0 },
};

#define MM_NCOMMANDS (sizeof(mm_commands) / sizeof(mm_commands[0]))

/* Whether this deployment has what the command needs. */
static int mm_command_on(const mm_ctx *ctx, const mm_command_def *c) {
    return !(c->needs & MM_NEEDS_CHAIN) || ctx->cfg.chain.enabled;
}

static const mm_command_def *mm_command_find(const mm_ctx *ctx, const char *name,
                                             unsigned where) {
    for (size_t i = 0; i < MM_NCOMMANDS; i++)
        if ((mm_commands[i].where & where) && !strcmp(mm_commands[i].name, name)
            && mm_command_on(ctx, &mm_commands[i]))
            return &mm_commands[i];
    return NULL;
}

/* /help: a line per listed private command this deployment offers. */
static void mm_help_html(const mm_ctx *ctx, mm_buf *b) {
    mm_buf_adds(b, mm_help_head);
    for (size_t i = 0; i < MM_NCOMMANDS; i++) {
        const mm_command_def *c = &mm_commands[i];
        if ((c->where & MM_IN_PRIVATE) && c->help && mm_command_on(ctx, c))
            mm_buf_printf(b, "/%s — %s\n", c->name, c->help);
    }
    mm_buf_adds(b, mm_help_tail);
}

/* "Try /play, /leaderboard, /stats, /wallet or /help." */
static void mm_hint(const mm_ctx *ctx, mm_buf *b) {
    const mm_command_def *named[MM_NCOMMANDS];
    size_t n = 0;

    for (size_t i = 0; i < MM_NCOMMANDS; i++)
        if ((mm_commands[i].where & MM_IN_PRIVATE) && mm_commands[i].hint
            && mm_command_on(ctx, &mm_commands[i]))
            named[n++] = &mm_commands[i];
    mm_buf_adds(b, "Try ");
    for (size_t i = 0; i < n; i++)
        mm_buf_printf(b, "%s/%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", named[i]->name);
    mm_buf_adds(b, ".");
}

json_t *mm_bot_command_menu(const mm_ctx *ctx, int group) {
    json_t *list = json_array();

    for (size_t i = 0; i < MM_NCOMMANDS; i++) {
        const mm_command_def *c = &mm_commands[i];
        if ((c->where & (group ? MM_IN_GROUP : MM_IN_PRIVATE)) && c->menu
            && mm_command_on(ctx, c))
            json_array_append_new(list, json_pack("{s:s, s:s}", "command", c->name,
                                                  "description", c->menu));
    }
    return list;
}

static json_t *mm_main_menu(void) {
    json_t *kb = mm_keyboard();

    mm_keyboard_button(kb, "▶️ Play", MM_CB_MENU_PLAY);
    mm_keyboard_button(kb, "🏆 Leaderboards", MM_CB_MENU_BOARD);
    mm_keyboard_row(kb);
    mm_keyboard_button(kb, "📊 My stats", MM_CB_MENU_STATS);
    mm_keyboard_button(kb, "❓ Help", MM_CB_MENU_HELP);
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

/* Sends html (with a reply markup, stolen) and turns the outcome into a
 * handler's 0 / -1. */
static int mm_say(mm_turn *t, const char *html, json_t *markup) {
    return mm_reply_html(t, html, markup) < 0 ? -1 : 0;
}

/* Sends b's text and frees b. */
static int mm_say_buf(mm_turn *t, mm_buf *b, json_t *markup) {
    int rc;

    if (b->oom) {
        json_decref(markup);
        mm_buf_free(b);
        snprintf(t->err, sizeof(t->err), "out of memory building a reply");
        return -1;
    }
    rc = mm_say(t, b->data ? b->data : "", markup);
    mm_buf_free(b);
    return rc;
}

static int mm_cmd_start(mm_turn *t, const char *args) {
    mm_buf b;

    if (!strcmp(args, "play"))
        return mm_play_start(t, NULL);
    if (!strncmp(args, "quiz_", 5))
        return mm_quiz_link(t, args + 5);
    if (!strncmp(args, "create_", 7))
        return mm_wizard_link(t, args + 7);
    mm_buf_init(&b);
    mm_buf_adds(&b, "👋 Hi ");
    mm_html_add(&b, t->u->first_name ? t->u->first_name : "there");
    mm_buf_adds(&b, "! Welcome to <b>Mental Maze</b>.\n\nPlay short quiz runs, climb the "
                    "leaderboards, and watch the questions get harder as you improve.");
    return mm_say_buf(t, &b, mm_main_menu());
}

/* /help; under the menu's own ❓ button, without the menu again */
static int mm_cmd_help(mm_turn *t, const char *args) {
    mm_buf b;

    (void) args;
    mm_buf_init(&b);
    mm_help_html(t->ctx, &b);
    return mm_say_buf(t, &b, t->u->is_private && t->u->kind == MM_UPD_MESSAGE ? mm_main_menu()
                                                                              : NULL);
}

static int mm_cmd_play(mm_turn *t, const char *args) {
    return mm_play_start(t, *args ? args : NULL);
}

static int mm_cmd_board(mm_turn *t, const char *args) {
    (void) args;
    return mm_board_show(t);
}

static int mm_cmd_stats(mm_turn *t, const char *args) {
    (void) args;
    return mm_board_stats(t);
}

/* /cancel: the quiz being created first, else the run */
static int mm_cmd_cancel(mm_turn *t, const char *args) {
    int rc = mm_wizard_cancel(t);

    (void) args;
    return rc != 0 ? (rc < 0 ? -1 : 0) : mm_play_cancel(t);
}

static int mm_cmd_stop(mm_turn *t, const char *args) {
    (void) args;
    return mm_play_cancel(t);
}

static int mm_cmd_wallet(mm_turn *t, const char *args) {
    (void) args;
    return mm_wallet_show(t);
}

static int mm_cmd_withdraw(mm_turn *t, const char *args) {
    return mm_wallet_withdraw(t, args);
}

static int mm_cmd_history(mm_turn *t, const char *args) {
    (void) args;
    return mm_wallet_history(t);
}

static int mm_cmd_to_private(mm_turn *t, const char *args) {
    char link[160];
    json_t *kb = mm_keyboard();

    (void) args;
    mm_deep_link(t, "play", link, sizeof(link));
    mm_keyboard_button(kb, "▶️ Play in private chat", link);
    return mm_say(t, "Practice runs are played in a private chat with me, so nobody sees "
                     "your answers. Tap below to start.", kb);
}

static int mm_on_message(mm_turn *t) {
    const mm_update *u = t->u;
    const mm_command_def *def;
    mm_command cmd;
    mm_buf b;

    if (u->user_id <= 0 || u->chat_id == 0)
        return 0;
    if (mm_command_parse(u->text, t->ctx->bot_username, &cmd)) {
        int rc;
        if (!u->is_private)
            return 0;   /* groups: stay quiet unless addressed */
        if ((rc = mm_wizard_text(t)) != 0)
            return rc < 0 ? -1 : 0;     /* an answer to the quiz being created */
        return mm_say(t, "Send /play to start a practice run, or /help to see what I can do.",
                      NULL);
    }
    if (cmd.addressed < 0)
        return 0;       /* meant for another bot */
    def = mm_command_find(t->ctx, cmd.name, u->is_private ? MM_IN_PRIVATE : MM_IN_GROUP);
    if (def && (u->is_private ? mm_user_ensure(t) : mm_group_seen(t)))
        return -1;
    if (def)
        return def->handler(t, cmd.args);
    if (!u->is_private)
        /* a plain /command in a group may be meant for another bot */
        return cmd.addressed == 1 ? mm_say(t, "I don't know that command. Try /help.", NULL) : 0;
    if (mm_user_ensure(t))
        return -1;
    mm_buf_init(&b);
    mm_buf_adds(&b, "I don't know /");
    mm_html_add(&b, cmd.name);
    mm_buf_adds(&b, ". ");
    mm_hint(t->ctx, &b);
    return mm_say_buf(t, &b, NULL);
}

/* --- buttons --- */

#define MM_CB_EXACT     0x01    /* the whole data, not a prefix */
#define MM_CB_REGISTER  0x02    /* the presser becomes a known player first */
#define MM_CB_ACK       0x04    /* the spinner is stopped before the handler runs */

typedef struct mm_callback_def {
    const char *data;           /* a prefix, or the whole data with MM_CB_EXACT */
    unsigned flags;
    int (*handler)(mm_turn *t, const char *rest);
} mm_callback_def;

static int mm_cb_answer(mm_turn *t, const char *rest) {
    (void) rest;
    return mm_play_answer(t);       /* its run proves the player is registered */
}

static int mm_cb_report(mm_turn *t, const char *rest) {
    (void) rest;
    return mm_play_report(t);
}

static int mm_cb_withdraw(mm_turn *t, const char *rest) {
    (void) rest;
    return mm_wallet_button(t);     /* bound to the player who asked */
}

static int mm_cb_topic(mm_turn *t, const char *rest) {
    return mm_play_start(t, rest);
}

static int mm_cb_play(mm_turn *t, const char *rest) {
    (void) rest;
    return mm_play_start(t, NULL);
}

static const mm_callback_def mm_callbacks[] = {
    { MM_CB_ANSWER, 0, mm_cb_answer },
    { MM_CB_WIZARD, 0, mm_wizard_button },          /* the wizard's own user */
    { MM_CB_QUIZ_START, MM_CB_REGISTER | MM_CB_ACK, mm_quiz_start },
    { MM_CB_QUIZ_BOARD, 0, mm_quiz_board },         /* answered with an alert */
    { MM_CB_QUIZ_END, MM_CB_ACK, mm_quiz_end_button },
    { MM_CB_QUIZ_CANCEL, MM_CB_ACK, mm_quiz_cancel_button },
    { MM_CB_REPORT, 0, mm_cb_report },
    { MM_CB_WITHDRAW, 0, mm_cb_withdraw },
    { MM_CB_TOPIC, MM_CB_REGISTER | MM_CB_ACK, mm_cb_topic },
    { MM_CB_MENU_PLAY, MM_CB_EXACT | MM_CB_REGISTER | MM_CB_ACK, mm_cb_play },
    { MM_CB_MENU_BOARD, MM_CB_EXACT | MM_CB_REGISTER | MM_CB_ACK, mm_cmd_board },
    { MM_CB_MENU_STATS, MM_CB_EXACT | MM_CB_REGISTER | MM_CB_ACK, mm_cmd_stats },
    { MM_CB_MENU_HELP, MM_CB_EXACT | MM_CB_REGISTER | MM_CB_ACK, mm_cmd_help },
};

static int mm_on_callback(mm_turn *t) {
    const char *data = t->u->callback_data ? t->u->callback_data : "";

    if (t->u->user_id <= 0)
        return 0;
    for (size_t i = 0; i < sizeof(mm_callbacks) / sizeof(mm_callbacks[0]); i++) {
        const mm_callback_def *c = &mm_callbacks[i];
        size_t n = strlen(c->data);

        if ((c->flags & MM_CB_EXACT) ? strcmp(data, c->data) : strncmp(data, c->data, n))
            continue;
        if ((c->flags & MM_CB_REGISTER) && mm_user_ensure(t))
            return -1;
        if (c->flags & MM_CB_ACK)
            mm_reply_callback(t, NULL);
        return c->handler(t, data + n);
    }
    mm_reply_callback(t, "This button has expired.");
    return 0;
}

/* --- timers --- */

typedef struct mm_timer_def {
    const char *kind;
    int (*handler)(mm_turn *t);
} mm_timer_def;

static const mm_timer_def mm_timers[] = {
    { MM_TIMER_Q_TIMEOUT, mm_play_timeout },
    { MM_TIMER_QUIZ_READY, mm_play_ready },
    { MM_TIMER_CHAIN_DONE, mm_wallet_done },
    { MM_TIMER_QUIZ_MADE, mm_quiz_made },
    { MM_TIMER_QUIZ_START, mm_quiz_opens },
    { MM_TIMER_QUIZ_END, mm_quiz_ends },
    { MM_TIMER_QUIZ_CARD, mm_quiz_card },
    { MM_TIMER_QUIZ_FUNDED, mm_quiz_funded },
    { MM_TIMER_QUIZ_FUND_END, mm_quiz_fund_expired },
    { MM_TIMER_PAYOUT_DONE, mm_quiz_payout_done },
};

static int mm_on_timer(mm_turn *t) {
    const char *kind = json_string_value(json_object_get(t->u->timer, "kind"));

    for (size_t i = 0; kind && i < sizeof(mm_timers) / sizeof(mm_timers[0]); i++)
        if (!strcmp(kind, mm_timers[i].kind))
            return mm_timers[i].handler(t);
    return 0;       /* a kind this version does not know: nothing to do */
}

int mm_bot_handle(mm_turn *t) {
    switch (t->u->kind) {
    case MM_UPD_MESSAGE:
        return mm_on_message(t);
    case MM_UPD_CALLBACK:
        return mm_on_callback(t);
    case MM_UPD_TIMER:
        return mm_on_timer(t);
    case MM_UPD_MEMBER:
        return mm_group_member(t);
    default:
        return 0;       /* polls, other members' changes, edits: nothing to do */
    }
}
