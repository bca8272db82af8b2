/*
 * Runs in private chat: practice runs (a few questions near the player's
 * SDI, feedback after each answer, points with speed and streak bonuses,
 * the SDI adapted at the end) and attempts at a group quiz (the quiz's
 * questions in the player's own order, its time per question, no feedback
 * until the quiz ends, points given then by bot/mm_quiz_end.c).  Either
 * way: inline answer buttons bound to the very message that asked
 * (session, seq and a per-delivery nonce in the button, the message id
 * checked once known) and a durable timer per question.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bot/mm_bot.h"
#include "bot/mm_callback.h"
#include "engine/mm_engine.h"
#include "engine/mm_jobs.h"
#include "mm_buf.h"
#include "mm_member.h"
#include "quiz/mm_maze.h"
#include "quiz/mm_score.h"
#include "quiz/mm_when.h"
#include "bank/mm_bank.h"
#include "sched/mm_budget.h"
#include "sched/mm_queue.h"
#include "sched/mm_timers.h"
#include "telegram/mm_html.h"

typedef struct mm_session {
    long long id;
    char topic[MM_Q_TOPIC_MAX];
    int target_sdi, count, seq, streak, best_streak, points, correct;
    int64_t user_id;
    int active;
    long long quiz_id;          /* 0: a practice run */
    int seconds;                /* per question; 0: the bot's MM_QUESTION_SECONDS */
    long long quiz_ends_ms;     /* when the quiz closes: later answers do not count */
} mm_session;

typedef struct mm_asked {
    char text[MM_Q_TEXT_MAX];
    char options[4][MM_Q_OPTION_MAX];
    int correct;                /* bank index */
    char explanation[MM_Q_EXPLANATION_MAX];
    int sdi;
    int perm[4];                /* shown position -> bank index */
    uint32_t nonce;
    long long message_id;       /* 0 until the sender recorded it */
    long long asked_ms;         /* 0 if unknown */
    long long question_id;
} mm_asked;

static void mm_session_row(PGresult *res, mm_session *s) {
    memset(s, 0, sizeof(*s));
    s->id = mm_col_ll(res, 0, MM_SESSION_ID);
    snprintf(s->topic, sizeof(s->topic), "%s", mm_col_str(res, 0, MM_SESSION_TOPIC));
    s->target_sdi = mm_col_int(res, 0, MM_SESSION_SDI);
    s->count = mm_col_int(res, 0, MM_SESSION_COUNT);
    s->seq = mm_col_int(res, 0, MM_SESSION_SEQ);
    s->streak = mm_col_int(res, 0, MM_SESSION_STREAK);
    s->best_streak = mm_col_int(res, 0, MM_SESSION_BEST_STREAK);
    s->points = mm_col_int(res, 0, MM_SESSION_POINTS);
    s->correct = mm_col_int(res, 0, MM_SESSION_CORRECT);
    s->user_id = mm_col_ll(res, 0, MM_SESSION_USER);
    s->active = !strcmp(mm_col_str(res, 0, MM_SESSION_STATE), "active");
    s->quiz_id = mm_col_ll(res, 0, MM_SESSION_QUIZ);
    s->seconds = mm_col_int(res, 0, MM_SESSION_SECONDS);
    s->quiz_ends_ms = mm_col_ll(res, 0, MM_SESSION_QUIZ_ENDS_MS);
}

static int mm_run_open(mm_turn *t, const mm_session *s, const long long *ids, int n,
                       const char *intro);
static int mm_play_busy(mm_turn *t, const mm_session *s);

static int mm_run_seconds(const mm_turn *t, const mm_session *s) {
    return s->seconds > 0 ? s->seconds : t->ctx->cfg.question_seconds;
}

