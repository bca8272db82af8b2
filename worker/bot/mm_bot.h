/*
 * The bot's handlers.  A turn is one update inside the consumer's
 * transaction: handlers read and write PostgreSQL through t->db, queue
 * replies with mm_reply_*() (written to the outbox in the same
 * transaction), and the consumer commits.  Only then do replies leave and
 * caches move (mm_turn_commit); a rolled-back turn leaves no trace.
 */

#ifndef MM_BOT_H
#define MM_BOT_H

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "telegram/mm_update.h"
#include "mm_ctx.h"
#include "store/mm_db.h"
#include "telegram/mm_sender.h"

typedef struct mm_turn {
    mm_ctx *ctx;
    mm_db *db;                  /* primary, inside the turn's transaction */
    mm_db *read_db;             /* may lag: boards */
    redisContext *redis;        /* caches */
    const mm_update *u;
    long long received_at_ms;   /* the edge's receive time: scoring uses it */
    mm_out *replies, **tail;
    int64_t board_user;         /* points to add to the cached boards */
    long long board_points;
    int boards_stale;           /* the cached boards are dropped after COMMIT */
    int64_t profile_user;       /* whose cached profile the turn changed */
    char err[512];
} mm_turn;

void mm_turn_init(mm_turn *t, mm_ctx *ctx, mm_db *db, mm_db *read_db, redisContext *redis,
                  const mm_update *u, long long received_at_ms);

/* After COMMIT: replies to the sender, points to the cached boards. */
void mm_turn_commit(mm_turn *t);

/* After ROLLBACK: forget the queued replies. */
void mm_turn_discard(mm_turn *t);

/* 0 when handled (including "ignored"), -1 with t->err to roll back. */
int mm_bot_handle(mm_turn *t);

/* The commands Telegram lists in its "/" menu (setMyCommands' commands),
 * for private chats or for groups, as this deployment offers them. */
json_t *mm_bot_command_menu(const mm_ctx *ctx, int group);

/* --- replies (bot/mm_reply.c) --- */

/* Queues a durable Bot API call; params is stolen.  Returns the outbox id
 * or -1 with t->err. */
long long mm_reply(mm_turn *t, int64_t chat_id, const char *method, json_t *params);

/* Queues a reply whose outbox row the caller wrote (json is copied). */
long long mm_reply_queue(mm_turn *t, int64_t chat_id, const char *method, const char *json,
                         long long outbox_id);

/* sendMessage with parse_mode HTML to the update's chat; markup stolen
 * (may be NULL).  html must already be escaped where needed. */
long long mm_reply_html(mm_turn *t, const char *html, json_t *markup);

/* The same to another chat (a quiz's group, its creator). */
long long mm_reply_html_to(mm_turn *t, int64_t chat_id, const char *html, json_t *markup);

/* editMessageText with parse_mode HTML; markup stolen, NULL removes the
 * buttons. */
long long mm_reply_edit(mm_turn *t, int64_t chat_id, long long message_id, const char *html,
                        json_t *markup);

/* answerCallbackQuery for the update's button press (not durable: the
 * spinner is all it affects). */
void mm_reply_callback(mm_turn *t, const char *text);

/* The same as an alert the presser closes (text: at most 200 characters). */
void mm_reply_alert(mm_turn *t, const char *text);

/* An inline keyboard: rows of (text, callback_data or https URL) pairs. */
json_t *mm_keyboard(void);
void mm_keyboard_row(json_t *kb);
void mm_keyboard_button(json_t *kb, const char *text, const char *data);

/* --- flows --- */

/* runs: practice and quiz attempts (bot/mm_play.c) */
int mm_play_start(mm_turn *t, const char *topic);
/* Opens the player's run just inserted (by bot/mm_quiz.c) on the
 * questions ids[0..n) in that order, after intro (HTML). */
int mm_play_run(mm_turn *t, const long long *ids, int n, const char *intro);
/* 1 when the player has no run under way; 0 when they have (and were told
 * how to go on or stop it); -1. */
