/*
 * Group quizzes: the announcement card (sent once, kept up to date by a
 * quiz_card timer in the group at most every 30 s, pinned when the bot
 * may pin), opening a scheduled quiz, the deep link start=quiz_<id>, one
 * attempt per player (the unique key decides, not a look first), ending
 * early and cancelling (the creator or a current group admin only), and
 * /myquizzes.  The end itself is bot/mm_quiz_end.c; the states, mm_quiz.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bot/mm_callback.h"
#include "bot/mm_quiz.h"
#include "engine/mm_jobs.h"
#include "mm_buf.h"
#include "mm_member.h"
#include "mm_utf8.h"
#include "quiz/mm_when.h"
#include "sched/mm_queue.h"
#include "sched/mm_timers.h"
#include "telegram/mm_html.h"

#define MM_CARD_FIRST_MS    2000        /* the first update pins the card */
#define MM_CARD_RETRY_MS    3000        /* the card is not sent yet */
#define MM_ALERT_MAX        200         /* answerCallbackQuery's text */

int mm_quiz_load(mm_turn *t, long long id, int lock, mm_quiz *q) {
    mm_params p;
    PGresult *res;
    int found;

    memset(q, 0, sizeof(*q));
    mm_params_init(&p, lock ? MM_SQL_QUIZ_LOCK : MM_SQL_QUIZ_GET);
    mm_param_ll(&p, id);
    if ((found = mm_db_one(t->db, &p, &res)) <= 0)
        return found < 0 ? mm_fail(t, "quiz") : 0;
    q->id = id;
    q->chat = mm_col_ll(res, 0, MM_QUIZ_CHAT);
    q->creator = mm_col_ll(res, 0, MM_QUIZ_CREATOR);
    mm_utf8_copy(q->topic, sizeof(q->topic), mm_col_str(res, 0, MM_QUIZ_TOPIC));
    mm_utf8_copy(q->title, sizeof(q->title), mm_col_str(res, 0, MM_QUIZ_TITLE));
    mm_utf8_copy(q->creator_name, sizeof(q->creator_name),
                 mm_col_str(res, 0, MM_QUIZ_CREATOR_NAME));
    mm_utf8_copy(q->status, sizeof(q->status), mm_col_str(res, 0, MM_QUIZ_STATUS));
    q->count = mm_col_int(res, 0, MM_QUIZ_COUNT);
    q->seconds = mm_col_int(res, 0, MM_QUIZ_SECONDS);
    q->players = mm_col_int(res, 0, MM_QUIZ_PLAYERS);
    q->made = mm_col_int(res, 0, MM_QUIZ_MADE);
    q->starts_ms = mm_col_ll(res, 0, MM_QUIZ_STARTS_MS);
    q->ends_ms = mm_col_ll(res, 0, MM_QUIZ_ENDS_MS);
    q->card_message = mm_col_ll(res, 0, MM_QUIZ_CARD_MESSAGE);
    q->pinned = mm_col_bool(res, 0, MM_QUIZ_PINNED);
    q->can_pin = mm_col_bool(res, 0, MM_QUIZ_CAN_PIN);
    mm_utf8_copy(q->prize_token, sizeof(q->prize_token), mm_col_str(res, 0, MM_QUIZ_PRIZE_TOKEN));
    mm_utf8_copy(q->prize_symbol, sizeof(q->prize_symbol),
                 mm_col_str(res, 0, MM_QUIZ_PRIZE_SYMBOL));
    q->prize_decimals = mm_col_int(res, 0, MM_QUIZ_PRIZE_DECIMALS);
    mm_utf8_copy(q->prize_amount, sizeof(q->prize_amount),
                 mm_col_str(res, 0, MM_QUIZ_PRIZE_AMOUNT));
    mm_utf8_copy(q->prize_split, sizeof(q->prize_split), mm_col_str(res, 0, MM_QUIZ_PRIZE_SPLIT));
    mm_utf8_copy(q->fee, sizeof(q->fee), mm_col_str(res, 0, MM_QUIZ_FEE));
    q->members_only = mm_col_bool(res, 0, MM_QUIZ_MEMBERS_ONLY);
    q->results_message = mm_col_ll(res, 0, MM_QUIZ_RESULTS_MESSAGE);
    PQclear(res);
    return 1;
}

