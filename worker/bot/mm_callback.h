/*
 * Callback data: what an inline button carries back to us.  Telegram
 * allows 1-64 bytes; ours are a prefix naming the flow and colon-separated
 * numbers.  Producers build them with the formatters below and the
 * dispatch table (bot/mm_bot.c) routes on the same prefixes, so a prefix
 * is spelled once.
 *
 *   a:<session>:<seq>:<nonce>:<shown>   an answer button (bound to one delivery)
 *   r:<session>:<seq>                   🚩 report the question
 *   x:ok|no:<withdrawal>:<nonce>        confirm or cancel a withdrawal
 *   p:<topic>                           play a topic
 *   m:play m:board m:stats m:help       the main menu
 *   w:<nonce>:<value>                   a choice in the quiz wizard's step on screen
 *   q:s|b|e|c:<quiz>                    a quiz: start my attempt, its ranking, end it
 *                                       now, cancel it (the last two its creator's)
 */

#ifndef MM_CALLBACK_H
#define MM_CALLBACK_H

#include <stddef.h>
#include <stdint.h>

#define MM_CB_ANSWER        "a:"
#define MM_CB_REPORT        "r:"
#define MM_CB_WITHDRAW      "x:"
#define MM_CB_TOPIC         "p:"
#define MM_CB_MENU_PLAY     "m:play"
#define MM_CB_MENU_BOARD    "m:board"
#define MM_CB_MENU_STATS    "m:stats"
#define MM_CB_MENU_HELP     "m:help"
#define MM_CB_WIZARD        "w:"
#define MM_CB_QUIZ_START    "q:s:"
#define MM_CB_QUIZ_BOARD    "q:b:"
#define MM_CB_QUIZ_END      "q:e:"
#define MM_CB_QUIZ_CANCEL   "q:c:"

#define MM_CB_MAX           65          /* 64 bytes and the NUL */

/* After prefix, exactly n colon-separated non-negative decimal integers
 * into v[]; 0, or -1 for anything else. */
int mm_callback_numbers(const char *data, const char *prefix, long long *v, int n);

/* a:<session>:<seq>:<nonce>:<shown> */
void mm_callback_answer(char out[MM_CB_MAX], long long session, int seq, uint32_t nonce,
                        int shown);
int mm_callback_answer_parse(const char *data, int64_t *session, int *seq, uint32_t *nonce,
                             int *shown);

/* r:<session>:<seq> */
void mm_callback_report(char out[MM_CB_MAX], long long session, int seq);
int mm_callback_report_parse(const char *data, long long *session, int *seq);

/* x:ok:<withdrawal>:<nonce> (confirm != 0) or x:no:… */
void mm_callback_withdraw(char out[MM_CB_MAX], int confirm, long long id, uint32_t nonce);
int mm_callback_withdraw_parse(const char *data, int *confirm, long long *id, uint32_t *nonce);

/* p:<topic>, the topic cut at a UTF-8 boundary to fit */
void mm_callback_topic(char out[MM_CB_MAX], const char *topic);

/* <prefix><id>, and back: 0 with *id, or -1 */
void mm_callback_id(char out[MM_CB_MAX], const char *prefix, long long id);
int mm_callback_id_parse(const char *data, const char *prefix, long long *id);

/* w:<nonce>:<value>, the value cut at a UTF-8 boundary to fit; parsed
 * back into *nonce and the value (pointing into data): 0, or -1 */
void mm_callback_wizard(char out[MM_CB_MAX], uint32_t nonce, const char *value);
int mm_callback_wizard_parse(const char *data, uint32_t *nonce, const char **value);

#endif /* MM_CALLBACK_H */
