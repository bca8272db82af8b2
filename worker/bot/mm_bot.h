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

/* answerCallbackQuery for the update's button press (not durable: the
 * spinner is all it affects). */
void mm_reply_callback(mm_turn *t, const char *text);

/* An inline keyboard: rows of (text, callback_data or https URL) pairs. */
json_t *mm_keyboard(void);
void mm_keyboard_row(json_t *kb);
void mm_keyboard_button(json_t *kb, const char *text, const char *data);

/* --- flows --- */
int mm_play_start(mm_turn *t, const char *topic);
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

/* Drops the player's cached profile now and again after COMMIT. */
void mm_profile_forget(mm_turn *t, int64_t user);

/* Records a failed statement in t->err; returns -1 for `return mm_fail(...)`. */
int mm_fail(mm_turn *t, const char *what);

#endif /* MM_BOT_H */