static int mm_quiz_is(const mm_quiz *q, const char *status) {
    return !strcmp(q->status, status);
}

/* Open for answers at now_ms: active and not past its end. */
static int mm_quiz_open(const mm_quiz *q, long long now_ms) {
    return mm_quiz_is(q, "active") && now_ms < q->ends_ms;
}

static int mm_quiz_over(const mm_quiz *q) {
    return mm_quiz_is(q, "ended") || mm_quiz_is(q, "closed");
}

static void mm_quiz_link_of(mm_turn *t, long long id, char *out, size_t outlen) {
    snprintf(out, outlen, "https://t.me/%s?start=quiz_%lld", t->ctx->bot_username, id);
}

void mm_quiz_card_html(mm_turn *t, const mm_quiz *q, mm_buf *b) {
    long long now = t->received_at_ms;

    if (mm_quiz_is(q, "cancelled")) {
        mm_buf_adds(b, "✖️ <b>Quiz cancelled: ");
        mm_html_add(b, q->topic);
        mm_buf_adds(b, "</b>");
        return;
    }
    if (mm_quiz_over(q)) {
        mm_buf_adds(b, "🏁 <b>Quiz over: ");
        mm_html_add(b, q->topic);
        mm_buf_printf(b, "</b>\n👥 %d player%s · the results are below.", q->players,
                      q->players == 1 ? "" : "s");
        return;
    }
    mm_buf_adds(b, "🧩 <b>Quiz: ");
    mm_html_add(b, q->topic);
    mm_buf_adds(b, "</b>");
    if (q->creator_name[0]) {
        mm_buf_adds(b, "\nby ");
        mm_html_add(b, q->creator_name);
    }
    mm_buf_printf(b, "\n\n❓ %d question%s · %d s each", q->count, q->count == 1 ? "" : "s",
                  q->seconds);
    if (q->prize_token[0]) {
        json_t *split = json_loads(q->prize_split, 0, NULL);
        mm_buf_adds(b, "\n💰 Prize pool: ");
        mm_quiz_units_html(q, q->prize_amount, b);
        mm_buf_printf(b, " for the top %zu%s", json_array_size(split),
                      q->members_only ? " (group members)" : "");
        json_decref(split);
    }
    if (mm_quiz_is(q, "scheduled")) {
        mm_buf_adds(b, "\n🕒 Opens: ");
        mm_when_html(b, q->starts_ms, now);
    }
    mm_buf_adds(b, "\n⏳ Ends: ");
    mm_when_html(b, q->ends_ms, now);
    mm_buf_printf(b, "\n👥 Players: %d\n\nTap ▶️ Play: you play alone in a private chat with "
                     "me, one attempt each; the answers are revealed here when it ends.",
                  q->players);
}

json_t *mm_quiz_card_keyboard(mm_turn *t, const mm_quiz *q) {
    char link[160], data[MM_CB_MAX];
    json_t *kb;

    if (mm_quiz_is(q, "cancelled"))
        return NULL;
    kb = mm_keyboard();
    if (!mm_quiz_over(q)) {
        mm_quiz_link_of(t, q->id, link, sizeof(link));
        mm_keyboard_button(kb, "▶️ Play", link);
    }
    mm_callback_id(data, MM_CB_QUIZ_BOARD, q->id);
    mm_keyboard_button(kb, "🏆 Leaderboard", data);
    return kb;
}

int mm_quiz_card_soon(mm_turn *t, long long quiz, int at_least_ms) {
    mm_params p;

    mm_params_init(&p, MM_SQL_QUIZ_CARD_LATER);
    mm_param_ll(&p, quiz);
    mm_param_str(&p, MM_TIMER_QUIZ_CARD);
    mm_param_int(&p, at_least_ms);
    return mm_db_do(t->db, &p) ? mm_fail(t, "card") : 0;
}

