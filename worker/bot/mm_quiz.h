/*
 * Group quizzes inside the bot: what bot/mm_quiz.c (the card, the deep
 * link, attempts, ending early, /myquizzes) and bot/mm_quiz_end.c (the
 * end: ranking, points, results) share.  A quiz's life:
 *
 *   draft --announce--> scheduled --quiz_start--> active --quiz_end--> closed
 *     |   (✅ Create,       |                        |   (ranked, points given,
 *     |    or the CLI)      +--> cancelled           |    results posted; the
 *     +--> cancelled             (creator/admin)     |    paid quizzes add an
 *          (Back, /cancel,                           |    'ended' state before
 *           no questions)         /endquiz: its end timer due now
 *
 * Every change of state is one statement guarded by the state it leaves
 * (WHERE status = …), inside the turn's transaction with the messages it
 * causes: a timer fired twice or two workers racing change it once.
 */

#ifndef MM_QUIZ_H
#define MM_QUIZ_H

#include "bot/mm_bot.h"
#include "quiz/mm_question.h"

typedef struct mm_quiz {
    long long id;
    int64_t chat, creator;
    char topic[MM_Q_TOPIC_MAX];
    char title[130];                /* the group's */
    char creator_name[130];
    char status[16];
    int count, seconds, players, made;
    long long starts_ms, ends_ms;   /* 0 until announced */
    long long card_message;         /* 0 until the card is sent */
    int pinned, can_pin;
    /* a paid quiz's (prize_token "" for a free one) */
    char prize_token[72];           /* NEAR or the NEP-141 contract */
    char prize_symbol[16];
    int prize_decimals;
    char prize_amount[48];          /* the pool, base units */
    char prize_split[600];          /* JSON array of each rank's base units */
    char fee[48];
    int members_only;
    long long results_message;      /* the group's ranking message, once sent */
} mm_quiz;

/* Quiz id (locked with lock != 0): 1 with *q, 0 none, -1 with t->err. */
int mm_quiz_load(mm_turn *t, long long id, int lock, mm_quiz *q);

/* The card in the group, and its buttons (▶️ Play while it can be played,
 * 🏆 the ranking). */
void mm_quiz_card_html(mm_turn *t, const mm_quiz *q, mm_buf *b);
json_t *mm_quiz_card_keyboard(mm_turn *t, const mm_quiz *q);

/* An update of the card, at_least_ms from now and 30 s after the last. */
int mm_quiz_card_soon(mm_turn *t, long long quiz, int at_least_ms);

/* The ranking's top 10 and viewer's own place, as HTML (html != 0) or
 * plain text (a button's alert); 0 or -1. */
int mm_quiz_ranking(mm_turn *t, const mm_quiz *q, int64_t viewer, int html, mm_buf *b);

/* The group's ranking message again, as prizes are paid (its prize lines). */
int mm_quiz_results_edit(mm_turn *t, const mm_quiz *q);

/* --- a paid quiz's money (bot/mm_quiz_prize.c) --- */

/* "1.5 NEAR": base units of q's token, as HTML. */
void mm_quiz_units_html(const mm_quiz *q, const char *units, mm_buf *b);

/* At the end, in its transaction: the eligible winners' prize rows and the
 * refund of what no one takes; wallets opened for winners without one. */
int mm_quiz_prizes(mm_turn *t, const mm_quiz *q);

/* "💰 Prizes" lines: each winner's amount, ✅ paid, ⏳ on its way, ⚠️ failed. */
int mm_quiz_prize_lines(mm_turn *t, const mm_quiz *q, mm_buf *b);

#endif /* MM_QUIZ_H */