int mm_play_idle(mm_turn *t);
int mm_play_ready(mm_turn *t);
int mm_play_answer(mm_turn *t);
int mm_play_timeout(mm_turn *t);
int mm_play_cancel(mm_turn *t);
int mm_play_report(mm_turn *t);
int mm_board_show(mm_turn *t);
int mm_wallet_show(mm_turn *t);
int mm_wallet_history(mm_turn *t);
int mm_wallet_withdraw(mm_turn *t, const char *args);
int mm_wallet_button(mm_turn *t);
int mm_wallet_done(mm_turn *t);
int mm_board_stats(mm_turn *t);

/* groups (bot/mm_group.c) */
int mm_group_member(mm_turn *t);        /* my_chat_member: the bot added, promoted, removed */
int mm_group_seen(mm_turn *t);          /* a group's message: its row exists */
#define MM_ADMIN_UNKNOWN 2              /* Telegram gave no admin list, and none is kept */
/* Whether user is an admin of group chat now (the list read again when 10
 * minutes old): 1, 0, MM_ADMIN_UNKNOWN, -1. */
int mm_group_admin(mm_turn *t, int64_t chat, int64_t user);
/* 1 the first time (chat, user, what) is asked (say it), then 0; -1. */
int mm_group_notice_once(mm_turn *t, int64_t chat, int64_t user, const char *what);

/* the quiz wizard (bot/mm_wizard.c) */
int mm_wizard_command(mm_turn *t, const char *args);    /* /createquiz */
int mm_wizard_link(mm_turn *t, const char *group);      /* start=create_<group> */
int mm_wizard_button(mm_turn *t, const char *rest);     /* w:<nonce>:<value> */
/* A typed answer: 1 taken by the wizard, 0 no wizard under way, -1. */
int mm_wizard_text(mm_turn *t);
/* /cancel: 1 a wizard was cancelled, 0 none under way, -1. */
int mm_wizard_cancel(mm_turn *t);
/* The engine made `made` questions for the user's draft quiz (0: why). */
int mm_wizard_made(mm_turn *t, int64_t user, long long quiz, int made, const char *why);
/* A paid quiz's funding ended: live, or not (note says why, and the
 * wizard goes back to the amount). */
int mm_wizard_funded(mm_turn *t, int64_t user, long long quiz, int live, const char *note);

/* group quizzes (bot/mm_quiz.c, bot/mm_quiz_end.c) */
/* A draft with questions goes live, its card into the group: 1, 0 when it
 * is not such a draft (any more), -1. */
int mm_quiz_announce(mm_turn *t, long long quiz, int64_t by);
int mm_quiz_link(mm_turn *t, const char *id);           /* start=quiz_<id> */
int mm_quiz_start(mm_turn *t, const char *rest);        /* 🚀 Start */
int mm_quiz_board(mm_turn *t, const char *rest);        /* 🏆 under the card */
int mm_quiz_end_button(mm_turn *t, const char *rest);
int mm_quiz_cancel_button(mm_turn *t, const char *rest);
int mm_quiz_end_command(mm_turn *t, const char *args);  /* /endquiz [id] */
int mm_quiz_mine(mm_turn *t, const char *args);         /* /myquizzes */
int mm_quiz_made(mm_turn *t);                           /* timers */
int mm_quiz_opens(mm_turn *t);
int mm_quiz_card(mm_turn *t);
int mm_quiz_ends(mm_turn *t);
/* Cancels a quiz not yet over, its money handled: a funding never signed
 * is dropped, a pool already in goes back to its creator, one on its way
 * waits (said).  1 cancelled, 0 not now, -1. */
int mm_quiz_cancel(mm_turn *t, long long quiz, const char *why);

/* paid quizzes (bot/mm_quiz_prize.c) */
/* ✅ Create of a paid draft: funding asked of the chain thread (1), 0 when
 * it is not such a draft, -1. */
int mm_quiz_fund(mm_turn *t, long long quiz, int64_t by);
int mm_quiz_funded(mm_turn *t);                         /* timers */
int mm_quiz_fund_expired(mm_turn *t);
int mm_quiz_payout_done(mm_turn *t);

/* Drops the player's cached profile now and again after COMMIT. */
void mm_profile_forget(mm_turn *t, int64_t user);

/* Records a failed statement in t->err; returns -1 for `return mm_fail(...)`. */
int mm_fail(mm_turn *t, const char *what);

#endif /* MM_BOT_H */