/* Sends html as the quiz's card into its group; the card's outbox row is
 * remembered so its message can be edited and pinned once sent. */
static int mm_quiz_card_send(mm_turn *t, const mm_quiz *q) {
    mm_params p;
    long long id;
    mm_buf b;

    mm_buf_init(&b);
    mm_quiz_card_html(t, q, &b);
    if (b.oom) {
        mm_buf_free(&b);
        snprintf(t->err, sizeof(t->err), "out of memory building a card");
        return -1;
    }
    id = mm_reply_html_to(t, q->chat, b.data, mm_quiz_card_keyboard(t, q));
    mm_buf_free(&b);
    if (id < 0)
        return -1;
    mm_params_init(&p, MM_SQL_QUIZ_CARD_SENT);
    mm_param_ll(&p, q->id);
    mm_param_ll(&p, id);
    mm_param_int(&p, q->players);
    mm_param_str(&p, q->status);
    if (mm_db_do(t->db, &p))
        return mm_fail(t, "card");
    return mm_quiz_card_soon(t, q->id, MM_CARD_FIRST_MS);
}

int mm_quiz_announce(mm_turn *t, long long quiz, int64_t by) {
    mm_params p;
    PGresult *res;
    mm_quiz q;
    int rc;

    mm_params_init(&p, MM_SQL_QUIZ_ANNOUNCE);
    mm_param_ll(&p, quiz);
    mm_param_str(&p, MM_TIMER_QUIZ_START);
    mm_param_str(&p, MM_TIMER_QUIZ_END);
    mm_param_str(&p, MM_TIMER_QUIZ_CARD);
    mm_param_str(&p, MM_TIMER_QUIZ_FUND_END);
    if ((rc = mm_db_one(t->db, &p, &res)) <= 0)
        return rc < 0 ? mm_fail(t, "announce") : 0;     /* not a draft with questions */
    PQclear(res);
    if ((rc = mm_quiz_load(t, quiz, 0, &q)) <= 0)
        return rc < 0 ? -1 : 0;
    mm_logf(&t->ctx->log, MM_LOG_INFO, "bot", &(mm_log_ids) { q.chat, by, t->u->update_id },
            "quiz %lld announced: %d questions, %s", quiz, q.made, q.status);
    return mm_quiz_card_send(t, &q) ? -1 : 1;
}

/* --- timers --- */

int mm_quiz_made(mm_turn *t) {
    long long job = json_integer_value(json_object_get(t->u->timer, "job")), quiz, made = 0;
    char why[300] = "";
    int64_t user;
    json_t *j;
    PGresult *res;
    int rc, done;

    if ((rc = mm_queue_announce(t->db, job, t->u->chat_id, MM_JOB_QUIZ, &res)) <= 0)
        return rc < 0 ? mm_fail(t, "quiz job") : 0;
    done = !strcmp(mm_col_str(res, 0, MM_JOBGET_STATE), "done");
    user = mm_col_ll(res, 0, MM_JOBGET_USER);
    j = json_loads(mm_col_str(res, 0, MM_JOBGET_PAYLOAD), 0, NULL);
    quiz = mm_member_ll(j, "quiz");
    json_decref(j);
    if (done) {
        j = json_loads(mm_col_str(res, 0, MM_JOBGET_RESULT), 0, NULL);
        made = mm_member_ll(j, "made");
        json_decref(j);
    }
    mm_utf8_copy(why, sizeof(why), mm_col_str(res, 0, MM_JOBGET_ERROR));
    PQclear(res);
    if (t->u->chat_id > 0)
        return mm_wizard_made(t, user, quiz, (int) made, why);
    /* `mm-worker quiz create` asked for it in the group: announced at once,
     * or funded first from its creator's wallet */
    if (made > 0) {
        mm_quiz q;
        if ((rc = mm_quiz_load(t, quiz, 0, &q)) <= 0)
            return rc;
        if (q.prize_token[0])
            return mm_quiz_fund(t, quiz, user) < 0 ? -1 : 0;
        return mm_quiz_announce(t, quiz, user) < 0 ? -1 : 0;
    }
    {
        mm_params p;
        mm_params_init(&p, MM_SQL_QUIZ_CANCEL);
        mm_param_ll(&p, quiz);
        mm_param_str(&p, why[0] ? why : "no questions");
        return mm_db_do(t->db, &p) ? mm_fail(t, "quiz") : 0;
    }
}

