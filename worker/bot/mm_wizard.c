/*
 * The quiz wizard, in the creator's private chat: a table of steps, each
 * a question with buttons, a typed answer accepted as well, Back and
 * Cancel.  Its state is a row (wizards: the step, the answers so far as
 * JSON, the nonce of the buttons on screen), so a restarted worker
 * carries on, and a button acts once: a press whose nonce is not the
 * row's (a double press, an old message) changes nothing.
 *
 *   group? -> topic -> notes -> count -> seconds -> start -> duration -> type
 *     [paid: -> token -> amount -> split (-> custom) -> members]
 *     -> making (the engine writes the questions: a "quiz" job, then a
 *        quiz_made timer) -> summary -> ✅ Create: announced in the group
 *        [paid: -> funding (a "fund" chain job moves the pool from the
 *         creator's wallet; announced once the network confirmed it)]
 *
 * /createquiz in a group (its admins only) links here with
 * start=create_<group>; in private chat it asks which group first.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "bank/mm_bank.h"
#include "bot/mm_bot.h"
#include "bot/mm_callback.h"
#include "chain/mm_chain_config.h"
#include "engine/mm_engine.h"
#include "engine/mm_jobs.h"
#include "mm_buf.h"
#include "mm_member.h"
#include "mm_utf8.h"
#include "quiz/mm_prize.h"
#include "quiz/mm_when.h"
#include "sched/mm_budget.h"
#include "telegram/mm_html.h"

#define MM_NOTES_MAX        2000        /* characters */
#define MM_WEEK_S           (7 * 86400)
#define MM_QUIZZES_PER_HOUR 5
#define MM_WIZ_BACK         "!back"     /* button values no typed answer or topic has */
#define MM_WIZ_CANCEL       "!cancel"

typedef struct mm_wizard {
    int64_t user, chat;                 /* the creator, the group */
    char title[130];                    /* the group's */
    const struct mm_step *step;
    json_t *data;                       /* the answers so far; owned */
    uint32_t nonce;
    long long quiz;                     /* the draft, once questions are being made */
    const char *jump;                   /* set by an answer: the step after it, if not next */
} mm_wizard;

typedef struct mm_choice {
    const char *label, *value;
} mm_choice;

/* An answer (typed != 0: as text) for the step: 1 taken into w->data, 0
 * refused with why (HTML), -1 with t->err. */
typedef int (*mm_accept_fn)(mm_turn *t, mm_wizard *w, const char *value, int typed,
                            mm_buf *why);

typedef struct mm_step {
    const char *name;
    const char *back;                   /* the step Back returns to; NULL: no Back */
    const char *next;
    void (*prompt)(mm_turn *t, const mm_wizard *w, mm_buf *b);
    const mm_choice *choices;           /* fixed buttons, one row, or NULL */
    int (*buttons)(mm_turn *t, const mm_wizard *w, json_t *kb);    /* or made here */
    mm_accept_fn accept;                /* NULL: typed answers are not expected */
} mm_step;

static const mm_step *mm_step_find(const char *name);
static void mm_prize_summary(mm_turn *t, const mm_wizard *w, mm_buf *b);

/* --- the answers --- */

static const char *mm_data_str(const mm_wizard *w, const char *key) {
    const char *v = json_string_value(json_object_get(w->data, key));
    return v ? v : "";
}

static long long mm_data_ll(const mm_wizard *w, const char *key, long long dflt) {
    json_t *v = json_object_get(w->data, key);
    return json_is_integer(v) ? (long long) json_integer_value(v) : dflt;
}

static void mm_data_set_ll(mm_wizard *w, const char *key, long long v) {
    json_object_set_new(w->data, key, json_integer(v));
}

static void mm_data_set_str(mm_wizard *w, const char *key, const char *v) {
    json_object_set_new(w->data, key, json_string(v));
}

/* --- the steps' questions --- */

static void mm_prompt_head(const mm_wizard *w, mm_buf *b) {
    mm_buf_adds(b, "🛠 <b>New quiz");
    if (w->title[0]) {
        mm_buf_adds(b, " for ");
        mm_html_add(b, w->title);
    }
    mm_buf_adds(b, "</b>\n\n");
}

static void mm_prompt_group(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_adds(b, "Which group is it for? These are the groups where you're an admin and I'm "
                   "a member:");
}

static void mm_prompt_topic(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    mm_prompt_head(w, b);
    mm_buf_adds(b, "<b>1.</b> What is it about? Type a topic");
    mm_buf_adds(b, mm_engine_can_generate(t->ctx->engine)
                       ? " (e.g. <code>volcanoes</code>), or pick one:"
                       : ", or pick one of the topics I have questions on:");
}

static void mm_prompt_notes(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_printf(b, "<b>2.</b> Any notes for the questions — the level, what to focus on? "
                     "Type them (at most %d characters), or Skip.", MM_NOTES_MAX);
}

static void mm_prompt_count(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_printf(b, "<b>3.</b> How many questions? Pick, or type a number from 1 to %d.",
                  MM_QUIZ_QUESTIONS_MAX);
}

static void mm_prompt_seconds(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_adds(b, "<b>4.</b> Seconds per question? Pick, or type 10 to 300.");
}

static void mm_prompt_start(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_adds(b, "<b>5.</b> When does it open? Now, or type a time in UTC like "
                   "<code>18:30</code> or <code>2026-12-24 18:30</code>, or a delay like "
                   "<code>in 45 min</code>.");
}

static void mm_prompt_duration(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_adds(b, "<b>6.</b> How long does it stay open? Pick, or type e.g. <code>45 min</code>, "
                   "<code>3 h</code>, <code>2 d</code> (at most 7 days).");
}

static void mm_prompt_type(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    mm_prompt_head(w, b);
    if (t->ctx->cfg.chain.enabled)
        mm_buf_adds(b, "<b>7.</b> Free (players play for points), or with a prize pool in NEAR "
                       "or a token, paid to the winners from your bot wallet?");
    else
        mm_buf_adds(b, "<b>7.</b> Free, or with a prize? Prizes need NEAR wallets, which this "
                       "bot does not offer: this one is free — players play for points.");
}

static void mm_prompt_token(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_adds(b, "💰 <b>The prize.</b> In which token?");
}

static void mm_prompt_amount(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_adds(b, "💰 How much in all, in ");
    mm_html_add(b, mm_data_str(w, "symbol"));
    mm_buf_adds(b, "? Type the amount (e.g. <code>1.5</code>). It comes from your bot wallet when "
                   "you create the quiz (/wallet shows its address, to top it up).");
}

