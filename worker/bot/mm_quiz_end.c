/*
 * A quiz's end, from its quiz_end timer in the group's partition: in one
 * transaction, under the quiz's row lock and guarded by its state, the
 * attempts still open are closed (what was not answered is wrong), the
 * ranking is written once (quiz_results), the points are given once
 * (the ledger's unique reasons), the quiz is closed, and every message it
 * causes is queued: the card's last edit, the results in the group and a
 * summary to each player.  A second firing, or a second worker, finds the
 * quiz closed and does nothing.
 *
 * Ranking: correct answers (more first), then the edge's receive time of
 * the first correct answer, then of the first answer, then who started
 * first; a player with no correct answer is listed, unranked.
 */

#include <stdio.h>
#include <string.h>

#include "bot/mm_quiz.h"
#include "mm_buf.h"
#include "mm_utf8.h"
#include "quiz/mm_when.h"
#include "sched/mm_timers.h"
#include "telegram/mm_html.h"

#define MM_RANK_SHOWN       10
#define MM_ALERT_SHOWN      5
#define MM_MESSAGE_MAX      4000    /* characters as Telegram counts them (4096) */

/* Messages made of items, each sent whole, as few as fit. */
typedef struct mm_chunks {
    mm_turn *t;
    int64_t chat;
    mm_buf cur;
    size_t shown;               /* cur's length as Telegram counts it */
    int rc;
    long long first;            /* the outbox id of the first message */
} mm_chunks;

static void mm_chunks_init(mm_chunks *c, mm_turn *t, int64_t chat) {
    c->t = t;
    c->chat = chat;
    c->rc = 0;
    c->first = 0;
    c->shown = 0;
    mm_buf_init(&c->cur);
}

static void mm_chunks_flush(mm_chunks *c) {
    long long id;

    if (c->cur.len == 0 || c->rc)
        return;
    if (c->cur.oom)
        c->rc = mm_fail(c->t, "results");
    else if ((id = mm_reply_html_to(c->t, c->chat, c->cur.data, NULL)) < 0)
        c->rc = -1;
    else if (c->first == 0)
        c->first = id;
    mm_buf_reset(&c->cur);
    c->shown = 0;
}

/* Adds item (HTML whose tags close within each line); ends the messages
 * with mm_chunks_done.  Measured as Telegram does, after parsing: a name of
 * 64 "&" is 320 bytes here but 64 characters there. */
static void mm_chunks_add(mm_chunks *c, const mm_buf *item) {
    size_t len = item->len, shown;

    if (item->oom) {
        c->rc = c->rc ? c->rc : mm_fail(c->t, "results");
        return;
    }
    shown = mm_html_visible_len(item->data);
    if (c->cur.len && c->shown + shown > MM_MESSAGE_MAX)
        mm_chunks_flush(c);
    if (shown > MM_MESSAGE_MAX) {
        /* cannot be (items are a few hundred characters): cut at a line's
         * end, where tags are closed, never inside a tag or an entity */
        size_t line = len = mm_utf8_cut(item->data, len, MM_MESSAGE_MAX);
        while (line > 0 && item->data[line - 1] != '\n')
            line--;
        len = line ? line : len;
        shown = MM_MESSAGE_MAX;
    }
    mm_buf_add(&c->cur, item->data, len);
    c->shown += shown;
}

static int mm_chunks_done(mm_chunks *c) {
    mm_chunks_flush(c);
    mm_buf_free(&c->cur);
    return c->rc;
}

/* One line of the ranking: "🥇 Ann — 9/10 · 2 min 13 s ⚠️" */
static void mm_rank_line(const PGresult *res, int i, const mm_quiz *q, int html, mm_buf *b) {
    static const char *medals[] = { "🥇", "🥈", "🥉" };
    int rank = mm_col_int(res, i, MM_RESULT_RANK);
    const char *name = mm_col_str(res, i, MM_RESULT_NAME);

    if (rank >= 1 && rank <= 3)
        mm_buf_printf(b, "%s ", medals[rank - 1]);
    else if (rank > 0)
        mm_buf_printf(b, "%d. ", rank);
    else
        mm_buf_adds(b, "· ");
    if (html)
        mm_html_add(b, *name ? name : "player");
    else
        mm_buf_adds(b, *name ? name : "player");
    mm_buf_printf(b, " %s %d/%d", html ? "—" : "", mm_col_int(res, i, MM_RESULT_CORRECT),
                  q->count);
    if (html) {
        mm_buf_adds(b, " · ");
        mm_when_span(b, mm_col_ll(res, i, MM_RESULT_TOOK_MS) / 1000);
    }
    if (mm_col_bool(res, i, MM_RESULT_FLAGGED))
        mm_buf_adds(b, " ⚠️");
    mm_buf_adds(b, "\n");
}