int mm_quiz_opens(mm_turn *t) {
    long long quiz = json_integer_value(json_object_get(t->u->timer, "quiz"));
    mm_params p;
    PGresult *res;
    mm_quiz q;
    mm_buf b;
    int rc;

    mm_params_init(&p, MM_SQL_QUIZ_OPEN);
    mm_param_ll(&p, quiz);
    if ((rc = mm_db_one(t->db, &p, &res)) <= 0)
        return rc < 0 ? mm_fail(t, "open") : 0;     /* cancelled, or opened already */
    PQclear(res);
    if ((rc = mm_quiz_load(t, quiz, 0, &q)) <= 0)
        return rc;
    mm_buf_init(&b);
    mm_buf_adds(&b, "🔔 The quiz on <b>");
    mm_html_add(&b, q.topic);
    mm_buf_adds(&b, "</b> is open! Tap ▶️ Play on its card to take part.");
    rc = b.oom ? mm_fail(t, "open") : mm_reply_html_to(t, q.chat, b.data, NULL) < 0 ? -1 : 0;
    mm_buf_free(&b);
    return rc ? rc : mm_quiz_card_soon(t, quiz, 0);
}

/* Pins the card the first time, when the bot may. */
static int mm_quiz_card_pin(mm_turn *t, const mm_quiz *q, long long message) {
    json_t *pin;
    mm_params p;

    if (!q->can_pin || q->pinned)
        return 0;
    pin = json_pack("{s:I, s:I, s:b}", "chat_id", (json_int_t) q->chat, "message_id",
                    (json_int_t) message, "disable_notification", 1);
    if (mm_reply(t, q->chat, "pinChatMessage", pin) < 0)
        return -1;
    mm_params_init(&p, MM_SQL_QUIZ_PINNED);
    mm_param_ll(&p, q->id);
    return mm_db_do(t->db, &p) ? mm_fail(t, "pin") : 0;
}

/* The card pinned the first time (if the bot may), and brought up to date
 * when what it shows changed: now if it was not edited in the last 30 s,
 * else when it may be. */
int mm_quiz_card(mm_turn *t) {
    long long quiz = json_integer_value(json_object_get(t->u->timer, "quiz")), message;
    mm_params p;
    PGresult *res;
    mm_quiz q;
    mm_buf b;
    int rc, may, failed, same;

    if ((rc = mm_quiz_load(t, quiz, 1, &q)) <= 0)
        return rc;
    if (mm_quiz_over(&q) || mm_quiz_is(&q, "cancelled") || mm_quiz_is(&q, "draft"))
        return 0;       /* the end and the cancel edit it themselves */
    mm_params_init(&p, MM_SQL_QUIZ_CARD_STATE);
    mm_param_ll(&p, quiz);
    if (mm_db_one(t->db, &p, &res) != 1)
        return mm_fail(t, "card");
    message = mm_col_ll(res, 0, MM_CARD_MESSAGE);
    failed = mm_col_bool(res, 0, MM_CARD_FAILED);
    may = mm_col_bool(res, 0, MM_CARD_MAY_EDIT);
    same = mm_col_int(res, 0, MM_CARD_PLAYERS) == q.players
           && !strcmp(mm_col_str(res, 0, MM_CARD_STATUS), q.status);
    PQclear(res);
    if (failed)
        return 0;       /* the group never got it (the bot was removed): nothing to edit */
    if (message == 0)
        return mm_quiz_card_soon(t, quiz, MM_CARD_RETRY_MS);
    if (mm_quiz_card_pin(t, &q, message))
        return -1;
    if (same)
        return 0;
    if (!may)
        return mm_quiz_card_soon(t, quiz, 0);
    mm_params_init(&p, MM_SQL_QUIZ_CARD_EDITED);
    mm_param_ll(&p, quiz);
    mm_param_ll(&p, message);
    mm_param_int(&p, q.players);
    mm_param_str(&p, q.status);
    if (mm_db_do(t->db, &p))
        return mm_fail(t, "card");
    mm_buf_init(&b);
    mm_quiz_card_html(t, &q, &b);
    rc = b.oom ? mm_fail(t, "card")
               : mm_reply_edit(t, q.chat, message, b.data, mm_quiz_card_keyboard(t, &q)) < 0
                     ? -1 : 0;
    mm_buf_free(&b);
    return rc;
}