static void mm_prompt_split(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_adds(b, "🏆 How is it shared among the winners?");
}

static void mm_prompt_custom(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_printf(b, "🏆 Type the shares, rank 1 first (up to %d): percentages like "
                     "<code>60%% 25%% 15%%</code>, or amounts in ", MM_PRIZE_RANKS_MAX);
    mm_html_add(b, mm_data_str(w, "symbol"));
    mm_buf_adds(b, " adding up to the prize, like <code>0.6, 0.25, 0.15</code>.");
}

static void mm_prompt_members(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_adds(b, "👥 May only players still in the group when it ends win a prize?");
}

static void mm_prompt_funding(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_adds(b, "💸 Moving the prize pool from your wallet… The quiz goes live in the group as "
                   "soon as the network confirms it.");
}

static void mm_prompt_making(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    (void) t;
    mm_prompt_head(w, b);
    mm_buf_printf(b, "🧠 Making %lld questions on “", mm_data_ll(w, "count", 0));
    mm_html_add(b, mm_data_str(w, "topic"));
    mm_buf_adds(b, "”… The summary comes here in a moment.");
}

/* The start as chosen: "now", "10 min after it is created" or the time. */
static void mm_start_html(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    long long at = mm_data_ll(w, "starts_at_ms", -1), delay = mm_data_ll(w, "delay_s", 0);

    if (at >= 0)
        mm_when_html(b, at, t->received_at_ms);
    else if (delay == 0)
        mm_buf_adds(b, "as soon as you create it");
    else {
        mm_when_span(b, delay);
        mm_buf_adds(b, " after you create it");
    }
}

static void mm_prompt_summary(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    const char *notes = mm_data_str(w, "notes");

    mm_prompt_head(w, b);
    mm_buf_adds(b, "📋 <b>Summary</b>\nTopic: ");
    mm_html_add(b, mm_data_str(w, "topic"));
    if (*notes) {
        char cut[160];
        mm_utf8_copy(cut, sizeof(cut), notes);
        mm_buf_adds(b, "\nNotes: <i>");
        mm_html_add(b, cut);
        mm_buf_adds(b, strlen(cut) < strlen(notes) ? "…</i>" : "</i>");
    }
    mm_buf_printf(b, "\nQuestions: %lld", mm_data_ll(w, "made", mm_data_ll(w, "count", 0)));
    if (mm_data_ll(w, "made", 0) && mm_data_ll(w, "made", 0) < mm_data_ll(w, "count", 0))
        mm_buf_printf(b, " (of the %lld asked: I could make no more)", mm_data_ll(w, "count", 0));
    mm_buf_printf(b, ", %lld s each\nOpens: ", mm_data_ll(w, "seconds", 0));
    mm_start_html(t, w, b);
    mm_buf_adds(b, "\nOpen for: ");
    mm_when_span(b, mm_data_ll(w, "duration_s", 0));
    if (strcmp(mm_data_str(w, "type"), "paid")) {
        mm_buf_adds(b, "\nPrize: none (free, for points)\n\nCreate it to announce it in the group.");
        return;
    }
    mm_prize_summary(t, w, b);
}

/* "1.5 NEAR" */
static void mm_units_html(const mm_wizard *w, const char *units, mm_buf *b) {
    char shown[64];

    mm_amount_format(units, (int) mm_data_ll(w, "decimals", 0), shown);
    mm_buf_adds(b, shown);
    mm_buf_adds(b, " ");
    mm_html_add(b, mm_data_str(w, "symbol"));
}

/* The prize as the summary shows it: each rank's amount, the fee, the total
 * taken from the creator's wallet. */
static void mm_prize_summary(mm_turn *t, const mm_wizard *w, mm_buf *b) {
    static const char *medals[] = { "🥇", "🥈", "🥉" };
    json_t *split = json_object_get(w->data, "split"), *v;
    char total[MM_UNITS_MAX];
    size_t i;

    (void) t;
    mm_buf_adds(b, "\nPrize: ");
    mm_units_html(w, mm_data_str(w, "pool"), b);
    json_array_foreach(split, i, v) {
        if (i < 3)
            mm_buf_printf(b, "%s%s ", i ? " · " : " — ", medals[i]);
        else
            mm_buf_printf(b, " · #%zu ", i + 1);
        mm_units_html(w, json_string_value(v), b);
    }
    if (strcmp(mm_data_str(w, "fee"), "0")) {
        mm_buf_adds(b, "\nService fee: ");
        mm_units_html(w, mm_data_str(w, "fee"), b);
    }
    if (mm_units_add(mm_data_str(w, "pool"), mm_data_str(w, "fee"), total) == 0) {
        mm_buf_adds(b, "\nFrom your wallet: ");
        mm_units_html(w, total, b);
        mm_buf_adds(b, ", when you create it");
    }
    mm_buf_adds(b, json_is_true(json_object_get(w->data, "members"))
                       ? "\nWinners: players still in the group when it ends"
                       : "\nWinners: any player");
    mm_buf_adds(b, "\nA rank no eligible player takes goes back to your wallet.\n\n"
                   "Create it to fund the prize and announce the quiz in the group.");
}

/* --- the steps' answers --- */

static int mm_why(mm_buf *why, const char *html) {
    mm_buf_adds(why, html);
    return 0;
}

