/*
 * Durable timers (question timeouts, the ends of generation and chain
 * jobs): rows in PostgreSQL with a due time.  Whichever worker is alive fires what is due by
 * appending a {"mm_timer":…} entry to the chat's partition stream — so a
 * timer is handled in order with the chat's updates — and deleting the
 * row in the same transaction.  A crash between the two fires it again;
 * handlers check the state they act on, so it takes effect once.
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

#include "mm_loop.h"

/* The timer thread: fires what is due every 200 ms. */
void mm_timers_init(mm_loop *l, mm_ctx *ctx);

#endif /* MM_TIMERS_H */
