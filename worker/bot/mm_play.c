/*
 * Practice runs in private chat: a few questions near the player's SDI,
 * inline answer buttons bound to the very message that asked (session,
 * seq and a per-delivery nonce in the button, the message id checked once
 * known), a durable timer per question, feedback after each answer, points
 * with speed and streak bonuses, and the SDI adapted at the end.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bot/mm_bot.h"
#include "engine/mm_engine.h"
#include "mm_buf.h"
#include "quiz/mm_maze.h"
#include "quiz/mm_score.h"
#include "quiz/mm_source.h"
#include "telegram/mm_html.h"

typedef struct mm_session {
    long long id;
    char topic[MM_Q_TOPIC_MAX];
    int target_sdi, count, seq, streak, best_streak, points, correct;
    int64_t user_id;
    int active;
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
    s->id = atoll(PQgetvalue(res, 0, 0));
    snprintf(s->topic, sizeof(s->topic), "%s", PQgetvalue(res, 0, 1));
    s->target_sdi = atoi(PQgetvalue(res, 0, 2));
    s->count = atoi(PQgetvalue(res, 0, 3));
    s->seq = atoi(PQgetvalue(res, 0, 4));
    s->streak = atoi(PQgetvalue(res, 0, 5));
    s->best_streak = atoi(PQgetvalue(res, 0, 6));
    s->points = atoi(PQgetvalue(res, 0, 7));
    s->correct = atoi(PQgetvalue(res, 0, 8));
    s->active = 1;
    if (PQnfields(res) > 10) {
        s->user_id = atoll(PQgetvalue(res, 0, 9));
        s->active = !strcmp(PQgetvalue(res, 0, 10), "active");
    }
}

static int mm_session_active(mm_turn *t, mm_session *s) {
    char user[24];
    const char *p[1] = { user };
    PGresult *res;
    int found;

    snprintf(user, sizeof(user), "%lld", (long long) t->u->user_id);
    if ((res = mm_db_run(t->db, MM_SQL_SESSION_ACTIVE, 1, p)) == NULL)
        return mm_fail(t, "active session");
    found = PQntuples(res) == 1;
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
    snprintf(a->text, sizeof(a->text), "%s", PQgetvalue(res, 0, c));
    mm_pg_array(PQgetvalue(res, 0, c + 1), a->options, 4);
    a->correct = atoi(PQgetvalue(res, 0, c + 2));
    snprintf(a->explanation, sizeof(a->explanation), "%s", PQgetvalue(res, 0, c + 3));
    a->sdi = atoi(PQgetvalue(res, 0, c + 4));
    mm_pg_array(PQgetvalue(res, 0, c + 5), perm, 4);
    for (int i = 0; i < 4; i++)
        a->perm[i] = atoi(perm[i]);
    a->nonce = (uint32_t) strtoul(PQgetvalue(res, 0, c + 6), NULL, 10);
    a->message_id = PQgetisnull(res, 0, c + 7) ? 0 : atoll(PQgetvalue(res, 0, c + 7));
    a->asked_ms = PQgetisnull(res, 0, c + 8) ? 0 : atoll(PQgetvalue(res, 0, c + 8));
    a->question_id = atoll(PQgetvalue(res, 0, c + 9));
}

/* 1 found, 0 none, -1 error */
static int mm_asked_load(mm_turn *t, long long session, int seq, mm_asked *a) {
    char sid[24], seq_s[24];
    const char *p[2] = { sid, seq_s };
    PGresult *res;

    snprintf(sid, sizeof(sid), "%lld", session);
    snprintf(seq_s, sizeof(seq_s), "%d", seq);
    if ((res = mm_db_run(t->db, MM_SQL_SQ_GET, 2, p)) == NULL)
        return mm_fail(t, "session question");
    if (PQntuples(res) != 1) {
        PQclear(res);
        return 0;
    }
    mm_asked_row(res, 0, a);
    PQclear(res);
    return 1;
}