static int mm_accept_group(mm_turn *t, mm_wizard *w, const char *value, int typed,
                           mm_buf *why) {
    char *end;
    long long chat = strtoll(value, &end, 10);
    mm_params p;
    PGresult *res;
    int rc;

    if (typed || *end || chat >= 0)
        return mm_why(why, "Pick the group with the buttons above.");
    if ((rc = mm_group_admin(t, chat, w->user)) < 0)
        return -1;
    if (rc != 1)
        return mm_why(why, "You're not an admin of that group (any more), so you can't create "
                           "its quizzes.");
    mm_params_init(&p, MM_SQL_GROUP_GET);
    mm_param_ll(&p, chat);
    if ((rc = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "group");
    if (rc) {
        mm_utf8_copy(w->title, sizeof(w->title), mm_col_str(res, 0, MM_GROUP_TITLE));
        PQclear(res);
    }
    w->chat = chat;
    return 1;
}

static int mm_accept_topic(mm_turn *t, mm_wizard *w, const char *value, int typed,
                           mm_buf *why) {
    char topic[MM_Q_TOPIC_MAX], topics[MM_MAX_TOPICS][MM_Q_TOPIC_MAX], word[128];
    int n, known;

    (void) typed;
    if (mm_topic_slug(value, topic, sizeof(topic)) == 0)
        return mm_why(why, "Type a topic with letters or digits, e.g. <code>volcanoes</code>.");
    if ((n = mm_bank_topics(t->db, t->redis, topics, MM_MAX_TOPICS)) < 0)
        return mm_fail(t, "topics");
    known = !strcmp(topic, MM_TOPIC_MIX);
    for (int i = 0; i < n; i++)
        known |= !strcmp(topic, topics[i]);
    if (!known && !mm_engine_can_generate(t->ctx->engine)) {
        mm_buf_adds(why, "I can only make quizzes on the topics I have questions on: ");
        for (int i = 0; i < n; i++) {
            mm_buf_adds(why, i ? ", <code>" : "<code>");
            mm_html_add(why, topics[i]);
            mm_buf_adds(why, "</code>");
        }
        mm_buf_adds(why, ".");
        return 0;
    }
    if (mm_engine_blocked(t->ctx->engine, topic, word, sizeof(word)))
        return mm_why(why, "I can't make a quiz on that topic. Try another one.");
    mm_data_set_str(w, "topic", topic);
    return 1;
}

static int mm_accept_notes(mm_turn *t, mm_wizard *w, const char *value, int typed,
                           mm_buf *why) {
    size_t n = typed ? mm_utf8_len(value) : 0;

    (void) t;
    if (n > MM_NOTES_MAX) {
        mm_buf_printf(why, "That's %zu characters; notes can have at most %d. Shorten them, or "
                           "Skip.", n, MM_NOTES_MAX);
        return 0;
    }
    mm_data_set_str(w, "notes", typed ? value : "");
    return 1;
}

/* A whole number in [lo, hi] or -1. */
static long long mm_number(const char *s, long long lo, long long hi) {
    char *end;
    long long v;

    while (*s == ' ')
        s++;
    v = strtoll(s, &end, 10);
    while (*end == ' ')
        end++;
    return end == s || *end || v < lo || v > hi ? -1 : v;
}

static int mm_accept_count(mm_turn *t, mm_wizard *w, const char *value, int typed,
                           mm_buf *why) {
    long long n = mm_number(value, 1, MM_QUIZ_QUESTIONS_MAX);

    (void) t;
    (void) typed;
    if (n < 0) {
        mm_buf_printf(why, "Type a number of questions from 1 to %d.", MM_QUIZ_QUESTIONS_MAX);
        return 0;
    }
    mm_data_set_ll(w, "count", n);
    return 1;
}

static int mm_accept_seconds(mm_turn *t, mm_wizard *w, const char *value, int typed,
                             mm_buf *why) {
    long long n = mm_number(value, 10, 300);

    (void) t;
    (void) typed;
    if (n < 0)
        return mm_why(why, "Type the seconds per question, from 10 to 300.");
    mm_data_set_ll(w, "seconds", n);
    return 1;
}

static int mm_accept_start(mm_turn *t, mm_wizard *w, const char *value, int typed,
                           mm_buf *why) {
    long long delay, at;

    (void) typed;
    if (mm_when_start_parse(value, t->received_at_ms, &delay, &at)
        || (at >= 0 && at <= t->received_at_ms)) {
        return mm_why(why, "Type a start time in UTC like <code>18:30</code> or "
                           "<code>2026-12-24 18:30</code> (in the future), or a delay like "
                           "<code>in 45 min</code> — or press Now.");
    }
    if (delay > MM_WEEK_S || (at >= 0 && at - t->received_at_ms > MM_WEEK_S * 1000LL))
        return mm_why(why, "A quiz can open at most 7 days from now.");
    json_object_del(w->data, "starts_at_ms");
    json_object_del(w->data, "delay_s");
    if (at >= 0)
        mm_data_set_ll(w, "starts_at_ms", at);
    else
        mm_data_set_ll(w, "delay_s", delay);
    return 1;
}

static int mm_accept_duration(mm_turn *t, mm_wizard *w, const char *value, int typed,
                              mm_buf *why) {
    long long s = mm_when_span_parse(value);
    long long play = mm_data_ll(w, "count", 1) * mm_data_ll(w, "seconds", 10);

    (void) t;
    (void) typed;
    if (s < 60 || s > MM_WEEK_S)
        return mm_why(why, "Type how long it stays open, like <code>45 min</code>, "
                           "<code>3 h</code> or <code>2 d</code> (1 minute to 7 days).");
    if (s < play) {
        mm_buf_adds(why, "Playing it takes up to ");
        mm_when_span(why, play);
        mm_buf_adds(why, " (questions × seconds); keep it open at least that long.");
        return 0;
    }
    mm_data_set_ll(w, "duration_s", s);
    return 1;
}

/* 1 when the creator may announce one more quiz now; 0 refused (why). */
static int mm_rate_room(mm_turn *t, int64_t user, mm_buf *why) {
    mm_params p;
    PGresult *res;
    int made, wait_s;

    mm_params_init(&p, MM_SQL_QUIZ_RATE);
    mm_param_ll(&p, user);
    if (mm_db_one(t->db, &p, &res) != 1)
        return mm_fail(t, "quiz rate");
    made = mm_col_int(res, 0, MM_RATE_COUNT);
    wait_s = mm_col_int(res, 0, MM_RATE_WAIT_S);
    PQclear(res);
    if (made < MM_QUIZZES_PER_HOUR)
        return 1;
    mm_buf_printf(why, "You've created %d quizzes in the last hour, the most for an hour. "
                       "You can create the next one in ", made);
    mm_when_span(why, wait_s > 0 ? wait_s : 60);
    mm_buf_adds(why, ".");
    return 0;
}

/* The draft (with its prize, if paid), and a job for the engine to make
 * its questions: 1, 0 refused (why), -1. */
static int mm_wizard_make(mm_turn *t, mm_wizard *w, mm_buf *why) {
    long long at = mm_data_ll(w, "starts_at_ms", -1);
    mm_params p;
    PGresult *res;
    int rc;

    if ((rc = mm_rate_room(t, w->user, why)) != 1)
        return rc;
    if ((rc = mm_budget_room(t->db, t->redis, &t->ctx->cfg, MM_BUDGET_GENERATIONS, 0)) != 1) {
        if (rc < 0)
            return mm_fail(t, "budget");
        return mm_why(why, "I've written as many quizzes today as I may. Try again tomorrow.");
    }
    mm_params_init(&p, MM_SQL_QUIZ_DRAFT);
    mm_param_ll(&p, w->chat);
    mm_param_ll(&p, w->user);
    mm_param_str(&p, mm_data_str(w, "topic"));
    mm_param_str(&p, mm_data_str(w, "notes"));
    mm_param_int(&p, (int) mm_data_ll(w, "count", 10));
    mm_param_int(&p, (int) mm_data_ll(w, "seconds", 30));
    if (at >= 0)
        mm_param_null(&p);
    else
        mm_param_ll(&p, mm_data_ll(w, "delay_s", 0));
    mm_param_ll(&p, mm_data_ll(w, "duration_s", 3600));
    if (at >= 0)
        mm_param_ll(&p, at);
    else
        mm_param_null(&p);
    mm_param_null(&p);
    if (mm_db_one(t->db, &p, &res) != 1)
        return mm_fail(t, "quiz draft");
    w->quiz = mm_col_ll(res, 0, 0);
    PQclear(res);
    json_object_del(w->data, "made");
    if (!strcmp(mm_data_str(w, "type"), "paid")) {
        char *split = json_dumps(json_object_get(w->data, "split"), JSON_COMPACT);
        mm_params_init(&p, MM_SQL_QUIZ_PRIZE_SET);
        mm_param_ll(&p, w->quiz);
        mm_param_str(&p, mm_data_str(w, "token"));
        mm_param_str(&p, mm_data_str(w, "symbol"));
        mm_param_int(&p, (int) mm_data_ll(w, "decimals", 0));
        mm_param_str(&p, mm_data_str(w, "pool"));
        mm_param_str(&p, split);
        mm_param_str(&p, mm_data_str(w, "split_name"));
        mm_param_str(&p, mm_data_str(w, "fee"));
        mm_param_bool(&p, json_is_true(json_object_get(w->data, "members")));
        rc = split ? mm_db_do(t->db, &p) : -1;
        free(split);
        if (rc)
            return mm_fail(t, "quiz prize");
    }
    if (mm_quiz_job_queue(t->db, w->quiz, w->user, t->u->chat_id) < 0)
        return mm_fail(t, "quiz job");
    return 1;
}

/* Free: the questions are made now; with a prize: its steps first. */
static int mm_accept_type(mm_turn *t, mm_wizard *w, const char *value, int typed,
                          mm_buf *why) {
    if (!typed && !strcmp(value, "paid") && t->ctx->cfg.chain.enabled) {
        mm_data_set_str(w, "type", "paid");
        w->jump = "token";
        return 1;
    }
    if (typed || strcmp(value, "free"))
        return mm_why(why, "Press a button to go on.");
    mm_data_set_str(w, "type", "free");
    return mm_wizard_make(t, w, why);
}

static int mm_accept_token(mm_turn *t, mm_wizard *w, const char *value, int typed,
                           mm_buf *why) {
    const mm_token *k = mm_chain_token(&t->ctx->cfg.chain, value);

    (void) typed;
    if (k == NULL)
        return mm_why(why, "Pick one of the tokens with the buttons.");
    mm_data_set_str(w, "symbol", k->symbol);
    mm_data_set_str(w, "token", k->contract[0] ? k->contract : "NEAR");
    mm_data_set_ll(w, "decimals", k->decimals);
    return 1;
}

static int mm_accept_amount(mm_turn *t, mm_wizard *w, const char *value, int typed,
                            mm_buf *why) {
    int decimals = (int) mm_data_ll(w, "decimals", 0);
    char units[48], fee[MM_UNITS_MAX], err[200], min[48];

    (void) typed;
    if (mm_amount_parse(value, decimals, units, err, sizeof(err))) {
        mm_buf_adds(why, "Type an amount like <code>1.5</code>: ");
        mm_html_add(why, err);
        return 0;
    }
    /* at least a hundredth of the token (of one unit, without decimals) */
    snprintf(min, sizeof(min), "1%.*s", decimals > 2 ? decimals - 2 : 0,
             "000000000000000000000000000000000000");
    if (strlen(units) < strlen(min) || (strlen(units) == strlen(min) && strcmp(units, min) < 0)) {
        mm_buf_adds(why, "A prize is at least ");
        mm_units_html(w, min, why);
        mm_buf_adds(why, ".");
        return 0;
    }
    if (mm_prize_fee(units, t->ctx->cfg.fee_bps, fee))
        return mm_why(why, "That amount is too large.");
    mm_data_set_str(w, "pool", units);
    mm_data_set_str(w, "fee", fee);
    return 1;
}

/* A share structure into data.split (the amount of each rank, rank 1 first). */
static int mm_split_store(mm_wizard *w, const char *name, char amounts[][MM_UNITS_MAX], int n) {
    json_t *split = json_array();

    for (int i = 0; i < n; i++)
        json_array_append_new(split, json_string(amounts[i]));
    json_object_set_new(w->data, "split", split);
    mm_data_set_str(w, "split_name", name);
    return 1;
}

static int mm_accept_split(mm_turn *t, mm_wizard *w, const char *value, int typed,
                           mm_buf *why) {
    char amounts[MM_PRIZE_RANKS_MAX][MM_UNITS_MAX], err[300];
    const mm_split *sp = mm_split_find(value);

    (void) t;
    if (!typed && !strcmp(value, "custom")) {
        w->jump = "custom";
        return 1;
    }
    if (typed || sp == NULL)
        return mm_why(why, "Pick how the prize is shared with the buttons (Custom to type it).");
    if (mm_prize_split(mm_data_str(w, "pool"), sp->bps, sp->n, amounts, err, sizeof(err))) {
        mm_buf_adds(why, err);
        mm_buf_adds(why, ". Pick another way, or go Back to raise the prize.");
        return 0;
    }
    return mm_split_store(w, sp->name, amounts, sp->n);
}

static int mm_accept_custom(mm_turn *t, mm_wizard *w, const char *value, int typed,
                            mm_buf *why) {
    char amounts[MM_PRIZE_RANKS_MAX][MM_UNITS_MAX], err[300];
    int n;

    (void) t;
    (void) typed;
    if (mm_prize_custom(value, mm_data_str(w, "pool"), (int) mm_data_ll(w, "decimals", 0), &n,
                        amounts, err, sizeof(err))) {
        mm_buf_adds(why, "Not quite: ");
        mm_buf_adds(why, err);
        mm_buf_adds(why, ".");
        return 0;
    }
    return mm_split_store(w, "custom", amounts, n);
}

static int mm_accept_members(mm_turn *t, mm_wizard *w, const char *value, int typed,
                             mm_buf *why) {
    if (typed || (strcmp(value, "yes") && strcmp(value, "no")))
        return mm_why(why, "Press Yes or No.");
    json_object_set_new(w->data, "members", json_boolean(!strcmp(value, "yes")));
    return mm_wizard_make(t, w, why);
}

/* ✅ Create: announced in the group (bot/mm_quiz.c); the wizard is done. */
static int mm_accept_create(mm_turn *t, mm_wizard *w, const char *value, int typed,
                            mm_buf *why) {
    int rc;

    if (typed || strcmp(value, "create"))
        return mm_why(why, "Press ✅ Create to announce it, or Back to change it.");
    if ((rc = mm_rate_room(t, w->user, why)) != 1)
        return rc;
    /* a wizard lives a day: an admin when the group was chosen may be one no more */
    if ((rc = mm_group_admin(t, w->chat, w->user)) != 1)
        return rc < 0 ? -1
             : mm_why(why, rc == MM_ADMIN_UNKNOWN
                               ? "I couldn't check the group's admins just now. Try again in a "
                                 "minute."
                               : "Only the group's admins can create its quizzes.");
    if (!strcmp(mm_data_str(w, "type"), "paid")) {
        /* announced once its pool is in (mm_wizard_funded) */
        if ((rc = mm_quiz_fund(t, w->quiz, w->user)) <= 0)
            return rc < 0 ? -1 : mm_why(why, "This quiz can no longer be created. Send "
                                             "/createquiz to start again.");
        w->jump = "funding";
        return 1;
    }
    if ((rc = mm_quiz_announce(t, w->quiz, w->user)) <= 0)
        return rc < 0 ? -1 : mm_why(why, "This quiz can no longer be created. Send /createquiz "
                                         "to start again.");
    return 1;
}

static const mm_choice mm_notes_choices[] = { { "Skip ⏭", "skip" }, { NULL, NULL } };
static const mm_choice mm_count_choices[] = {
    { "5", "5" }, { "10", "10" }, { "15", "15" }, { "20", "20" }, { NULL, NULL } };
static const mm_choice mm_seconds_choices[] = {
    { "15 s", "15" }, { "30 s", "30" }, { "60 s", "60" }, { NULL, NULL } };
static const mm_choice mm_start_choices[] = {
    { "▶️ Now", "now" }, { "In 10 min", "in 10 min" }, { "In 1 h", "in 1 h" }, { NULL, NULL } };
static const mm_choice mm_duration_choices[] = {
    { "10 min", "10 min" }, { "1 h", "1 h" }, { "24 h", "24 h" }, { NULL, NULL } };
static const mm_choice mm_members_choices[] = {
    { "👥 Yes, members only", "yes" }, { "No, anyone", "no" }, { NULL, NULL } };
static const mm_choice mm_create_choices[] = { { "✅ Create", "create" }, { NULL, NULL } };

static int mm_buttons_group(mm_turn *t, const mm_wizard *w, json_t *kb);
static int mm_buttons_topic(mm_turn *t, const mm_wizard *w, json_t *kb);
static int mm_buttons_type(mm_turn *t, const mm_wizard *w, json_t *kb);
static int mm_buttons_token(mm_turn *t, const mm_wizard *w, json_t *kb);
static int mm_buttons_split(mm_turn *t, const mm_wizard *w, json_t *kb);

static const mm_step mm_steps[] = {
    { "group", NULL, "topic", mm_prompt_group, NULL, mm_buttons_group, mm_accept_group },
    { "topic", NULL, "notes", mm_prompt_topic, NULL, mm_buttons_topic, mm_accept_topic },
    { "notes", "topic", "count", mm_prompt_notes, mm_notes_choices, NULL, mm_accept_notes },
    { "count", "notes", "seconds", mm_prompt_count, mm_count_choices, NULL, mm_accept_count },
    { "seconds", "count", "start", mm_prompt_seconds, mm_seconds_choices, NULL,
      mm_accept_seconds },
    { "start", "seconds", "duration", mm_prompt_start, mm_start_choices, NULL,
      mm_accept_start },
    { "duration", "start", "type", mm_prompt_duration, mm_duration_choices, NULL,
      mm_accept_duration },
    { "type", "duration", "making", mm_prompt_type, NULL, mm_buttons_type, mm_accept_type },
    { "token", "type", "amount", mm_prompt_token, NULL, mm_buttons_token, mm_accept_token },
    { "amount", "token", "split", mm_prompt_amount, NULL, NULL, mm_accept_amount },
    { "split", "amount", "members", mm_prompt_split, NULL, mm_buttons_split, mm_accept_split },
    { "custom", "split", "members", mm_prompt_custom, NULL, NULL, mm_accept_custom },
    { "members", "split", "making", mm_prompt_members, mm_members_choices, NULL,
      mm_accept_members },
    /* the engine's turn: its quiz_made timer moves on (mm_wizard_made) */
    { "making", "type", NULL, mm_prompt_making, NULL, NULL, NULL },
    { "summary", "type", NULL, mm_prompt_summary, mm_create_choices, NULL, mm_accept_create },
    /* the chain's turn: the pool's payout moves on (mm_wizard_funded) */
    { "funding", NULL, NULL, mm_prompt_funding, NULL, NULL, NULL },
};

static const mm_step *mm_step_find(const char *name) {
    for (size_t i = 0; name && i < sizeof(mm_steps) / sizeof(mm_steps[0]); i++)
        if (!strcmp(mm_steps[i].name, name))
            return &mm_steps[i];
    return NULL;
}

static int mm_buttons_group(mm_turn *t, const mm_wizard *w, json_t *kb) {
    char data[MM_CB_MAX], value[24];
    mm_params p;
    PGresult *res;
    int shown = 0;

    mm_params_init(&p, MM_SQL_GROUPS_FOR);
    mm_param_ll(&p, w->user);
    if ((res = mm_db_query(t->db, &p)) == NULL)
        return mm_fail(t, "groups");
    for (int i = 0; i < PQntuples(res); i++) {
        if (!mm_col_bool(res, i, MM_GROUPS_ADMIN))
            continue;
        snprintf(value, sizeof(value), "%lld", mm_col_ll(res, i, MM_GROUPS_CHAT));
        mm_callback_wizard(data, w->nonce, value);
        if (shown++)
            mm_keyboard_row(kb);
        mm_keyboard_button(kb, mm_col_str(res, i, MM_GROUPS_TITLE), data);
    }
    PQclear(res);
    return 0;
}

static int mm_buttons_type(mm_turn *t, const mm_wizard *w, json_t *kb) {
    char data[MM_CB_MAX];

    mm_callback_wizard(data, w->nonce, "free");
    mm_keyboard_button(kb, "🆓 Free", data);
    if (t->ctx->cfg.chain.enabled) {
        mm_callback_wizard(data, w->nonce, "paid");
        mm_keyboard_button(kb, "💰 With a prize", data);
    }
    return 0;
}

static int mm_buttons_token(mm_turn *t, const mm_wizard *w, json_t *kb) {
    const mm_chain_cfg *c = &t->ctx->cfg.chain;
    char data[MM_CB_MAX];

    for (int i = 0; i < c->ntokens; i++) {
        mm_callback_wizard(data, w->nonce, c->tokens[i].symbol);
        mm_keyboard_button(kb, c->tokens[i].symbol, data);
    }
    return 0;
}

static int mm_buttons_split(mm_turn *t, const mm_wizard *w, json_t *kb) {
    char data[MM_CB_MAX];
    const mm_split *sp;

    (void) t;
    for (int i = 0; (sp = mm_split_at(i)) != NULL; i++) {
        if (i)
            mm_keyboard_row(kb);
        mm_callback_wizard(data, w->nonce, sp->name);
        mm_keyboard_button(kb, sp->label, data);
    }
    mm_keyboard_row(kb);
    mm_callback_wizard(data, w->nonce, "custom");
    mm_keyboard_button(kb, "✏️ Custom", data);
    return 0;
}

static int mm_buttons_topic(mm_turn *t, const mm_wizard *w, json_t *kb) {
    char topics[MM_MAX_TOPICS][MM_Q_TOPIC_MAX], data[MM_CB_MAX];
    int n = mm_bank_topics(t->db, t->redis, topics, MM_MAX_TOPICS);

    if (n < 0)
        return mm_fail(t, "topics");
    for (int i = 0; i < n && i < 9; i++) {
        if (i && i % 3 == 0)
            mm_keyboard_row(kb);
        mm_callback_wizard(data, w->nonce, topics[i]);
        mm_keyboard_button(kb, topics[i], data);
    }
    return 0;
}

/* --- the row --- */

static void mm_wizard_free(mm_wizard *w) {
    json_decref(w->data);
    w->data = NULL;
}

/* The user's wizard: 1 (w filled), 0 none under way, -1. */
static int mm_wizard_load(mm_turn *t, int64_t user, mm_wizard *w) {
    mm_params p;
    PGresult *res;
    int found;

    memset(w, 0, sizeof(*w));
    mm_params_init(&p, MM_SQL_WIZARD_GET);
    mm_param_ll(&p, user);
    if ((found = mm_db_one(t->db, &p, &res)) <= 0)
        return found < 0 ? mm_fail(t, "wizard") : 0;
    w->user = user;
    w->chat = mm_col_ll(res, 0, MM_WIZ_CHAT);
    w->step = mm_step_find(mm_col_str(res, 0, MM_WIZ_STEP));
    w->data = json_loads(mm_col_str(res, 0, MM_WIZ_DATA), 0, NULL);
    w->nonce = (uint32_t) strtoul(mm_col_str(res, 0, MM_WIZ_NONCE), NULL, 10);
    w->quiz = mm_col_ll(res, 0, MM_WIZ_QUIZ);
    mm_utf8_copy(w->title, sizeof(w->title), mm_col_str(res, 0, MM_WIZ_TITLE));
    PQclear(res);
    if (w->step == NULL || !json_is_object(w->data)) {
        mm_wizard_free(w);
        return 0;       /* a step this version does not know: start again */
    }
    return 1;
}

static int mm_wizard_save(mm_turn *t, const mm_wizard *w) {
    char *data = json_dumps(w->data, JSON_COMPACT);
    mm_params p;
    int rc;

    if (data == NULL) {
        snprintf(t->err, sizeof(t->err), "out of memory saving a wizard");
        return -1;
    }
    mm_params_init(&p, MM_SQL_WIZARD_SET);
    mm_param_ll(&p, w->user);
    mm_param_ll(&p, w->chat);
    mm_param_str(&p, w->step->name);
    mm_param_str(&p, data);
    mm_param_ll(&p, w->nonce);
    if (w->quiz)
        mm_param_ll(&p, w->quiz);
    else
        mm_param_null(&p);
    rc = mm_db_do(t->db, &p);
    free(data);
    return rc ? mm_fail(t, "wizard") : 0;
}

/* Shows w's step, in place of message edit_id when given (a button was
 * pressed on it), else as a new message; above it, note (HTML) if any. */
static int mm_wizard_show(mm_turn *t, const mm_wizard *w, long long edit_id, const char *note) {
    char data[MM_CB_MAX];
    const mm_step *st = w->step;
    json_t *kb = mm_keyboard();
    long long rc;
    mm_buf b;

    mm_buf_init(&b);
    if (note) {
        mm_buf_adds(&b, note);
        mm_buf_adds(&b, "\n\n");
    }
    st->prompt(t, w, &b);
    for (int i = 0; st->choices && st->choices[i].label; i++) {
        mm_callback_wizard(data, w->nonce, st->choices[i].value);
        mm_keyboard_button(kb, st->choices[i].label, data);
    }
    if (st->buttons && st->buttons(t, w, kb)) {
        json_decref(kb);
        mm_buf_free(&b);
        return -1;
    }
    mm_keyboard_row(kb);
    if (st->back) {
        mm_callback_wizard(data, w->nonce, MM_WIZ_BACK);
        mm_keyboard_button(kb, "◀️ Back", data);
    }
    mm_callback_wizard(data, w->nonce, MM_WIZ_CANCEL);
    mm_keyboard_button(kb, "✖️ Cancel", data);
    if (b.oom) {
        json_decref(kb);
        mm_buf_free(&b);
        snprintf(t->err, sizeof(t->err), "out of memory showing the wizard");
        return -1;
    }
    rc = edit_id ? mm_reply_edit(t, w->user, edit_id, b.data, kb)
                 : mm_reply_html_to(t, w->user, b.data, kb);
    mm_buf_free(&b);
    return rc < 0 ? -1 : 0;
}

/* To step name with fresh buttons: saved, then shown. */
static int mm_wizard_goto(mm_turn *t, mm_wizard *w, const char *name, long long edit_id,
                          const char *note) {
    w->step = mm_step_find(name);
    w->nonce = randombytes_uniform(1000000000);
    if (mm_wizard_save(t, w))
        return -1;
    return mm_wizard_show(t, w, edit_id, note);
}

/* A draft given up (Back from its questions, Cancel): it is never
 * announced.  0 (none, or cancelled), 1 not now (its prize pool is on its
 * way: said), -1. */
static int mm_wizard_drop_draft(mm_turn *t, mm_wizard *w, const char *why) {
    int rc;

    if (!w->quiz)
        return 0;
    if ((rc = mm_quiz_cancel(t, w->quiz, why)) <= 0)
        return rc < 0 ? -1 : 1;
    w->quiz = 0;
    return 0;
}

static int mm_wizard_end(mm_turn *t, mm_wizard *w, long long edit_id, const char *html) {
    mm_params p;
    int rc;

    if ((rc = mm_wizard_drop_draft(t, w, "cancelled by its creator")) != 0)
        return rc < 0 ? -1 : 0;
    mm_params_init(&p, MM_SQL_WIZARD_DROP);
    mm_param_ll(&p, w->user);
    if (mm_db_do(t->db, &p))
        return mm_fail(t, "wizard");
    if (edit_id)
        return mm_reply_edit(t, w->user, edit_id, html, NULL) < 0 ? -1 : 0;
    return mm_reply_html_to(t, w->user, html, NULL) < 0 ? -1 : 0;
}

/* Announced: the wizard is done (the summary stays, without its buttons). */
static int mm_wizard_live(mm_turn *t, mm_wizard *w) {
    char link[160];
    mm_buf b;
    int rc;

    mm_buf_init(&b);
    mm_buf_adds(&b, "✅ <b>Your quiz is live");
    if (w->title[0]) {
        mm_buf_adds(&b, " in ");
        mm_html_add(&b, w->title);
    }
    snprintf(link, sizeof(link), "https://t.me/%s?start=quiz_%lld", t->ctx->bot_username,
             w->quiz);
    mm_buf_printf(&b, "!</b> Players open it from the group's card or this link:\n%s\n\n"
                      "See it, end it early or cancel it with /myquizzes.", link);
    w->quiz = 0;        /* announced: not a draft to drop */
    rc = mm_wizard_end(t, w, 0, b.data ? b.data : "");
    mm_buf_free(&b);
    return rc;
}

/* An answer to the step on screen, pressed (edit_id: its message) or typed. */
static int mm_wizard_answer(mm_turn *t, mm_wizard *w, const char *value, int typed,
                            long long edit_id) {
    const mm_step *st = w->step;
    mm_buf why;
    int rc;

    if (!typed && !strcmp(value, MM_WIZ_CANCEL))
        return mm_wizard_end(t, w, edit_id, "✖️ Quiz creation cancelled; nothing was "
                                            "announced.");
    if (!typed && !strcmp(value, MM_WIZ_BACK) && st->back) {
        if ((rc = mm_wizard_drop_draft(t, w, "changed by its creator")) != 0)
            return rc < 0 ? -1 : 0;
        return mm_wizard_goto(t, w, st->back, edit_id, NULL);
    }
    if (st->accept == NULL)
        return mm_reply_html_to(t, w->user, !strcmp(st->name, "funding")
                                    ? "⏳ The prize pool is on its way from your wallet — the "
                                      "quiz goes live as soon as it arrives."
                                    : "⏳ Still making the questions — the summary comes here "
                                      "in a moment.", NULL) < 0 ? -1 : 0;
    mm_buf_init(&why);
    if ((rc = st->accept(t, w, value, typed, &why)) <= 0) {
        /* refused: said, and the step stays as it is (its buttons too) */
        if (rc == 0)
            rc = mm_reply_html_to(t, w->user, why.data ? why.data : "", NULL) < 0 ? -1 : 0;
        mm_buf_free(&why);
        return rc;
    }
    mm_buf_free(&why);
    if (w->jump)
        return mm_wizard_goto(t, w, w->jump, typed ? 0 : edit_id, NULL);
    if (st->next == NULL)
        return mm_wizard_live(t, w);
    return mm_wizard_goto(t, w, st->next, typed ? 0 : edit_id, NULL);
}

/* --- entries --- */

/* A new wizard for user (any earlier one replaced), for group chat (0:
 * ask which group first). */
static int mm_wizard_begin(mm_turn *t, int64_t chat) {
    mm_wizard old, w;
    mm_buf why;
    int rc;

    if ((rc = mm_wizard_load(t, t->u->user_id, &old)) < 0)
        return -1;
    if (rc) {
        rc = mm_wizard_drop_draft(t, &old, "replaced by a new one");
        mm_wizard_free(&old);
        if (rc < 0)
            return -1;      /* (a pool on its way: that quiz goes live on its own) */
    }
    mm_buf_init(&why);
    if ((rc = mm_rate_room(t, t->u->user_id, &why)) != 1) {
        if (rc == 0)
            rc = mm_reply_html(t, why.data ? why.data : "", NULL) < 0 ? -1 : 0;
        mm_buf_free(&why);
        return rc;
    }
    mm_buf_free(&why);
    memset(&w, 0, sizeof(w));
    w.user = t->u->user_id;
    w.data = json_object();
    if (chat) {
        char value[24];
        snprintf(value, sizeof(value), "%lld", (long long) chat);
        mm_buf_init(&why);
        rc = mm_accept_group(t, &w, value, 0, &why);
        if (rc == 0)
            rc = mm_reply_html(t, why.data ? why.data : "", NULL) < 0 ? -1 : 0;
        else if (rc > 0)
            rc = mm_wizard_goto(t, &w, "topic", 0, NULL);
        mm_buf_free(&why);
    } else {
        rc = mm_wizard_goto(t, &w, "group", 0, NULL);
    }
    mm_wizard_free(&w);
    return rc;
}

/* The groups where the user is an admin (lists over 10 minutes old read
 * again): how many, the only one's id in *only; -1. */
static int mm_admin_groups(mm_turn *t, int64_t *only) {
    mm_params p;
    PGresult *res;
    int n = 0;

    mm_params_init(&p, MM_SQL_GROUPS_FOR);
    mm_param_ll(&p, t->u->user_id);
    if ((res = mm_db_query(t->db, &p)) == NULL)
        return mm_fail(t, "groups");
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t chat = mm_col_ll(res, i, MM_GROUPS_CHAT);
        int admin = mm_col_bool(res, i, MM_GROUPS_ADMIN);
        if (!mm_col_bool(res, i, MM_GROUPS_FRESH)
            && (admin = mm_group_admin(t, chat, t->u->user_id)) < 0) {
            PQclear(res);
            return -1;
        }
        if (admin == 1) {
            *only = chat;
            n++;
        }
    }
    PQclear(res);
    return n;
}

