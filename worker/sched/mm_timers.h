/*
 * Durable timers (question timeouts, a quiz's end, the ends of jobs): rows
 * in PostgreSQL with a due time.  Whichever worker is alive fires what is
 * due by appending a timer entry (with its row's timer_id) to the chat's
 * partition stream — so a timer is handled in order with the chat's
 * updates — and making the row due again MM_TIMER_RETRY_S later.  The
 * handler's transaction deletes the row (mm_consumer), so the row goes
 * only with the handling's effects: a handler that keeps failing (its entry
 * dead-lettered) or a lost entry is fired again, never forgotten.  A timer
 * may so fire twice; handlers check the state they act on, so it takes
 * effect once.
 */

#ifndef MM_TIMERS_H
#define MM_TIMERS_H

/* Timer kinds: the kind column of a timer row, and how the bot's timer
 * table (bot/mm_bot.c) finds the handler. */
#define MM_TIMER_Q_TIMEOUT      "q_timeout"     /* {"session","seq","user_id"} */
#define MM_TIMER_QUIZ_READY     "quiz_ready"    /* {"job"}: a generation job ended */
#define MM_TIMER_CHAIN_DONE     "chain_done"    /* {"job"}: a chain job ended */
#define MM_TIMER_QUIZ_MADE      "quiz_made"     /* {"job"}: a group quiz's questions are made */
#define MM_TIMER_QUIZ_START     "quiz_start"    /* {"quiz"}: a scheduled quiz opens */
#define MM_TIMER_QUIZ_END       "quiz_end"      /* {"quiz"}: a quiz ends: ranking, results */
#define MM_TIMER_QUIZ_CARD      "quiz_card"     /* {"quiz"}: its group card brought up to date */
#define MM_TIMER_PAYOUT_DONE    "payout_done"   /* {"payout"}: a payout with a notify_chat is final */
#define MM_TIMER_QUIZ_FUNDED    "quiz_fund"     /* {"job"}: a paid quiz's funding job ended */
#define MM_TIMER_QUIZ_FUND_END  "quiz_fund_end" /* {"quiz"}: an hour of funding is over */

#include "mm_loop.h"

/* The timer thread: fires what is due every 200 ms. */
void mm_timers_init(mm_loop *l, mm_ctx *ctx);

#endif /* MM_TIMERS_H */