/* The run (locked) with its question seq: 1 found, 0 none, -1 error. */
static int mm_turn_load(mm_turn *t, long long session, int seq, mm_session *s, mm_asked *a) {
    char sid[24], seq_s[24];
    const char *p[2] = { sid, seq_s };
    PGresult *res;

    snprintf(sid, sizeof(sid), "%lld", session);
    snprintf(seq_s, sizeof(seq_s), "%d", seq);
    if ((res = mm_db_run(t->db, MM_SQL_TURN_GET, 2, p)) == NULL)
        return mm_fail(t, "run");
    if (PQntuples(res) != 1) {
        PQclear(res);
        return 0;
    }
    mm_session_row(res, s);
    mm_asked_row(res, 11, a);
    PQclear(res);
    return 1;
}

static void mm_timer_payload(const mm_turn *t, long long session, int seq, char *out,
                             size_t outlen) {
    snprintf(out, outlen, "{\"session\":%lld,\"seq\":%d,\"user_id\":%lld}", session, seq,
             (long long) t->u->user_id);
}

static int mm_timer_cancel(mm_turn *t, long long session, int seq) {
    char payload[96];
    const char *p[2] = { "q_timeout", payload };

    mm_timer_payload(t, session, seq, payload, sizeof(payload));
    return mm_db_do(t->db, MM_SQL_TIMER_CANCEL, 2, p) ? mm_fail(t, "timer") : 0;
}

static void mm_question_html(mm_buf *b, const mm_session *s, int seq, const mm_asked *a) {
    mm_buf_printf(b, "<b>Question %d/%d</b> · SDI %d\n\n", seq, s->count, a->sdi);
    mm_html_add(b, a->text);
}

/* Sends question seq of s, binds it to its message and arms its timer,
 * in one statement. */
static int mm_ask(mm_turn *t, const mm_session *s, int seq, const mm_asked *preloaded) {
    char sid[24], seq_s[24], chat[24], lease[24], payload[96], due[24], data[96];
    const char *p[8] = { sid, seq_s, chat, NULL, t->ctx->instance, lease, payload, due };
    json_t *kb = mm_keyboard(), *params;
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
        snprintf(data, sizeof(data), "a:%lld:%d:%u:%d", s->id, seq, a.nonce, i);
        mm_keyboard_button(kb, a.options[a.perm[i]], data);
    }
    mm_keyboard_row(kb);
    snprintf(data, sizeof(data), "r:%lld:%d", s->id, seq);
    mm_keyboard_button(kb, "🚩 Report this question", data);
    mm_buf_init(&b);
    mm_question_html(&b, s, seq, &a);
    mm_buf_printf(&b, "\n\n⏱ %d seconds", t->ctx->cfg.question_seconds);
    params = json_pack("{s:I, s:s, s:s, s:o}", "chat_id", (json_int_t) t->u->chat_id,
                       "text", b.data ? b.data : "", "parse_mode", "HTML", "reply_markup", kb);
    json = params ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    mm_buf_free(&b);
    if (json == NULL) {
        snprintf(t->err, sizeof(t->err), "out of memory asking a question");
        return -1;
    }
    snprintf(sid, sizeof(sid), "%lld", s->id);
    snprintf(seq_s, sizeof(seq_s), "%d", seq);
    snprintf(chat, sizeof(chat), "%lld", (long long) t->u->chat_id);
    snprintf(lease, sizeof(lease), "%d", t->ctx->outbox_lease_ms);
    mm_timer_payload(t, s->id, seq, payload, sizeof(payload));
    snprintf(due, sizeof(due), "%d", t->ctx->cfg.question_seconds * 1000);
    p[3] = json;
    if ((res = mm_db_run(t->db, MM_SQL_ASK, 8, p)) == NULL) {
        free(json);
        return mm_fail(t, "ask");
    }
    id = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    id = mm_reply_queue(t, t->u->chat_id, "sendMessage", json, id);
    free(json);
    return id < 0 ? -1 : 0;
}