/* --- a player --- */

/* start=quiz_<id> in private chat: the card, and what the player can do. */
int mm_quiz_link(mm_turn *t, const char *arg) {
    char data[MM_CB_MAX], *end;
    long long id = strtoll(arg, &end, 10), attempt = 0;
    const char *state = NULL;
    json_t *kb = NULL;
    mm_params p;
    PGresult *res;
    mm_quiz q;
    mm_buf b;
    int rc;

    rc = *arg && !*end && id > 0 ? mm_quiz_load(t, id, 0, &q) : 0;
    if (rc < 0)
        return -1;
    mm_buf_init(&b);
    if (rc == 0 || mm_quiz_is(&q, "draft") || mm_quiz_is(&q, "funding")) {
        mm_buf_adds(&b, "I can't find quiz <code>");
        mm_html_add(&b, arg);
        mm_buf_adds(&b, "</code>. Ask the group for a fresh link, or warm up with /play.");
        rc = b.oom ? mm_fail(t, "quiz") : mm_reply_html(t, b.data, NULL) < 0 ? -1 : 0;
        mm_buf_free(&b);
        return rc;
    }
    mm_params_init(&p, MM_SQL_QUIZ_ATTEMPT_OF);
    mm_param_ll(&p, id);
    mm_param_ll(&p, t->u->user_id);
    if ((rc = mm_db_one(t->db, &p, &res)) < 0) {
        mm_buf_free(&b);
        return mm_fail(t, "attempt");
    }
    if (rc) {
        attempt = mm_col_ll(res, 0, 0);
        state = mm_col_str(res, 0, 1);
    }
    mm_quiz_card_html(t, &q, &b);
    mm_buf_adds(&b, "\n\n");
    if (mm_quiz_over(&q) || (mm_quiz_is(&q, "active") && !mm_quiz_open(&q, t->received_at_ms))) {
        if (mm_quiz_over(&q))
            rc = mm_quiz_ranking(t, &q, t->u->user_id, 1, &b);
        else
            mm_buf_adds(&b, "It has just ended: the results come in a moment.");
    } else if (mm_quiz_is(&q, "cancelled")) {
        mm_buf_adds(&b, "It was cancelled.");
    } else if (q.creator == t->u->user_id) {
        mm_buf_adds(&b, "You created this quiz, so you can't play it — share the card! "
                        "/myquizzes shows it, with a button to end it early.");
    } else if (attempt && !strcmp(state, "active")) {
        mm_buf_adds(&b, "You're playing it: answer the question above, or /stop.");
    } else if (attempt) {
        mm_buf_adds(&b, "You've played this quiz (one attempt each). The results come when it "
                        "ends.");
    } else if (mm_quiz_is(&q, "scheduled")) {
        mm_buf_adds(&b, "It isn't open yet: come back when it opens.");
    } else {
        mm_buf_printf(&b, "One attempt: %d questions, %d s each, in your own order. Your answers "
                          "are recorded, not judged, until the quiz ends. /stop ends your "
                          "attempt.", q.count, q.seconds);
        kb = mm_keyboard();
        mm_callback_id(data, MM_CB_QUIZ_START, id);
        mm_keyboard_button(kb, "🚀 Start", data);
    }
    if (attempt)
        PQclear(res);
    if (rc < 0 || b.oom) {
        json_decref(kb);
        mm_buf_free(&b);
        return rc < 0 ? -1 : mm_fail(t, "quiz");
    }
    rc = mm_reply_html(t, b.data, kb) < 0 ? -1 : 0;
    mm_buf_free(&b);
    return rc;
}