int mm_wizard_command(mm_turn *t, const char *args) {
    int64_t only = 0;
    char link[160];
    json_t *kb;
    int rc;

    (void) args;
    if (t->u->is_private) {
        if ((rc = mm_admin_groups(t, &only)) < 0)
            return -1;
        if (rc == 0)
            return mm_reply_html(t, "Quizzes are made for a group: add me to your group, then "
                                    "send /createquiz there (group admins only).",
                                 NULL) < 0 ? -1 : 0;
        return mm_wizard_begin(t, rc == 1 ? only : 0);
    }
    if (mm_group_seen(t))
        return -1;
    if ((rc = mm_group_admin(t, t->u->chat_id, t->u->user_id)) < 0)
        return -1;
    if (rc == MM_ADMIN_UNKNOWN)
        return mm_reply_html(t, "I couldn't check this group's admins just now. Try again in a "
                                "minute.", NULL) < 0 ? -1 : 0;
    if (rc == 0) {
        /* told once: a group is not spammed by everyone trying */
        if ((rc = mm_group_notice_once(t, t->u->chat_id, t->u->user_id, "not_admin")) <= 0)
            return rc;
        return mm_reply_html(t, "Only this group's admins can create its quizzes.",
                             NULL) < 0 ? -1 : 0;
    }
    snprintf(link, sizeof(link), "https://t.me/%s?start=create_%lld", t->ctx->bot_username,
             (long long) t->u->chat_id);
    kb = mm_keyboard();
    mm_keyboard_button(kb, "🛠 Create the quiz", link);
    return mm_reply_html(t, "Let's set it up in a private chat, so the group isn't flooded: "
                            "tap below.", kb) < 0 ? -1 : 0;
}