static int mm_topic_picker(mm_turn *t, const char *intro) {
    char topics[MM_MAX_TOPICS][MM_Q_TOPIC_MAX], data[MM_Q_TOPIC_MAX + 16];
    json_t *kb = mm_keyboard();
    int n = mm_source_topics(t->db, t->redis, topics, MM_MAX_TOPICS);

    if (n < 0) {
        json_decref(kb);
        return mm_fail(t, "topics");
    }
    for (int i = 0; i < n; i++) {
        if (i && i % 3 == 0)
            mm_keyboard_row(kb);
        snprintf(data, sizeof(data), "p:%.*s", MM_Q_TOPIC_MAX - 1, topics[i]);
        mm_keyboard_button(kb, topics[i], data);
    }
    mm_keyboard_row(kb);
    mm_keyboard_button(kb, "🎲 Mixed", "p:" MM_TOPIC_MIX);
    return mm_reply_html(t, intro, kb) < 0 ? -1 : 0;
}

/* A topic the bank has no run of: enough generated questions from earlier
 * (1: play them), or a generation job and a note that the quiz is coming;
 * refused when no language model is configured or the topic is blocked. */
static int mm_play_new_topic(mm_turn *t, const char *typed, const char *topic, int sdi) {
    char word[128], user[24], chat[24], sdi_s[16], count_s[16];
    const char *p[5] = { topic, NULL, NULL, NULL, NULL };
    PGresult *res;
    mm_buf b;
    int rc, queued, stock;

    if ((res = mm_db_run(t->db, MM_SQL_TOPIC_STOCK, 1, p)) == NULL)
        return mm_fail(t, "topic stock");
    stock = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (stock >= t->ctx->cfg.run_length)
        return 1;
    mm_buf_init(&b);
    if (!mm_engine_can_generate(t->ctx->engine)) {
        mm_buf_adds(&b, "I don't have questions on “");
        mm_html_add(&b, typed);
        mm_buf_adds(&b, "” yet. Pick one of these:");
    } else if (mm_engine_blocked(topic, word, sizeof(word))) {
        mm_buf_adds(&b, "I can't make a quiz on “");
        mm_html_add(&b, typed);
        mm_buf_adds(&b, "”. Pick one of these:");
    }
    if (b.len) {
        rc = mm_topic_picker(t, b.data);
        mm_buf_free(&b);
        return rc;
    }

    snprintf(user, sizeof(user), "%lld", (long long) t->u->user_id);
    snprintf(chat, sizeof(chat), "%lld", (long long) t->u->chat_id);
    snprintf(sdi_s, sizeof(sdi_s), "%d", sdi);
    snprintf(count_s, sizeof(count_s), "%d", t->ctx->cfg.run_length);
    p[0] = user, p[1] = chat, p[2] = topic, p[3] = sdi_s, p[4] = count_s;
    if ((res = mm_db_run(t->db, MM_SQL_JOB_ADD, 5, p)) == NULL) {
        mm_buf_free(&b);
        return mm_fail(t, "generation job");
    }
    queued = PQntuples(res) == 1;
    PQclear(res);
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
    char user[24], chat[24], sdi_s[24], count_s[24], sid[24], seq_s[24], perm[24], nonce[24];
    long long ids[20];
    mm_session s;
    PGresult *res;
    mm_buf b;
    int n, known = 0, sdi, rc;

    if (!t->u->is_private)
        return 0;
    if ((rc = mm_session_active(t, &s)) != 0) {
        if (rc < 0)
            return -1;
        return mm_reply_html(t, "You're in the middle of a run: answer the question above, "
                                "or send /cancel to stop it.", NULL) < 0 ? -1 : 0;
    }
    if (topic_arg == NULL)
        return mm_topic_picker(t, "🧩 Pick a topic for your practice run:");

    if (mm_topic_slug(topic_arg, topic, sizeof(topic)) == 0)
        return mm_topic_picker(t, "Name a topic with letters or digits — e.g. "
                                  "<code>/play volcanoes</code> — or pick one of these:");
    if ((n = mm_source_topics(t->db, t->redis, topics, MM_MAX_TOPICS)) < 0)
        return mm_fail(t, "topics");
    known = !strcmp(topic, MM_TOPIC_MIX);
    for (int i = 0; i < n; i++)
        known |= !strcmp(topic, topics[i]);

    snprintf(user, sizeof(user), "%lld", (long long) t->u->user_id);
    {
        const char *p[1] = { user };
        if ((res = mm_db_run(t->db, MM_SQL_USER_GET, 1, p)) == NULL)
            return mm_fail(t, "user");
        sdi = PQntuples(res) ? atoi(PQgetvalue(res, 0, 0)) : 3;
        PQclear(res);
    }
    if (!known && !from_job && (rc = mm_play_new_topic(t, topic_arg, topic, sdi)) != 1)
        return rc;
    n = mm_source_pick(t->db, t->redis, topic, sdi, t->u->user_id, t->ctx->cfg.run_length, ids);
    if (n < 0)
        return mm_fail(t, "questions");
    if (n == 0)
        return mm_reply_html(t, "No questions are available on that topic right now. "
                                "Try another one with /play.", NULL) < 0 ? -1 : 0;

    snprintf(chat, sizeof(chat), "%lld", (long long) t->u->chat_id);
    snprintf(sdi_s, sizeof(sdi_s), "%d", sdi);
    snprintf(count_s, sizeof(count_s), "%d", n);
    {
        const char *p[5] = { user, chat, topic, sdi_s, count_s };
        if ((res = mm_db_run(t->db, MM_SQL_SESSION_NEW, 5, p)) == NULL)
            return mm_fail(t, "new session");
        memset(&s, 0, sizeof(s));
        s.id = atoll(PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    snprintf(s.topic, sizeof(s.topic), "%s", topic);
    s.target_sdi = sdi;
    s.count = n;
    s.seq = 1;
    snprintf(sid, sizeof(sid), "%lld", s.id);
    for (int i = 0; i < n; i++) {
        int order[4];
        char qid[24];
        const char *p[5] = { sid, seq_s, qid, perm, nonce };
        mm_shuffle4(randombytes_uniform(24), order);
        snprintf(seq_s, sizeof(seq_s), "%d", i + 1);
        snprintf(qid, sizeof(qid), "%lld", ids[i]);
        snprintf(perm, sizeof(perm), "{%d,%d,%d,%d}", order[0], order[1], order[2], order[3]);
        snprintf(nonce, sizeof(nonce), "%u", randombytes_uniform(1000000000));
        if (mm_db_do(t->db, MM_SQL_SQ_ADD, 5, p))
            return mm_fail(t, "session question");
    }

    mm_buf_init(&b);
    mm_buf_adds(&b, from_job ? "✨ <b>Your quiz is ready</b> · " : "🧩 <b>Practice run</b> · ");
    mm_html_add(&b, topic);
    mm_buf_printf(&b, " · %d question%s · %d s each · SDI %d", n, n == 1 ? "" : "s",
                  t->ctx->cfg.question_seconds, sdi);
    rc = mm_reply_html(t, b.data, NULL) < 0 ? -1 : 0;
    mm_buf_free(&b);
    return rc ? rc : mm_ask(t, &s, 1, NULL);
}

int mm_play_start(mm_turn *t, const char *topic) {
    return mm_play_begin(t, topic, 0);
}

/* The engine finished a player's job (a quiz_ready timer in the chat). */
int mm_play_ready(mm_turn *t) {
    json_int_t job = json_integer_value(json_object_get(t->u->timer, "job"));
    char id[24], topic[MM_Q_TOPIC_MAX];
    const char *p[1] = { id };
    mm_update as_player;
    const mm_update *timer = t->u;
    PGresult *res;
    int rc, done;

    snprintf(id, sizeof(id), "%lld", (long long) job);
    if ((res = mm_db_run(t->db, MM_SQL_JOB_GET, 1, p)) == NULL)
        return mm_fail(t, "generation job");
    if (PQntuples(res) == 0 || PQgetisnull(res, 0, 4)) {
        PQclear(res);
        return 0;
    }
    done = !strcmp(PQgetvalue(res, 0, 0), "done");
    snprintf(topic, sizeof(topic), "%s", PQgetvalue(res, 0, 1));
    /* the run is the player's, in their private chat with the bot */
    as_player = *timer;
    as_player.user_id = atoll(PQgetvalue(res, 0, 4));
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

static int mm_finish(mm_turn *t, mm_session *s) {
    char sid[24], user[24], sdi_s[24], data[MM_Q_TOPIC_MAX + 16];
    const char *end[2] = { sid, "finished" };
    const char *done[2] = { user, sdi_s };
    int next = mm_sdi_adapt(s->target_sdi, s->correct, s->count);
    json_t *kb = mm_keyboard();
    mm_buf b;
    long long rc;

    snprintf(sid, sizeof(sid), "%lld", s->id);
    snprintf(user, sizeof(user), "%lld", (long long) t->u->user_id);
    snprintf(sdi_s, sizeof(sdi_s), "%d", next);
    if (mm_db_do(t->db, MM_SQL_SESSION_END, 2, end) || mm_db_do(t->db, MM_SQL_USER_RUN_DONE, 2, done)) {
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
    snprintf(data, sizeof(data), "p:%s", s->topic);
    mm_keyboard_button(kb, "🔁 Play again", data);
    mm_keyboard_button(kb, "🏆 Leaderboard", "m:board");
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
    if (chosen < 0)
        mm_buf_adds(&b, "\n\n⏰ <b>Time's up.</b> The answer was <b>");
    else if (correct)
        mm_buf_printf(&b, "\n\n✅ <b>Correct!</b> +%d points%s — ", points,
                      streak > 1 ? " 🔥" : "");
    else
        mm_buf_adds(&b, "\n\n❌ The answer was <b>");
    if (!correct) {
        mm_html_add(&b, a->options[a->correct]);
        mm_buf_adds(&b, "</b>. ");
    }
    mm_buf_adds(&b, "<i>");
    mm_html_add(&b, a->explanation);
    mm_buf_adds(&b, "</i>");
    params = json_pack("{s:I, s:I, s:s, s:s, s:{s:[]}}", "chat_id", (json_int_t) t->u->chat_id,
                       "message_id", (json_int_t) message_id, "text", b.data ? b.data : "",
                       "parse_mode", "HTML", "reply_markup", "inline_keyboard");
    json = params ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    mm_buf_free(&b);
    return json;
}

/* Records the outcome of question s->seq and moves the run on.  chosen is
 * the bank index, or -1 when time ran out.  The answer with all it moves
 * and its feedback is one statement, sent together with the read of the
 * next question. */
static int mm_settle(mm_turn *t, mm_session *s, const mm_asked *a, int chosen,
                     long long message_id) {
    long long limit = t->ctx->cfg.question_seconds * 1000LL;
    long long elapsed = a->asked_ms ? t->received_at_ms - a->asked_ms : 0;
    int correct = chosen == a->correct;
    int points = mm_score_points(a->sdi, correct, elapsed, limit, s->streak);
    int streak = correct ? s->streak + 1 : 0;
    int best = streak > s->best_streak ? streak : s->best_streak;
    char sid[24], seq_s[24], user[24], qid[24], chosen_s[24], elapsed_s[24], pts[24], recv[24];
    char reason[64], streak_s[24], best_s[24], total_s[24], correct_s[24], payload[96];
    char chat[24], lease[24], next_s[24];
    char *edit = message_id > 0 ? mm_feedback(t, s, a, chosen, points, streak, message_id) : NULL;
    const char *p[20] = { sid, seq_s, user, qid, chosen >= 0 ? chosen_s : NULL,
                          correct ? "true" : "false", elapsed_s, pts, recv, reason, streak_s,
                          best_s, total_s, correct_s, payload, correct ? "1" : "0",
                          chat, edit, t->ctx->instance, lease };
    const char *q[2] = { sid, next_s };
    mm_db_step steps[2] = { { MM_SQL_SETTLE, NULL, 20, p, NULL },
                            { MM_SQL_SQ_GET, NULL, 2, q, NULL } };
    int more = s->seq < s->count, inserted, rc = 0;
    long long edit_id = 0;
    mm_asked next;

    if (elapsed < 0)
        elapsed = 0;
    snprintf(sid, sizeof(sid), "%lld", s->id);
    snprintf(seq_s, sizeof(seq_s), "%d", s->seq);
    snprintf(next_s, sizeof(next_s), "%d", s->seq + 1);
    snprintf(user, sizeof(user), "%lld", (long long) s->user_id);
    snprintf(qid, sizeof(qid), "%lld", a->question_id);
    snprintf(chosen_s, sizeof(chosen_s), "%d", chosen);
    snprintf(elapsed_s, sizeof(elapsed_s), "%lld", chosen >= 0 ? elapsed : limit);
    snprintf(pts, sizeof(pts), "%d", points);
    snprintf(recv, sizeof(recv), "%lld", t->received_at_ms);
    snprintf(reason, sizeof(reason), "answer:%lld:%d", s->id, s->seq);
    snprintf(streak_s, sizeof(streak_s), "%d", streak);
    snprintf(best_s, sizeof(best_s), "%d", best);
    snprintf(total_s, sizeof(total_s), "%d", s->points + points);
    snprintf(correct_s, sizeof(correct_s), "%d", s->correct + correct);
    snprintf(chat, sizeof(chat), "%lld", (long long) t->u->chat_id);
    snprintf(lease, sizeof(lease), "%d", t->ctx->outbox_lease_ms);
    mm_timer_payload(t, s->id, s->seq, payload, sizeof(payload));
    if (message_id > 0 && edit == NULL) {
        snprintf(t->err, sizeof(t->err), "out of memory building feedback");
        return -1;
    }
    if (mm_db_batch(t->db, steps, more ? 2 : 1)) {
        free(edit);
        return mm_fail(t, "answer");
    }
    inserted = PQntuples(steps[0].res) == 1;
    if (inserted && !PQgetisnull(steps[0].res, 0, 0))
        edit_id = atoll(PQgetvalue(steps[0].res, 0, 0));
    PQclear(steps[0].res);
    if (more) {
        if (PQntuples(steps[1].res) == 1)
            mm_asked_row(steps[1].res, 0, &next);
        else
            more = -1;
        PQclear(steps[1].res);
    }
    if (!inserted) {
        free(edit);
        mm_reply_callback(t, "You already answered this one.");
        return 0;
    }
    if (points > 0) {
        t->board_user = s->user_id;
        t->board_points = points;
    }
    mm_profile_forget(t, s->user_id);
    s->streak = streak;
    s->best_streak = best;
    s->points += points;
    s->correct += correct;

    /* feedback in place of the buttons (practice shows it at once) */
    if (chosen >= 0)
        mm_reply_callback(t, correct ? "✅ Correct!" : "❌ Not quite");
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

    if (mm_answer_data_parse(t->u->callback_data, &session, &seq, &nonce, &shown)) {
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
    return mm_settle(t, &s, &a, -1, a.message_id);
}

int mm_play_cancel(mm_turn *t) {
    char sid[24];
    const char *p[2] = { sid, "cancelled" };
    mm_session s;
    int rc = mm_session_active(t, &s);

    if (rc < 0)
        return -1;
    if (rc == 0)
        return mm_reply_html(t, "Nothing to cancel. Send /play to start a run.", NULL) < 0 ? -1 : 0;
    snprintf(sid, sizeof(sid), "%lld", s.id);
    if (mm_db_do(t->db, MM_SQL_SESSION_END, 2, p))
        return mm_fail(t, "cancel");
    if (mm_timer_cancel(t, s.id, s.seq))
        return -1;
    return mm_reply_html(t, "Run cancelled. The points you earned stay yours — /play to "
                            "start again.", NULL) < 0 ? -1 : 0;
}

int mm_play_report(mm_turn *t) {
    long long session;
    int seq, reported, hidden;
    char sid[24], seq_s[24], user[24], hide[24], end;
    const char *p[4] = { sid, seq_s, user, hide };
    PGresult *res;

    if (sscanf(t->u->callback_data, "r:%lld:%d%c", &session, &seq, &end) != 2) {
        mm_reply_callback(t, "This button has expired.");
        return 0;
    }
    snprintf(sid, sizeof(sid), "%lld", session);
    snprintf(seq_s, sizeof(seq_s), "%d", seq);
    snprintf(user, sizeof(user), "%lld", (long long) t->u->user_id);
    snprintf(hide, sizeof(hide), "%d", t->ctx->cfg.report_hide);
    if ((res = mm_db_run(t->db, MM_SQL_REPORT, 4, p)) == NULL)
        return mm_fail(t, "report");
    if (PQntuples(res) == 0) {
        PQclear(res);
        mm_reply_callback(t, "This button has expired.");
        return 0;
    }
    reported = atoi(PQgetvalue(res, 0, 0));
    hidden = atoi(PQgetvalue(res, 0, 2));
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