static void mm_shuffle_ids(long long *ids, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = (int) randombytes_uniform((uint32_t) i + 1);
        long long tmp = ids[i];
        ids[i] = ids[j];
        ids[j] = tmp;
    }
}

/* 🚀 Start: the player's one attempt, its questions in their own order. */
int mm_quiz_start(mm_turn *t, const char *rest) {
    long long id, ids[MM_QUIZ_QUESTIONS_MAX];
    mm_params p;
    PGresult *res;
    mm_quiz q;
    mm_buf b;
    int rc, n;

    (void) rest;
    if (!t->u->is_private)
        return 0;       /* attempts are played in private chat */
    if (mm_callback_id_parse(t->u->callback_data, MM_CB_QUIZ_START, &id)
        || (rc = mm_quiz_load(t, id, 0, &q)) == 0)
        return mm_reply_html(t, "This quiz can't be found any more.", NULL) < 0 ? -1 : 0;
    if (rc < 0)
        return -1;
    if (q.creator == t->u->user_id)
        return mm_reply_html(t, "You created this quiz, so you can't play it.", NULL) < 0 ? -1 : 0;
    if (!mm_quiz_open(&q, t->received_at_ms))
        return mm_reply_html(t, mm_quiz_is(&q, "scheduled") ? "It isn't open yet."
                                                            : "This quiz is closed.",
                             NULL) < 0 ? -1 : 0;
    if ((rc = mm_play_idle(t)) <= 0)
        return rc;      /* busy with a run: told so */
    mm_params_init(&p, MM_SQL_QUIZ_ATTEMPT);
    mm_param_ll(&p, id);
    mm_param_ll(&p, t->u->user_id);
    mm_param_ll(&p, t->u->chat_id);
    if ((rc = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "attempt");
    if (rc == 0)
        return mm_reply_html(t, "You've played this quiz already: one attempt each. The results "
                                "come when it ends.", NULL) < 0 ? -1 : 0;
    PQclear(res);

    mm_params_init(&p, MM_SQL_QUIZ_QUESTIONS);
    mm_param_ll(&p, id);
    if ((res = mm_db_query(t->db, &p)) == NULL)
        return mm_fail(t, "quiz questions");
    for (n = 0; n < PQntuples(res) && n < MM_QUIZ_QUESTIONS_MAX; n++)
        ids[n] = mm_col_ll(res, n, MM_QQ_ID);
    PQclear(res);
    mm_shuffle_ids(ids, n);
    mm_buf_init(&b);
    mm_buf_adds(&b, "🚀 <b>");
    mm_html_add(&b, q.topic);
    mm_buf_printf(&b, "</b> · %d question%s · %d s each. Answers are recorded, not judged, "
                      "until the quiz ends.", n, n == 1 ? "" : "s", q.seconds);
    rc = b.oom ? mm_fail(t, "quiz") : mm_play_run(t, ids, n, b.data);
    mm_buf_free(&b);
    /* one more player on the card */
    return rc ? rc : mm_quiz_card_soon(t, id, 0);
}

/* 🏆 under the card: the ranking once it is over, the count until then. */
int mm_quiz_board(mm_turn *t, const char *rest) {
    char alert[MM_ALERT_MAX + 1];
    long long id;
    mm_quiz q;
    mm_buf b;
    int rc;

    (void) rest;
    if (mm_callback_id_parse(t->u->callback_data, MM_CB_QUIZ_BOARD, &id)
        || (rc = mm_quiz_load(t, id, 0, &q)) == 0) {
        mm_reply_callback(t, "This button has expired.");
        return 0;
    }
    if (rc < 0)
        return -1;
    mm_buf_init(&b);
    if (mm_quiz_over(&q)) {
        if (mm_quiz_ranking(t, &q, t->u->user_id, 0, &b)) {
            mm_buf_free(&b);
            return -1;
        }
    } else {
        mm_buf_printf(&b, "👥 %d player%s so far. The ranking is posted in the group when the "
                          "quiz ends, ", q.players, q.players == 1 ? "" : "s");
        mm_when_html(&b, q.ends_ms, t->received_at_ms);
        mm_buf_adds(&b, ".");
    }
    mm_utf8_copy(alert, sizeof(alert), b.data ? b.data : "");
    mm_buf_free(&b);
    mm_reply_alert(t, alert);
    return 0;
}

/* --- the creator and the group's admins --- */

/* May the presser end or cancel q: its creator, or an admin of its group
 * now.  1, 0 (told why), -1. */
static int mm_quiz_may_manage(mm_turn *t, const mm_quiz *q) {
    int rc;

    if (q->creator == t->u->user_id)
        return 1;
    if ((rc = mm_group_admin(t, q->chat, t->u->user_id)) < 0)
        return -1;
    if (rc == 1)
        return 1;
    return mm_reply_html(t, rc == MM_ADMIN_UNKNOWN
                                ? "I couldn't check the group's admins just now. Try again in "
                                  "a minute."
                                : "Only the quiz's creator or a group admin can end or cancel "
                                  "it.", NULL) < 0 ? -1 : 0;
}

/* Ends q now (as its end timer would, which is made due now) or cancels it
 * before it opened. */
static int mm_quiz_stop(mm_turn *t, long long id, int cancel_only) {
    mm_params p;
    mm_quiz q;
    mm_buf b;
    int rc;

    if ((rc = mm_quiz_load(t, id, 1, &q)) <= 0)
        return rc < 0 ? -1 : mm_reply_html(t, "I can't find that quiz.", NULL) < 0 ? -1 : 0;
    if ((rc = mm_quiz_may_manage(t, &q)) <= 0)
        return rc;
    if (mm_quiz_is(&q, "scheduled") || mm_quiz_is(&q, "draft") || mm_quiz_is(&q, "funding")) {
        /* scheduled: funded; before that the pool may not have been taken */
        const char *said = !q.prize_token[0] ? "✖️ Quiz cancelled before it opened."
                         : mm_quiz_is(&q, "scheduled")
                             ? "✖️ Quiz cancelled before it opened; its prize pool goes back "
                               "to its creator."
                             : "✖️ Quiz cancelled before it opened; whatever was taken for its "
                               "prize goes back to its creator.";
        if ((rc = mm_quiz_cancel(t, id, "cancelled by its creator or an admin")) <= 0)
            return rc;
        snprintf(q.status, sizeof(q.status), "cancelled");
        mm_buf_init(&b);
        mm_quiz_card_html(t, &q, &b);
        rc = (q.card_message && mm_reply_edit(t, q.chat, q.card_message, b.data, NULL) < 0)
                 ? -1
                 : mm_reply_html(t, said, NULL) < 0 ? -1 : 0;
        mm_buf_free(&b);
        return rc;
    }
    if (cancel_only || !mm_quiz_is(&q, "active"))
        return mm_reply_html(t, mm_quiz_is(&q, "active") ? "It's open already: end it instead."
                                                         : "This quiz is over already.",
                             NULL) < 0 ? -1 : 0;
    mm_params_init(&p, MM_SQL_QUIZ_END_NOW);
    mm_param_ll(&p, id);
    mm_param_str(&p, MM_TIMER_QUIZ_END);
    mm_param_ll(&p, t->received_at_ms);
    if (mm_db_count(t->db, &p) < 0)
        return mm_fail(t, "end");
    return mm_reply_html(t, "⏹ Ending the quiz now: the results come in the group in a moment.",
                         NULL) < 0 ? -1 : 0;
}

int mm_quiz_end_button(mm_turn *t, const char *rest) {
    long long id;

    (void) rest;
    if (mm_callback_id_parse(t->u->callback_data, MM_CB_QUIZ_END, &id))
        return 0;
    return mm_quiz_stop(t, id, 0);
}

int mm_quiz_cancel_button(mm_turn *t, const char *rest) {
    long long id;

    (void) rest;
    if (mm_callback_id_parse(t->u->callback_data, MM_CB_QUIZ_CANCEL, &id))
        return 0;
    return mm_quiz_stop(t, id, 1);
}

/* /endquiz [id]: in a group its newest open quiz by default (a scheduled one is
 * cancelled only when named: cancelling refunds a paid quiz). */
int mm_quiz_end_command(mm_turn *t, const char *args) {
    char *end;
    long long id = strtoll(args, &end, 10);
    mm_params p;
    PGresult *res;
    int rc;

    if (*args && (*end || id <= 0))
        return mm_reply_html(t, "Send /endquiz, or /endquiz followed by the quiz's number.",
                             NULL) < 0 ? -1 : 0;
    if (!*args && t->u->is_private)
        return mm_reply_html(t, "Which one? /myquizzes lists yours with a button to end each.",
                             NULL) < 0 ? -1 : 0;
    if (!*args) {
        mm_params_init(&p, MM_SQL_QUIZ_OF_GROUP);
        mm_param_ll(&p, t->u->chat_id);
        if ((rc = mm_db_one(t->db, &p, &res)) <= 0)
            return rc < 0 ? mm_fail(t, "quiz")
                          : mm_reply_html(t, "No quiz is open in this group.", NULL) < 0 ? -1 : 0;
        id = mm_col_ll(res, 0, 0);
        PQclear(res);
    }
    return mm_quiz_stop(t, id, 0);
}

int mm_quiz_mine(mm_turn *t, const char *args) {
    char data[MM_CB_MAX], label[48];
    json_t *kb = mm_keyboard();
    mm_params p;
    PGresult *res;
    mm_buf b;
    int rc, buttons = 0;

    (void) args;
    mm_params_init(&p, MM_SQL_QUIZ_OF_CREATOR);
    mm_param_ll(&p, t->u->user_id);
    if ((res = mm_db_query(t->db, &p)) == NULL) {
        json_decref(kb);
        return mm_fail(t, "quizzes");
    }
    mm_buf_init(&b);
    mm_buf_adds(&b, PQntuples(res) ? "🗂 <b>Your quizzes</b>\n"
                                   : "You haven't created a quiz yet: /createquiz makes one "
                                     "for a group where you're an admin.");
    for (int i = 0; i < PQntuples(res); i++) {
        long long id = mm_col_ll(res, i, MM_MINE_ID);
        const char *status = mm_col_str(res, i, MM_MINE_STATUS);
        mm_buf_printf(&b, "\n#%lld <b>", id);
        mm_html_add(&b, mm_col_str(res, i, MM_MINE_TOPIC));
        mm_buf_adds(&b, "</b> in ");
        mm_html_add(&b, mm_col_str(res, i, MM_MINE_TITLE));
        mm_buf_printf(&b, " — %s, %d player%s", status, mm_col_int(res, i, MM_MINE_PLAYERS),
                      mm_col_int(res, i, MM_MINE_PLAYERS) == 1 ? "" : "s");
        if (!strcmp(status, "active") || !strcmp(status, "scheduled")) {
            mm_buf_adds(&b, ", ends ");
            mm_when_html(&b, mm_col_ll(res, i, MM_MINE_ENDS_MS), t->received_at_ms);
            mm_callback_id(data, !strcmp(status, "active") ? MM_CB_QUIZ_END : MM_CB_QUIZ_CANCEL,
                           id);
            snprintf(label, sizeof(label), "%s #%lld",
                     !strcmp(status, "active") ? "⏹ End" : "✖️ Cancel", id);
            if (buttons++)
                mm_keyboard_row(kb);
            mm_keyboard_button(kb, label, data);
        }
    }
    PQclear(res);
    if (b.oom) {
        json_decref(kb);
        mm_buf_free(&b);
        return mm_fail(t, "quizzes");
    }
    rc = mm_reply_html(t, b.data, buttons ? kb : (json_decref(kb), NULL)) < 0 ? -1 : 0;
    mm_buf_free(&b);
    return rc;
}