int mm_wizard_link(mm_turn *t, const char *group) {
    char *end;
    long long chat = strtoll(group, &end, 10);

    if (*end || chat >= 0)
        return mm_reply_html(t, "That link is broken. Send /createquiz in your group, or here.",
                             NULL) < 0 ? -1 : 0;
    return mm_wizard_begin(t, chat);
}

int mm_wizard_text(mm_turn *t) {
    mm_wizard w;
    int rc;

    if (!t->u->is_private || t->u->text == NULL)
        return 0;
    if ((rc = mm_wizard_load(t, t->u->user_id, &w)) <= 0)
        return rc;
    rc = mm_wizard_answer(t, &w, t->u->text, 1, 0);
    mm_wizard_free(&w);
    return rc < 0 ? -1 : 1;
}

int mm_wizard_button(mm_turn *t, const char *rest) {
    const char *value;
    uint32_t nonce;
    mm_wizard w;
    int rc;

    (void) rest;
    if (mm_callback_wizard_parse(t->u->callback_data, &nonce, &value)
        || (rc = mm_wizard_load(t, t->u->user_id, &w)) == 0) {
        mm_reply_callback(t, "This button has expired.");
        return 0;
    }
    if (rc < 0)
        return -1;
    if (nonce != w.nonce) {
        /* a double press, or a step already answered */
        mm_reply_callback(t, "That step is done — use the latest message.");
        mm_wizard_free(&w);
        return 0;
    }
    mm_reply_callback(t, NULL);
    rc = mm_wizard_answer(t, &w, value, 0, t->u->message_id);
    mm_wizard_free(&w);
    return rc;
}