/* The viewer's own place: "You: #5 of 12 (6/10)". */
static int mm_rank_own(mm_turn *t, const mm_quiz *q, int64_t viewer, mm_buf *b) {
    mm_params p;
    PGresult *res;
    int found;

    mm_params_init(&p, MM_SQL_QUIZ_RESULT_OF);
    mm_param_ll(&p, q->id);
    mm_param_ll(&p, viewer);
    if ((found = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "result");
    if (found == 0) {
        mm_buf_adds(b, viewer == q->creator ? "" : "You didn't play this one.\n");
        return 0;
    }
    if (mm_col_int(res, 0, MM_RESULT_RANK) > 0)
        mm_buf_printf(b, "You: #%d of %d (%d/%d)\n", mm_col_int(res, 0, MM_RESULT_RANK),
                      q->players, mm_col_int(res, 0, MM_RESULT_CORRECT), q->count);
    else
        mm_buf_printf(b, "You: no correct answer, unranked (of %d)\n", q->players);
    PQclear(res);
    return 0;
}

int mm_quiz_ranking(mm_turn *t, const mm_quiz *q, int64_t viewer, int html, mm_buf *b) {
    int shown = html ? MM_RANK_SHOWN : MM_ALERT_SHOWN, flagged = 0, ranked = 0;
    mm_params p;
    PGresult *res;

    mm_params_init(&p, MM_SQL_QUIZ_RESULTS);
    mm_param_ll(&p, q->id);
    mm_param_int(&p, shown);
    if ((res = mm_db_query(t->db, &p)) == NULL)
        return mm_fail(t, "ranking");
    if (!html && viewer && mm_rank_own(t, q, viewer, b)) {
        PQclear(res);
        return -1;
    }
    if (html)
        mm_buf_printf(b, "🏆 <b>Ranking</b> · %d player%s\n", q->players,
                      q->players == 1 ? "" : "s");
    for (int i = 0; i < PQntuples(res); i++) {
        mm_rank_line(res, i, q, html, b);
        flagged |= mm_col_bool(res, i, MM_RESULT_FLAGGED);
        ranked += mm_col_int(res, i, MM_RESULT_RANK) > 0;
    }
    if (PQntuples(res) == 0)
        mm_buf_adds(b, "Nobody played.\n");
    else if (ranked == 0)
        mm_buf_adds(b, "Nobody got an answer right.\n");
    if (html && flagged)
        mm_buf_adds(b, "⚠️ answers quicker than a person can read: marked, still ranked.\n");
    PQclear(res);
    if (html && viewer && mm_rank_own(t, q, viewer, b))
        return -1;
    return 0;
}

/* The questions with their right answers, explanations under spoilers. */
static int mm_results_answers(mm_turn *t, const mm_quiz *q, mm_chunks *c) {
    mm_params p;
    PGresult *res;
    mm_buf item;

    mm_params_init(&p, MM_SQL_QUIZ_QUESTIONS);
    mm_param_ll(&p, q->id);
    if ((res = mm_db_query(t->db, &p)) == NULL)
        return mm_fail(t, "quiz questions");
    mm_buf_init(&item);
    mm_buf_adds(&item, "📖 <b>The answers</b>\n");
    mm_chunks_add(c, &item);
    for (int i = 0; i < PQntuples(res) && c->rc == 0; i++) {
        mm_buf_reset(&item);
        mm_buf_printf(&item, "\n<b>%d.</b> ", mm_col_int(res, i, MM_QQ_SEQ));
        mm_html_add(&item, mm_col_str(res, i, MM_QQ_TEXT));
        mm_buf_adds(&item, "\n✅ <b>");
        mm_html_add(&item, mm_col_str(res, i, MM_QQ_RIGHT));
        mm_buf_adds(&item, "</b>\n<tg-spoiler>");
        mm_html_add(&item, mm_col_str(res, i, MM_QQ_EXPLANATION));
        mm_buf_adds(&item, "</tg-spoiler>\n");
        mm_chunks_add(c, &item);
    }
    mm_buf_free(&item);
    PQclear(res);
    return c->rc;
}

/* The group's ranking message: the ranking, and a paid quiz's prizes. */
static int mm_results_head(mm_turn *t, const mm_quiz *q, mm_buf *head) {
    mm_buf_adds(head, "🏁 <b>Quiz over: ");
    mm_html_add(head, q->topic);
    mm_buf_adds(head, "</b>\n\n");
    if (mm_quiz_ranking(t, q, 0, 1, head))
        return -1;
    return q->prize_token[0] ? mm_quiz_prize_lines(t, q, head) : 0;
}

/* FNV-1a of what a message shows: an edit to the same text is refused by
 * Telegram ("message is not modified"), so none is sent. */
static void mm_digest(const mm_buf *b, char out[17]) {
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < b->len; i++)
        h = (h ^ (unsigned char) b->data[i]) * 1099511628211ULL;
    snprintf(out, 17, "%016llx", (unsigned long long) h);
}

