/*
 * A Telegram update (or one of our own timer events) as the bot needs it:
 * what kind, which chat and user, the text or button data.  Parsing is
 * pure; the router and every handler go through it.
 */

#ifndef MM_UPDATE_H
#define MM_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef enum {
    MM_UPD_OTHER = 0,       /* kinds the bot ignores */
    MM_UPD_MESSAGE,
    MM_UPD_CALLBACK,
    MM_UPD_POLL_ANSWER,
    MM_UPD_TIMER,           /* one of our timers (sched/), from its own stream field */
    MM_UPD_MEMBER,          /* my_chat_member: the bot added, promoted or removed */
} mm_update_kind;

typedef struct mm_update {
    mm_update_kind kind;
    int64_t update_id;          /* -1 for timers */
    int64_t chat_id;            /* 0 when the update has no chat */
    int is_private;
    const char *chat_title;     /* groups' */
    const char *chat_type;      /* private | group | supergroup | channel */
    int64_t user_id;
    const char *first_name;     /* these point into root */
    const char *username;
    const char *language_code;
    const char *text;           /* message text */
    int64_t message_id;         /* the message, or the one a button sat on */
    const char *callback_id;
    const char *callback_data;
    const char *member_status;  /* MM_UPD_MEMBER: the bot's new status */
    int member_can_pin;         /* and whether it may pin messages */
    json_t *timer;              /* a timer's object: kind, chat_id, its payload */
    json_t *root;               /* owned */
} mm_update;

/* A Telegram update: 0 on success; -1 with a reason for anything that is
 * not a JSON object with a usable update_id, or that carries a member the
 * edge refuses (a top-level name starting with "mm_": internal events do
 * not travel as updates). */
int mm_update_parse(const char *json, size_t len, mm_update *u, char *err, size_t errlen);

/* One of our timers as sched/ wrote it into the stream's timer field
 * ({"kind", "chat_id", …payload}): 0, or -1 with a reason. */
int mm_update_parse_timer(const char *json, size_t len, mm_update *u, char *err,
                          size_t errlen);
void mm_update_free(mm_update *u);

/* The key updates are ordered by: the chat, else the user, else 0. */
int64_t mm_update_order_key(const mm_update *u);

/* Partition of an order key among n (stable, also for negative chat ids). */
int mm_partition_of(int64_t key, int n);

typedef struct mm_command {
    char name[33];              /* lowercase, without '/' */
    const char *args;           /* after the command and spaces; "" if none */
    int addressed;              /* 1 /cmd@us, 0 plain /cmd, -1 /cmd@another_bot */
} mm_command;

/* 0 if text starts with a bot command, -1 otherwise. */
int mm_command_parse(const char *text, const char *bot_username, mm_command *cmd);

#endif /* MM_UPDATE_H */