int mm_wizard_cancel(mm_turn *t) {
    mm_wizard w;
    int rc;

    if ((rc = mm_wizard_load(t, t->u->user_id, &w)) <= 0)
        return rc;
    rc = mm_wizard_end(t, &w, 0, "✖️ Quiz creation cancelled; nothing was announced.");
    mm_wizard_free(&w);
    return rc < 0 ? -1 : 1;
}

int mm_wizard_made(mm_turn *t, int64_t user, long long quiz, int made, const char *why) {
    mm_wizard w;
    mm_buf note;
    int rc;

    if ((rc = mm_wizard_load(t, user, &w)) <= 0)
        return rc;
    if (w.quiz != quiz || strcmp(w.step->name, "making")) {
        mm_wizard_free(&w);
        return 0;       /* given up or replaced meanwhile: the draft is cancelled */
    }
    if (made > 0) {
        mm_data_set_ll(&w, "made", made);
        rc = mm_wizard_goto(t, &w, "summary", 0, NULL);
        mm_wizard_free(&w);
        return rc;
    }
    mm_buf_init(&note);
    mm_buf_adds(&note, "😕 I couldn't make questions on “");
    mm_html_add(&note, mm_data_str(&w, "topic"));
    mm_buf_adds(&note, "”");
    if (why && *why) {
        mm_buf_adds(&note, ": ");
        mm_html_add(&note, why);
    }
    mm_buf_adds(&note, ". Nothing was announced; pick another topic.");
    rc = mm_wizard_drop_draft(t, &w, why && *why ? why : "no questions");
    if (rc == 0)
        rc = mm_wizard_goto(t, &w, "topic", 0, note.data);
    mm_buf_free(&note);
    mm_wizard_free(&w);
    return rc;
}

int mm_wizard_funded(mm_turn *t, int64_t user, long long quiz, int live, const char *note) {
    mm_wizard w;
    int rc;

    if ((rc = mm_wizard_load(t, user, &w)) < 0)
        return -1;
    if (rc == 0 || w.quiz != quiz || strcmp(w.step->name, "funding")) {
        /* the wizard moved on (a new one, or it was given up): say it plainly */
        if (rc)
            mm_wizard_free(&w);
        return mm_reply_html_to(t, user, note, NULL) < 0 ? -1 : 0;
    }
    if (live)
        rc = mm_wizard_live(t, &w);
    else if ((rc = mm_wizard_drop_draft(t, &w, "not funded")) == 0)
        rc = mm_wizard_goto(t, &w, "amount", 0, note);
    mm_wizard_free(&w);
    return rc;
}