int mm_quiz_results_edit(mm_turn *t, const mm_quiz *q) {
    char digest[17];
    mm_params p;
    PGresult *res;
    mm_buf head;
    long long rc;

    mm_buf_init(&head);
    if ((rc = mm_results_head(t, q, &head)) == 0 && head.oom)
        rc = mm_fail(t, "results");
    if (rc == 0) {
        mm_digest(&head, digest);
        mm_params_init(&p, MM_SQL_QUIZ_RESULTS_SHOWN);
        mm_param_ll(&p, q->id);
        mm_param_str(&p, digest);
        if ((rc = mm_db_one(t->db, &p, &res)) < 0)
            rc = mm_fail(t, "results");
        else if (rc == 1) {
            PQclear(res);
            rc = mm_reply_edit(t, q->chat, q->results_message, head.data, NULL);
        }
    }
    mm_buf_free(&head);
    return rc < 0 ? -1 : 0;
}

/* In the group: the ranking (remembered, to edit as prizes are paid), then
 * the answers. */
static int mm_results_group(mm_turn *t, const mm_quiz *q) {
    mm_params p;
    mm_chunks c;
    mm_buf head;

    char digest[17];

    mm_chunks_init(&c, t, q->chat);
    mm_buf_init(&head);
    if (mm_results_head(t, q, &head)) {
        mm_buf_free(&head);
        mm_chunks_done(&c);
        return -1;
    }
    mm_digest(&head, digest);
    mm_chunks_add(&c, &head);
    mm_chunks_flush(&c);            /* the ranking stands alone */
    mm_buf_free(&head);
    mm_params_init(&p, MM_SQL_QUIZ_RESULTS_SENT);
    mm_param_ll(&p, q->id);
    mm_param_ll(&p, c.first);
    mm_param_str(&p, digest);
    if (c.rc == 0 && q->prize_token[0] && mm_db_do(t->db, &p))
        c.rc = mm_fail(t, "results");
    if (c.rc == 0)
        mm_results_answers(t, q, &c);
    return mm_chunks_done(&c);
}

/* To each player: their answers against the right ones, and their rank. */
static int mm_results_players(mm_turn *t, const mm_quiz *q) {
    mm_params p;
    PGresult *res;
    mm_chunks c;
    mm_buf item;
    int rc = 0, n;

    mm_params_init(&p, MM_SQL_QUIZ_SHEETS);
    mm_param_ll(&p, q->id);
    if ((res = mm_db_query(t->db, &p)) == NULL)
        return mm_fail(t, "answer sheets");
    n = PQntuples(res);
    mm_buf_init(&item);
    for (int i = 0; i < n && rc == 0; i++) {
        int64_t user = mm_col_ll(res, i, MM_SHEET_USER);
        if (i == 0 || user != mm_col_ll(res, i - 1, MM_SHEET_USER)) {
            int rank = mm_col_int(res, i, MM_SHEET_RANK);
            int right = mm_col_int(res, i, MM_SHEET_CORRECT_COUNT);
            mm_profile_forget(t, user);     /* their points moved */
            mm_chunks_init(&c, t, mm_col_ll(res, i, MM_SHEET_CHAT));
            mm_buf_reset(&item);
            mm_buf_adds(&item, "🏁 <b>");
            mm_html_add(&item, q->topic);
            mm_buf_adds(&item, "</b> has ended.\n");
            if (rank > 0)
                mm_buf_printf(&item, "You: <b>#%d</b> of %d · %d/%d correct · +%d points\n",
                              rank, q->players, right, mm_col_int(res, i, MM_SHEET_COUNT),
                              5 * right + 3);
            else
                mm_buf_printf(&item, "No correct answer this time: unranked (of %d).\n",
                              q->players);
            mm_chunks_add(&c, &item);
        }
        mm_buf_reset(&item);
        mm_buf_printf(&item, "\n<b>%d.</b> ", mm_col_int(res, i, MM_SHEET_SEQ));
        mm_html_add(&item, mm_col_str(res, i, MM_SHEET_TEXT));
        if (mm_col_null(res, i, MM_SHEET_CHOSEN))
            mm_buf_adds(&item, "\n⏰ no answer → <b>");
        else if (mm_col_bool(res, i, MM_SHEET_IS_CORRECT))
            mm_buf_adds(&item, "\n✅ <b>");
        else {
            mm_buf_adds(&item, "\n❌ ");
            mm_html_add(&item, mm_col_str(res, i, MM_SHEET_CHOSEN));
            mm_buf_adds(&item, " → <b>");
        }
        mm_html_add(&item, mm_col_str(res, i, MM_SHEET_RIGHT));
        mm_buf_adds(&item, "</b>\n");
        mm_chunks_add(&c, &item);
        if (i + 1 == n || mm_col_ll(res, i + 1, MM_SHEET_USER) != user)
            rc = mm_chunks_done(&c);
    }
    mm_buf_free(&item);
    PQclear(res);
    return rc;
}