static int mm_session_active(mm_turn *t, mm_session *s) {
    mm_params p;
    PGresult *res;
    int found;

    mm_params_init(&p, MM_SQL_SESSION_ACTIVE);
    mm_param_ll(&p, t->u->user_id);
    if ((found = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "active session");
    if (found)
        mm_session_row(res, s);
    PQclear(res);
    return found;
}

/* Reads a Postgres array literal {a,"b c",...} of up to n strings. */
static int mm_pg_array(const char *lit, char out[][MM_Q_OPTION_MAX], int n) {
    int i = 0;

    if (*lit++ != '{')
        return -1;
    while (*lit && *lit != '}' && i < n) {
        size_t len = 0;
        if (*lit == '"') {
            for (lit++; *lit && *lit != '"'; lit++) {
                if (*lit == '\\' && lit[1])
                    lit++;
                if (len + 1 < MM_Q_OPTION_MAX)
                    out[i][len++] = *lit;
            }
            if (*lit == '"')
                lit++;
        } else {
            for (; *lit && *lit != ',' && *lit != '}'; lit++)
                if (len + 1 < MM_Q_OPTION_MAX)
                    out[i][len++] = *lit;
        }
        out[i++][len] = '\0';
        if (*lit == ',')
            lit++;
    }
    return i;
}

/* The question columns of SQ_GET and TURN_GET, from column c on. */
static void mm_asked_row(PGresult *res, int c, mm_asked *a) {
    char perm[4][MM_Q_OPTION_MAX];

    memset(a, 0, sizeof(*a));
    snprintf(a->text, sizeof(a->text), "%s", mm_col_str(res, 0, c + MM_ASKED_TEXT));
    mm_pg_array(mm_col_str(res, 0, c + MM_ASKED_OPTIONS), a->options, 4);
    a->correct = mm_col_int(res, 0, c + MM_ASKED_CORRECT);
    snprintf(a->explanation, sizeof(a->explanation), "%s",
             mm_col_str(res, 0, c + MM_ASKED_EXPLANATION));
    a->sdi = mm_col_int(res, 0, c + MM_ASKED_SDI);
    mm_pg_array(mm_col_str(res, 0, c + MM_ASKED_PERM), perm, 4);
    for (int i = 0; i < 4; i++)
        a->perm[i] = atoi(perm[i]);
    a->nonce = (uint32_t) strtoul(mm_col_str(res, 0, c + MM_ASKED_NONCE), NULL, 10);
    a->message_id = mm_col_ll(res, 0, c + MM_ASKED_MESSAGE);
    a->asked_ms = mm_col_ll(res, 0, c + MM_ASKED_AT_MS);
    a->question_id = mm_col_ll(res, 0, c + MM_ASKED_QUESTION);
}

/* 1 found, 0 none, -1 error */
static int mm_asked_load(mm_turn *t, long long session, int seq, mm_asked *a) {
    mm_params p;
    PGresult *res;
    int found;

    mm_params_init(&p, MM_SQL_SQ_GET);
    mm_param_ll(&p, session);
    mm_param_int(&p, seq);
    if ((found = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "session question");
    if (found)
        mm_asked_row(res, 0, a);
    PQclear(res);
    return found;
}

/* The run (locked) with its question seq: 1 found, 0 none, -1 error. */
static int mm_turn_load(mm_turn *t, long long session, int seq, mm_session *s, mm_asked *a) {
    mm_params p;
    PGresult *res;
    int found;

    mm_params_init(&p, MM_SQL_TURN_GET);
    mm_param_ll(&p, session);
    mm_param_int(&p, seq);
    if ((found = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "run");
    if (found) {
        mm_session_row(res, s);
        mm_asked_row(res, MM_SESSION_NCOLS, a);
    }
    PQclear(res);
    return found;
}

static void mm_timer_payload(const mm_turn *t, long long session, int seq, char *out,
                             size_t outlen) {
    snprintf(out, outlen, "{\"session\":%lld,\"seq\":%d,\"user_id\":%lld}", session, seq,
             (long long) t->u->user_id);
}

static int mm_timer_cancel(mm_turn *t, long long session, int seq) {
    char payload[96];
    mm_params p;

    mm_timer_payload(t, session, seq, payload, sizeof(payload));
    mm_params_init(&p, MM_SQL_TIMER_CANCEL);
    mm_param_str(&p, MM_TIMER_Q_TIMEOUT);
    mm_param_str(&p, payload);
    return mm_db_do(t->db, &p) ? mm_fail(t, "timer") : 0;
}

static void mm_question_html(mm_buf *b, const mm_session *s, int seq, const mm_asked *a) {
    if (s->quiz_id)
        mm_buf_printf(b, "<b>Question %d/%d</b>\n\n", seq, s->count);
    else
        mm_buf_printf(b, "<b>Question %d/%d</b> · SDI %d\n\n", seq, s->count, a->sdi);
    mm_html_add(b, a->text);
}

/* Sends question seq of s, binds it to its message and arms its timer,
 * in one statement. */
static int mm_ask(mm_turn *t, const mm_session *s, int seq, const mm_asked *preloaded) {
    char payload[96], data[MM_CB_MAX];
    json_t *kb = mm_keyboard(), *params;
    mm_params p;
    PGresult *res;
    mm_asked a;
    mm_buf b;
    char *json;
    long long id;
    int rc;

    if (preloaded)
        a = *preloaded;
    else if ((rc = mm_asked_load(t, s->id, seq, &a)) <= 0) {
        json_decref(kb);
        if (rc == 0)
            snprintf(t->err, sizeof(t->err), "session %lld has no question %d", s->id, seq);
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        if (i)
            mm_keyboard_row(kb);
        mm_callback_answer(data, s->id, seq, a.nonce, i);
        mm_keyboard_button(kb, a.options[a.perm[i]], data);
    }
    mm_keyboard_row(kb);
    mm_callback_report(data, s->id, seq);
    mm_keyboard_button(kb, "🚩 Report this question", data);
    mm_buf_init(&b);
    mm_question_html(&b, s, seq, &a);
    mm_buf_printf(&b, "\n\n⏱ %d seconds", mm_run_seconds(t, s));
    params = json_pack("{s:I, s:s, s:s, s:o}", "chat_id", (json_int_t) t->u->chat_id,
                       "text", b.data ? b.data : "", "parse_mode", "HTML", "reply_markup", kb);
    json = params ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    mm_buf_free(&b);
    if (json == NULL) {
        snprintf(t->err, sizeof(t->err), "out of memory asking a question");
        return -1;
    }
    mm_timer_payload(t, s->id, seq, payload, sizeof(payload));
    mm_params_init(&p, MM_SQL_ASK);
    mm_param_ll(&p, s->id);
    mm_param_int(&p, seq);
    mm_param_ll(&p, t->u->chat_id);
    mm_param_str(&p, json);
    mm_param_str(&p, t->ctx->instance);
    mm_param_int(&p, t->ctx->cfg.outbox_lease_ms);
    mm_param_str(&p, payload);
    mm_param_int(&p, mm_run_seconds(t, s) * 1000);
    mm_param_str(&p, MM_TIMER_Q_TIMEOUT);
    if (mm_db_one(t->db, &p, &res) != 1) {
        free(json);
        return mm_fail(t, "ask");
    }
    id = mm_col_ll(res, 0, 0);
    PQclear(res);
    id = mm_reply_queue(t, t->u->chat_id, "sendMessage", json, id);
    free(json);
    return id < 0 ? -1 : 0;
}

static int mm_topic_picker(mm_turn *t, const char *intro) {
    char topics[MM_MAX_TOPICS][MM_Q_TOPIC_MAX], data[MM_CB_MAX];
    json_t *kb = mm_keyboard();
    int n = mm_bank_topics(t->db, t->redis, topics, MM_MAX_TOPICS);

    if (n < 0) {
        json_decref(kb);
        return mm_fail(t, "topics");
    }
    for (int i = 0; i < n; i++) {
        if (i && i % 3 == 0)
            mm_keyboard_row(kb);
        mm_callback_topic(data, topics[i]);
        mm_keyboard_button(kb, topics[i], data);
    }
    mm_keyboard_row(kb);
    mm_keyboard_button(kb, "🎲 Mixed", MM_CB_TOPIC MM_TOPIC_MIX);
    return mm_reply_html(t, intro, kb) < 0 ? -1 : 0;
}

/* A topic the bank has no run of: enough generated questions from earlier
 * (1: play them), or a generation job and a note that the quiz is coming;
 * refused when no language model is configured or the topic is blocked. */
static int mm_play_new_topic(mm_turn *t, const char *typed, const char *topic, int sdi) {
    char word[128];
    mm_params p;
    PGresult *res;
    mm_buf b;
    int rc = 1, queued, stock;

    mm_params_init(&p, MM_SQL_TOPIC_STOCK);
    mm_param_str(&p, topic);
    if (mm_db_one(t->db, &p, &res) != 1)
        return mm_fail(t, "topic stock");
    stock = mm_col_int(res, 0, 0);
    PQclear(res);
    if (stock >= t->ctx->cfg.run_length)
        return 1;
    mm_buf_init(&b);
    if (!mm_engine_can_generate(t->ctx->engine)) {
        mm_buf_adds(&b, "I don't have questions on “");
        mm_html_add(&b, typed);
        mm_buf_adds(&b, "” yet. Pick one of these:");
    } else if (mm_engine_blocked(t->ctx->engine, topic, word, sizeof(word))) {
        mm_buf_adds(&b, "I can't make a quiz on “");
        mm_html_add(&b, typed);
        mm_buf_adds(&b, "”. Pick one of these:");
    } else if ((rc = mm_budget_room(t->db, t->redis, &t->ctx->cfg, MM_BUDGET_GENERATIONS_USER,
                                    t->u->user_id)) == 0) {
        mm_buf_printf(&b, "You've asked for %d new quizzes today, the most for one day — "
                          "tomorrow you can ask again. Meanwhile, pick one of these:",
                      mm_budget_limit(&t->ctx->cfg, MM_BUDGET_GENERATIONS_USER));
    } else if (rc > 0 && (rc = mm_budget_room(t->db, t->redis, &t->ctx->cfg,
                                              MM_BUDGET_GENERATIONS, 0)) == 0) {
        mm_buf_adds(&b, "I've written as many new quizzes today as I may. Try again tomorrow, "
                        "or pick one of these:");
    }
    if (rc < 0) {
        mm_buf_free(&b);
        return mm_fail(t, "budget");
    }
    if (b.len) {
        rc = mm_topic_picker(t, b.data);
        mm_buf_free(&b);
        return rc;
    }

    queued = mm_generate_queue(t->db, t->u->user_id, t->u->chat_id, topic, sdi,
                               t->ctx->cfg.run_length);
    if (queued < 0) {
        mm_buf_free(&b);
        return mm_fail(t, "generation job");
    }
    if (queued) {
        mm_buf_adds(&b, "🧠 Writing a quiz on “");
        mm_html_add(&b, topic);
        mm_buf_adds(&b, "” for you — it will start here in a few seconds.");
    } else {
        mm_buf_adds(&b, "⏳ I'm still writing your previous quiz; it will start here as soon "
                        "as it's ready.");
    }
    rc = mm_reply_html(t, b.data ? b.data : "", NULL) < 0 ? -1 : 0;
    mm_buf_free(&b);
    return rc;
}

static int mm_play_begin(mm_turn *t, const char *topic_arg, int from_job) {
    char topics[MM_MAX_TOPICS][MM_Q_TOPIC_MAX], topic[MM_Q_TOPIC_MAX];
    long long ids[20];
    mm_session s;
    mm_params p;
    PGresult *res;
    mm_buf b;
    int n, known = 0, sdi, rc;

    if (!t->u->is_private)
        return 0;
    if ((rc = mm_session_active(t, &s)) != 0)
        return rc < 0 ? -1 : mm_play_busy(t, &s);
    if (topic_arg == NULL)
        return mm_topic_picker(t, "🧩 Pick a topic for your practice run:");

    if (mm_topic_slug(topic_arg, topic, sizeof(topic)) == 0)
        return mm_topic_picker(t, "Name a topic with letters or digits — e.g. "
                                  "<code>/play volcanoes</code> — or pick one of these:");
    if ((n = mm_bank_topics(t->db, t->redis, topics, MM_MAX_TOPICS)) < 0)
        return mm_fail(t, "topics");
    known = !strcmp(topic, MM_TOPIC_MIX);
    for (int i = 0; i < n; i++)
        known |= !strcmp(topic, topics[i]);

    mm_params_init(&p, MM_SQL_USER_GET);
    mm_param_ll(&p, t->u->user_id);
    if ((rc = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "user");
    sdi = rc ? mm_col_int(res, 0, MM_USER_SDI) : 3;
    PQclear(res);
    if (!known && !from_job && (rc = mm_play_new_topic(t, topic_arg, topic, sdi)) != 1)
        return rc;
    n = mm_bank_pick(t->db, t->redis, topic, sdi, t->u->user_id, t->ctx->cfg.run_length, ids);
    if (n < 0)
        return mm_fail(t, "questions");
    if (n == 0)
        return mm_reply_html(t, "No questions are available on that topic right now. "
                                "Try another one with /play.", NULL) < 0 ? -1 : 0;

    mm_params_init(&p, MM_SQL_SESSION_NEW);
    mm_param_ll(&p, t->u->user_id);
    mm_param_ll(&p, t->u->chat_id);
    mm_param_str(&p, topic);
    mm_param_int(&p, sdi);
    mm_param_int(&p, n);
    if (mm_db_one(t->db, &p, &res) != 1)
        return mm_fail(t, "new session");
    memset(&s, 0, sizeof(s));
    s.id = mm_col_ll(res, 0, 0);
    PQclear(res);
    snprintf(s.topic, sizeof(s.topic), "%s", topic);
    s.target_sdi = sdi;
    s.count = n;
    s.seq = 1;
    s.user_id = t->u->user_id;
    s.active = 1;

    mm_buf_init(&b);
    mm_buf_adds(&b, from_job ? "✨ <b>Your quiz is ready</b> · "
                             : "🧩 <b>Practice run</b> · ");
    mm_html_add(&b, topic);
    mm_buf_printf(&b, " · %d question%s · %d s each · SDI %d", n, n == 1 ? "" : "s",
                  t->ctx->cfg.question_seconds, sdi);
    rc = mm_run_open(t, &s, ids, n, b.data ? b.data : "");
    mm_buf_free(&b);
    return rc;
}

/* The questions of a new run s in the order of ids, each with its options
 * shuffled and its button nonce; then intro and question 1. */
static int mm_run_open(mm_turn *t, const mm_session *s, const long long *ids, int n,
                       const char *intro) {
    mm_params p;

    for (int i = 0; i < n; i++) {
        int order[4];
        char perm[24];
        mm_shuffle4(randombytes_uniform(24), order);
        snprintf(perm, sizeof(perm), "{%d,%d,%d,%d}", order[0], order[1], order[2], order[3]);
        mm_params_init(&p, MM_SQL_SQ_ADD);
        mm_param_ll(&p, s->id);
        mm_param_int(&p, i + 1);
        mm_param_ll(&p, ids[i]);
        mm_param_str(&p, perm);
        mm_param_ll(&p, randombytes_uniform(1000000000));
        if (mm_db_do(t->db, &p))
            return mm_fail(t, "session question");
    }
    if (mm_reply_html(t, intro, NULL) < 0)
        return -1;
    return mm_ask(t, s, 1, NULL);
}

int mm_play_run(mm_turn *t, const long long *ids, int n, const char *intro) {
    mm_session s;
    int rc = mm_session_active(t, &s);

    if (rc <= 0) {
        if (rc == 0)
            snprintf(t->err, sizeof(t->err), "no run to open for player %lld",
                     (long long) t->u->user_id);
        return -1;
    }
    return mm_run_open(t, &s, ids, n, intro);
}

int mm_play_idle(mm_turn *t) {
    mm_session s;
    int rc = mm_session_active(t, &s);

    if (rc <= 0)
        return rc < 0 ? -1 : 1;
    return mm_play_busy(t, &s) < 0 ? -1 : 0;
}

static int mm_play_busy(mm_turn *t, const mm_session *s) {
    return mm_reply_html(t, s->quiz_id ? "You're in the middle of a quiz: answer the question "
                                         "above, or send /stop to end your attempt."
                                       : "You're in the middle of a run: answer the question "
                                         "above, or send /cancel to stop it.",
                         NULL) < 0 ? -1 : 0;
}

int mm_play_start(mm_turn *t, const char *topic) {
    return mm_play_begin(t, topic, 0);
}

/* The engine finished a player's job (a quiz_ready timer in the chat). */
int mm_play_ready(mm_turn *t) {
    json_int_t job = json_integer_value(json_object_get(t->u->timer, "job"));
    char topic[MM_Q_TOPIC_MAX];
    mm_update as_player;
    const mm_update *timer = t->u;
    json_t *payload;
    PGresult *res;
    int rc, done;

    /* once, and only in the chat the job was asked from */
    if ((rc = mm_queue_announce(t->db, job, t->u->chat_id, MM_JOB_GENERATE, &res)) < 0)
        return mm_fail(t, "generation job");
    if (rc == 0 || mm_col_null(res, 0, MM_JOBGET_USER)) {
        PQclear(res);
        return 0;
    }
    done = !strcmp(mm_col_str(res, 0, MM_JOBGET_STATE), "done");
    payload = json_loads(mm_col_str(res, 0, MM_JOBGET_PAYLOAD), 0, NULL);
    snprintf(topic, sizeof(topic), "%s", mm_member_str(payload, "topic"));
    json_decref(payload);
    /* the run is the player's, in their private chat with the bot */
    as_player = *timer;
    as_player.user_id = mm_col_ll(res, 0, MM_JOBGET_USER);
    as_player.is_private = 1;
    PQclear(res);
    t->u = &as_player;
    if (done) {
        rc = mm_play_begin(t, topic, 1);
    } else {
        mm_buf b;
        mm_buf_init(&b);
        mm_buf_adds(&b, "😕 I couldn't write a quiz on “");
        mm_html_add(&b, topic);
        mm_buf_adds(&b, "” just now. Try again in a while, or pick one of these:");
        rc = mm_topic_picker(t, b.data ? b.data : "");
        mm_buf_free(&b);
    }
    t->u = timer;
    return rc;
}

/* The last answer of a quiz attempt: nothing said about how it went. */
static int mm_finish_attempt(mm_turn *t, const mm_session *s) {
    mm_params end;
    mm_buf b;
    long long rc;

    mm_params_init(&end, MM_SQL_SESSION_END);
    mm_param_ll(&end, s->id);
    mm_param_str(&end, "finished");
    if (mm_db_do(t->db, &end))
        return mm_fail(t, "finish");
    mm_buf_init(&b);
    mm_buf_adds(&b, "🏁 <b>All done!</b> Your answers are in. The ranking is posted in the group "
                    "when the quiz ends ");
    mm_when_html(&b, s->quiz_ends_ms, t->received_at_ms);
    mm_buf_adds(&b, "; then I'll send you your answers, the right ones and your rank.");
    rc = mm_reply_html(t, b.data ? b.data : "", NULL);
    mm_buf_free(&b);
    return rc < 0 ? -1 : 0;
}

static int mm_finish(mm_turn *t, mm_session *s) {
    char data[MM_CB_MAX];
    int next = mm_sdi_adapt(s->target_sdi, s->correct, s->count);
    json_t *kb = mm_keyboard();
    mm_params end, done;
    mm_buf b;
    long long rc;

    if (s->quiz_id) {
        json_decref(kb);
        return mm_finish_attempt(t, s);
    }
    mm_params_init(&end, MM_SQL_SESSION_END);
    mm_param_ll(&end, s->id);
    mm_param_str(&end, "finished");
    mm_params_init(&done, MM_SQL_USER_RUN_DONE);
    mm_param_ll(&done, t->u->user_id);
    mm_param_int(&done, next);
    if (mm_db_do(t->db, &end) || mm_db_do(t->db, &done)) {
        json_decref(kb);
        return mm_fail(t, "finish");
    }
    mm_buf_init(&b);
    mm_buf_printf(&b, "🏁 <b>Run complete</b>: %d/%d correct, %d points, best streak %d.\n",
                  s->correct, s->count, s->points, s->best_streak);
    if (next > s->target_sdi)
        mm_buf_printf(&b, "Strong run — difficulty up: SDI %d → %d.", s->target_sdi, next);
    else if (next < s->target_sdi)
        mm_buf_printf(&b, "Difficulty eased: SDI %d → %d.", s->target_sdi, next);
    else
        mm_buf_printf(&b, "Difficulty stays at SDI %d.", next);
    mm_callback_topic(data, s->topic);
    mm_keyboard_button(kb, "🔁 Play again", data);
    mm_keyboard_button(kb, "🏆 Leaderboard", MM_CB_MENU_BOARD);
    rc = mm_reply_html(t, b.data, kb);
    mm_buf_free(&b);
    return rc < 0 ? -1 : 0;
}

/* The feedback that replaces a question's buttons, as editMessageText
 * parameters (JSON text, freed by the caller). */
static char *mm_feedback(mm_turn *t, const mm_session *s, const mm_asked *a, int chosen,
                         int points, int streak, long long message_id) {
    int correct = chosen == a->correct;
    json_t *params;
    char *json;
    mm_buf b;

    mm_buf_init(&b);
    mm_question_html(&b, s, s->seq, a);
    if (s->quiz_id && chosen < 0) {
        mm_buf_adds(&b, "\n\n⏰ <b>Time's up.</b>");
    } else if (s->quiz_id) {
        /* the answer, not whether it was right: that waits for the end */
        mm_buf_adds(&b, "\n\n✔ <b>Answer recorded:</b> ");
        mm_html_add(&b, a->options[chosen]);
    } else if (chosen < 0)
        mm_buf_adds(&b, "\n\n⏰ <b>Time's up.</b> The answer was <b>");
    else if (correct)
        mm_buf_printf(&b, "\n\n✅ <b>Correct!</b> +%d points%s — ", points,
                      streak > 1 ? " 🔥" : "");
    else
        mm_buf_adds(&b, "\n\n❌ The answer was <b>");
    if (!s->quiz_id && !correct) {
        mm_html_add(&b, a->options[a->correct]);
        mm_buf_adds(&b, "</b>. ");
    }
    if (!s->quiz_id) {
        mm_buf_adds(&b, "<i>");
        mm_html_add(&b, a->explanation);
        mm_buf_adds(&b, "</i>");
    }
    params = json_pack("{s:I, s:I, s:s, s:s, s:{s:[]}}", "chat_id", (json_int_t) t->u->chat_id,
                       "message_id", (json_int_t) message_id, "text", b.data ? b.data : "",
                       "parse_mode", "HTML", "reply_markup", "inline_keyboard");
    json = params ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    mm_buf_free(&b);
    return json;
}

/* What one answer (or a timeout) does to the run. */
typedef struct mm_result {
    int chosen;                 /* bank index, -1 when time ran out */
    int correct, points, streak, best;
    int fast;                   /* a quiz answer quicker than MM_MIN_ANSWER_MS */
    long long elapsed_ms;
} mm_result;

static void mm_result_of(const mm_turn *t, const mm_session *s, const mm_asked *a, int chosen,
                         mm_result *r) {
    long long limit = mm_run_seconds(t, s) * 1000LL;
    long long elapsed = a->asked_ms ? t->received_at_ms - a->asked_ms : 0;

    r->chosen = chosen;
    r->correct = chosen == a->correct;
    r->elapsed_ms = chosen < 0 ? limit : elapsed < 0 ? 0 : elapsed;
    r->points = mm_score_points(a->sdi, r->correct, r->elapsed_ms, limit, s->streak);
    r->streak = r->correct ? s->streak + 1 : 0;
    r->best = r->streak > s->best_streak ? r->streak : s->best_streak;
    r->fast = 0;
    if (s->quiz_id) {
        /* a quiz's points are given when it ends, by its ranking */
        r->points = 0;
        r->fast = chosen >= 0 && a->asked_ms && r->elapsed_ms < t->ctx->cfg.min_answer_ms;
    }
}

/* The run and the caches after an answer was recorded. */
static void mm_session_add(mm_turn *t, mm_session *s, const mm_result *r) {
    if (r->points > 0) {
        t->board_user = s->user_id;
        t->board_points = r->points;
    }
    mm_profile_forget(t, s->user_id);
    s->streak = r->streak;
    s->best_streak = r->best;
    s->points += r->points;
    s->correct += r->correct;
}

/* SETTLE's parameters: the answer, its points, the player's totals, the
 * run, its timer and the feedback edit (edit may be NULL). */
static void mm_settle_params(const mm_turn *t, const mm_session *s, const mm_asked *a,
                             const mm_result *r, const char *edit, char reason[64],
                             char payload[96], mm_params *p) {
    snprintf(reason, 64, "answer:%lld:%d", s->id, s->seq);
    mm_timer_payload(t, s->id, s->seq, payload, 96);
    mm_params_init(p, MM_SQL_SETTLE);
    mm_param_ll(p, s->id);
    mm_param_int(p, s->seq);
    mm_param_ll(p, s->user_id);
    mm_param_ll(p, a->question_id);
    if (r->chosen >= 0)
        mm_param_int(p, r->chosen);
    else
        mm_param_null(p);
    mm_param_bool(p, r->correct);
    mm_param_ll(p, r->elapsed_ms);
    mm_param_int(p, r->points);
    mm_param_ll(p, t->received_at_ms);
    mm_param_str(p, reason);
    mm_param_int(p, r->streak);
    mm_param_int(p, r->best);
    mm_param_int(p, s->points + r->points);
    mm_param_int(p, s->correct + r->correct);
    mm_param_str(p, payload);
    mm_param_int(p, s->quiz_id ? 0 : r->correct);      /* a quiz's are counted at its end */
    mm_param_ll(p, t->u->chat_id);
    mm_param_str(p, edit);
    mm_param_str(p, t->ctx->instance);
    mm_param_int(p, t->ctx->cfg.outbox_lease_ms);
    mm_param_str(p, MM_TIMER_Q_TIMEOUT);
    mm_param_bool(p, r->fast);
}

/* Records the outcome of question s->seq and moves the run on.  chosen is
 * the bank index, or -1 when time ran out.  The answer with all it moves
 * and its feedback is one statement, sent together with the read of the
 * next question. */
static int mm_settle(mm_turn *t, mm_session *s, const mm_asked *a, int chosen,
                     long long message_id) {
    char reason[64], payload[96], *edit = NULL;
    mm_result r;
    mm_params p, q;
    mm_db_step steps[2] = { { &p, NULL, NULL }, { &q, NULL, NULL } };
    int more = s->seq < s->count, inserted, rc = 0;
    long long edit_id = 0;
    mm_asked next;

    mm_result_of(t, s, a, chosen, &r);
    if (message_id > 0
        && (edit = mm_feedback(t, s, a, chosen, r.points, r.streak, message_id)) == NULL) {
        snprintf(t->err, sizeof(t->err), "out of memory building feedback");
        return -1;
    }
    mm_settle_params(t, s, a, &r, edit, reason, payload, &p);
    mm_params_init(&q, MM_SQL_SQ_GET);
    mm_param_ll(&q, s->id);
    mm_param_int(&q, s->seq + 1);
    if (mm_db_batch(t->db, steps, more ? 2 : 1)) {
        free(edit);
        return mm_fail(t, "answer");
    }
    inserted = PQntuples(steps[0].res) == 1;
    if (inserted && !mm_col_null(steps[0].res, 0, 0))
        edit_id = mm_col_ll(steps[0].res, 0, 0);
    PQclear(steps[0].res);
    if (more) {
        more = PQntuples(steps[1].res) == 1 ? 1 : -1;
        if (more > 0)
            mm_asked_row(steps[1].res, 0, &next);
        PQclear(steps[1].res);
    }
    if (!inserted) {
        free(edit);
        mm_reply_callback(t, "You already answered this one.");
        return 0;
    }
    mm_session_add(t, s, &r);

    /* feedback in place of the buttons (practice shows it at once) */
    if (chosen >= 0)
        mm_reply_callback(t, s->quiz_id ? "✔ Answer recorded" : r.correct ? "✅ Correct!"
                                                                          : "❌ Not quite");
    if (edit)
        rc = mm_reply_queue(t, t->u->chat_id, "editMessageText", edit, edit_id) < 0 ? -1 : 0;
    free(edit);
    if (rc)
        return -1;
    if (more < 0) {
        snprintf(t->err, sizeof(t->err), "session %lld has no question %d", s->id, s->seq + 1);
        return -1;
    }
    if (!more)
        return mm_finish(t, s);
    s->seq++;
    return mm_ask(t, s, s->seq, &next);
}

int mm_play_answer(mm_turn *t) {
    int64_t session;
    int seq, shown, rc;
    uint32_t nonce;
    mm_session s;
    mm_asked a;

    if (mm_callback_answer_parse(t->u->callback_data, &session, &seq, &nonce, &shown)) {
        mm_reply_callback(t, "This button has expired.");
        return 0;
    }
    if ((rc = mm_turn_load(t, session, seq, &s, &a)) < 0)
        return -1;
    /* the press must come from the player, for the question on screen, on
     * the very message that asked it */
    if (rc == 0 || s.user_id != t->u->user_id || !s.active || s.seq != seq || a.nonce != nonce
        || (a.message_id && a.message_id != t->u->message_id)) {
        mm_reply_callback(t, "This question is no longer active.");
        return 0;
    }
    if (s.quiz_id && t->received_at_ms >= s.quiz_ends_ms) {
        mm_reply_callback(t, "⏰ This quiz has ended: answers no longer count.");
        return 0;
    }
    return mm_settle(t, &s, &a, a.perm[shown], t->u->message_id);
}

int mm_play_timeout(mm_turn *t) {
    json_t *tm = t->u->timer;
    long long session = json_integer_value(json_object_get(tm, "session"));
    int seq = (int) json_integer_value(json_object_get(tm, "seq")), rc;
    mm_session s;
    mm_asked a;

    /* a timer that lost the race with an answer, a cancel or another firing */
    if ((rc = mm_turn_load(t, session, seq, &s, &a)) <= 0 || !s.active || s.seq != seq)
        return rc < 0 ? -1 : 0;
    if (s.quiz_id && t->received_at_ms >= s.quiz_ends_ms)
        return 0;   /* the quiz's end closes the attempt */
    return mm_settle(t, &s, &a, -1, a.message_id);
}

int mm_play_cancel(mm_turn *t) {
    mm_params p;
    mm_session s;
    int rc = mm_session_active(t, &s);

    if (rc < 0)
        return -1;
    if (rc == 0)
        return mm_reply_html(t, "Nothing to cancel. Send /play to start a run.", NULL) < 0 ? -1 : 0;
    mm_params_init(&p, MM_SQL_SESSION_END);
    mm_param_ll(&p, s.id);
    mm_param_str(&p, s.quiz_id ? "stopped" : "cancelled");
    if (mm_db_do(t->db, &p))
        return mm_fail(t, "cancel");
    if (mm_timer_cancel(t, s.id, s.seq))
        return -1;
    if (s.quiz_id)
        return mm_reply_html(t, "⏹ You stopped the quiz. The answers you gave count (the rest "
                                "as wrong); the results come when it ends.", NULL) < 0 ? -1 : 0;
    return mm_reply_html(t, "Run cancelled. The points you earned stay yours — /play to "
                            "start again.", NULL) < 0 ? -1 : 0;
}

int mm_play_report(mm_turn *t) {
    long long session;
    int seq, reported, hidden, rc;
    mm_params p;
    PGresult *res;

    if (mm_callback_report_parse(t->u->callback_data, &session, &seq)) {
        mm_reply_callback(t, "This button has expired.");
        return 0;
    }
    mm_params_init(&p, MM_SQL_REPORT);
    mm_param_ll(&p, session);
    mm_param_int(&p, seq);
    mm_param_ll(&p, t->u->user_id);
    mm_param_int(&p, t->ctx->cfg.report_hide);
    if ((rc = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "report");
    if (rc == 0) {
        mm_reply_callback(t, "This button has expired.");
        return 0;
    }
    reported = mm_col_int(res, 0, MM_REPORT_NEW);
    hidden = mm_col_int(res, 0, MM_REPORT_HIDDEN);
    PQclear(res);
    if (hidden) {
        mm_log_ids ids = { t->u->chat_id, t->u->user_id, t->u->update_id };
        mm_logf(&t->ctx->log, MM_LOG_INFO, "bot", &ids,
                "question of run %lld #%d hidden after %d reports", session, seq,
                t->ctx->cfg.report_hide);
    }
    mm_reply_callback(t, reported ? "🚩 Thanks — the question goes to a moderator."
                                  : "You already reported this question.");
    return 0;
}