/* The card's last edit: over, without ▶️ Play; unpinned. */
static int mm_results_card(mm_turn *t, const mm_quiz *q) {
    mm_buf b;
    long long rc;

    if (q->card_message == 0)
        return 0;
    mm_buf_init(&b);
    mm_quiz_card_html(t, q, &b);
    rc = b.oom ? mm_fail(t, "card")
               : mm_reply_edit(t, q->chat, q->card_message, b.data, mm_quiz_card_keyboard(t, q));
    mm_buf_free(&b);
    if (rc >= 0 && q->pinned)
        rc = mm_reply(t, q->chat, "unpinChatMessage",
                      json_pack("{s:I, s:I}", "chat_id", (json_int_t) q->chat, "message_id",
                                (json_int_t) q->card_message));
    return rc < 0 ? -1 : 0;
}

/* The statements of the end, in order, each with the quiz id first; a
 * paid quiz's prizes come between the points and the state. */
static const mm_sql mm_end_steps[] = { MM_SQL_QUIZ_CLOSE_RUNS, MM_SQL_QUIZ_RANK,
                                       MM_SQL_QUIZ_POINTS, MM_SQL_QUIZ_ENDED };

static int mm_quiz_close(mm_turn *t, const mm_quiz *q) {
    int paid = q->prize_token[0] != '\0';

    for (size_t i = 0; i < sizeof(mm_end_steps) / sizeof(mm_end_steps[0]); i++) {
        mm_params p;
        if (mm_end_steps[i] == MM_SQL_QUIZ_ENDED && paid && mm_quiz_prizes(t, q))
            return -1;
        mm_params_init(&p, mm_end_steps[i]);
        mm_param_ll(&p, q->id);
        if (mm_end_steps[i] == MM_SQL_QUIZ_CLOSE_RUNS)
            mm_param_str(&p, MM_TIMER_Q_TIMEOUT);
        else if (mm_end_steps[i] == MM_SQL_QUIZ_ENDED)
            mm_param_str(&p, paid ? "ended" : "closed");   /* closed once every prize is final */
        if (mm_db_do(t->db, &p))
            return mm_fail(t, "quiz end");
    }
    return 0;
}

int mm_quiz_ends(mm_turn *t) {
    long long quiz = json_integer_value(json_object_get(t->u->timer, "quiz"));
    mm_quiz q;
    int rc;

    if ((rc = mm_quiz_load(t, quiz, 1, &q)) <= 0)
        return rc;
    if (strcmp(q.status, "active") && strcmp(q.status, "scheduled"))
        return 0;       /* ended already, or cancelled */
    if (mm_quiz_close(t, &q) || mm_quiz_load(t, quiz, 0, &q) != 1)
        return -1;
    if (mm_results_card(t, &q) || mm_results_group(t, &q) || mm_results_players(t, &q))
        return -1;
    t->boards_stale = 1;
    mm_profile_forget(t, q.creator);
    mm_logf(&t->ctx->log, MM_LOG_INFO, "bot", &(mm_log_ids) { q.chat, q.creator, -1 },
            "quiz %lld ended: %d players", quiz, q.players);
    return 0;
}
