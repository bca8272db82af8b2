/*
 * Leaderboards and stats.  Boards are Redis sorted sets rebuilt from
 * PostgreSQL (the points ledger is the truth) when missing, kept 180 s,
 * and nudged after each committed answer while they exist.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/mm_bot.h"
#include "mm_buf.h"
#include "mm_utf8.h"
#include "telegram/mm_html.h"

#define MM_BOARD_TTL 180
#define MM_BOARD_TOP 10

/* This week's Monday, 00:00 UTC, in *tm and as seconds. */
static time_t mm_board_monday(struct tm *tm) {
    time_t now = time(NULL);

    gmtime_r(&now, tm);
    now -= (time_t) (((tm->tm_wday + 6) % 7) * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60
                     + tm->tm_sec);
    gmtime_r(&now, tm);
    return now;
}

/* mm:board:all and mm:board:week:<monday, UTC> */
static void mm_board_keys(char *all, char *week, size_t len) {
    struct tm tm;

    mm_board_monday(&tm);
    snprintf(all, len, "mm:board:all");
    snprintf(week, len, "mm:board:week:%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday);
}

/* Rebuilds a missing board from PostgreSQL; 0 or -1 (board left missing). */
static int mm_board_build(mm_turn *t, mm_db *db, const char *key, mm_sql query) {
    redisReply *reply = redisCommand(t->redis, "EXISTS %s", key);
    int exists = reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
    mm_params p;
    PGresult *res;
    int n;

    freeReplyObject(reply);
    if (exists)
        return 0;
    mm_params_init(&p, query);
    if ((res = mm_db_query(db, &p)) == NULL)
        return -1;
    n = PQntuples(res);
    /* the board is written whole, so readers never see half of it */
    redisAppendCommand(t->redis, "MULTI");
    redisAppendCommand(t->redis, "DEL %s", key);
    for (int i = 0; i < n; i++)
        redisAppendCommand(t->redis, "ZADD %s %s %s", key, mm_col_str(res, i, MM_BOARD_POINTS),
                           mm_col_str(res, i, MM_BOARD_USER));
    /* an empty board is remembered too, as a placeholder member */
    redisAppendCommand(t->redis, "ZADD %s 0 -", key);
    redisAppendCommand(t->redis, "EXPIRE %s %d", key, MM_BOARD_TTL);
    redisAppendCommand(t->redis, "EXEC");
    PQclear(res);
    for (int i = 0; i < n + 5; i++) {
        reply = NULL;
        if (redisGetReply(t->redis, (void **) &reply) != REDIS_OK)
            return -1;
        freeReplyObject(reply);
    }
    return 0;
}

static void mm_board_section(mm_turn *t, mm_db *db, mm_buf *b, const char *key,
                             const char *title) {
    redisReply *top = redisCommand(t->redis, "ZREVRANGE %s 0 %d WITHSCORES", key, MM_BOARD_TOP);
    redisReply *rank = redisCommand(t->redis, "ZREVRANK %s %lld", key, (long long) t->u->user_id);
    redisReply *score = redisCommand(t->redis, "ZSCORE %s %lld", key, (long long) t->u->user_id);
    mm_buf ids;
    PGresult *names = NULL;
    int shown = 0;

    mm_buf_printf(b, "\n<b>%s</b>\n", title);
    mm_buf_init(&ids);
    mm_buf_adds(&ids, "{");
    for (size_t i = 0; top && top->type == REDIS_REPLY_ARRAY && i + 1 < top->elements; i += 2)
        if (strcmp(top->element[i]->str, "-"))
            mm_buf_printf(&ids, "%s%s", ids.len > 1 ? "," : "", top->element[i]->str);
    mm_buf_adds(&ids, "}");
    if (ids.len > 2) {
        mm_params p;
        mm_params_init(&p, MM_SQL_USER_NAMES);
        mm_param_str(&p, ids.data);
        names = mm_db_query(db, &p);      /* without names, players show as "player" */
    }
    for (size_t i = 0; top && top->type == REDIS_REPLY_ARRAY && i + 1 < top->elements; i += 2) {
        const char *id = top->element[i]->str, *name = "player";
        static const char *medals[] = { "🥇", "🥈", "🥉" };
        if (!strcmp(id, "-") || shown == MM_BOARD_TOP)
            continue;
        for (int r = 0; names && r < PQntuples(names); r++)
            if (!strcmp(mm_col_str(names, r, MM_NAME_ID), id)
                && mm_col_str(names, r, MM_NAME_FIRST)[0])
                name = mm_col_str(names, r, MM_NAME_FIRST);
        if (shown < 3)
            mm_buf_printf(b, "%s ", medals[shown]);
        else
            mm_buf_printf(b, "%d. ", shown + 1);
        mm_html_add(b, name);
        mm_buf_printf(b, " — %s\n", top->element[i + 1]->str);
        shown++;
    }
    if (shown == 0)
        mm_buf_adds(b, "No points yet — be the first with /play.\n");
    if (rank && rank->type == REDIS_REPLY_INTEGER && score && score->type == REDIS_REPLY_STRING)
        mm_buf_printf(b, "You: #%lld with %s points\n", rank->integer + 1, score->str);
    else
        mm_buf_adds(b, "You: not ranked yet\n");
    PQclear(names);
    mm_buf_free(&ids);
    freeReplyObject(top);
    freeReplyObject(rank);
    freeReplyObject(score);
}

/* A group's board: the points its quizzes gave, since week_start (ms) or
 * all time (0). */
static int mm_board_group_section(mm_turn *t, mm_db *db, mm_buf *b, long long week_start,
                                  const char *title) {
    static const char *medals[] = { "🥇", "🥈", "🥉" };
    mm_params p;
    PGresult *res;

    mm_params_init(&p, MM_SQL_BOARD_GROUP);
    mm_param_ll(&p, t->u->chat_id);
    if (week_start)
        mm_param_ll(&p, week_start);
    else
        mm_param_null(&p);
    if ((res = mm_db_query(db, &p)) == NULL) {
        snprintf(t->err, sizeof(t->err), "group board: %.400s", db->err);
        return -1;
    }
    mm_buf_printf(b, "\n<b>%s</b>\n", title);
    for (int i = 0; i < PQntuples(res) && i < MM_BOARD_TOP; i++) {
        const char *name = mm_col_str(res, i, MM_GBOARD_NAME);
        if (i < 3)
            mm_buf_printf(b, "%s ", medals[i]);
        else
            mm_buf_printf(b, "%d. ", i + 1);
        mm_html_add(b, *name ? name : "player");
        mm_buf_printf(b, " — %s\n", mm_col_str(res, i, MM_GBOARD_POINTS));
    }
    if (PQntuples(res) == 0)
        mm_buf_adds(b, "No points yet — an admin can start a quiz with /createquiz.\n");
    PQclear(res);
    return 0;
}

static int mm_board_group(mm_turn *t) {
    mm_db *db = t->read_db;
    struct tm tm;
    long long rc;
    mm_buf b;

    if (db != t->db && mm_db_ensure(db))
        db = t->db;
    mm_buf_init(&b);
    mm_buf_adds(&b, "🏆 <b>This group's leaderboard</b>\n");
    if (mm_board_group_section(t, db, &b, 0, "All time")
        || mm_board_group_section(t, db, &b, mm_board_monday(&tm) * 1000LL, "This week")) {
        mm_buf_free(&b);
        return -1;
    }
    rc = b.oom ? -1 : mm_reply_html(t, b.data, NULL);
    mm_buf_free(&b);
    return rc < 0 ? -1 : 0;
}

int mm_board_show(mm_turn *t) {
    char all[64], week[64];
    mm_db *db = t->read_db;
    mm_buf b;
    long long rc;

    if (!t->u->is_private && t->u->chat_id < 0)
        return mm_board_group(t);
    /* reads that may lag go to the replica when there is one */
    if (db != t->db && mm_db_ensure(db))
        db = t->db;
    mm_board_keys(all, week, sizeof(all));
    if (mm_board_build(t, db, all, MM_SQL_BOARD_ALL)
        || mm_board_build(t, db, week, MM_SQL_BOARD_WEEK)) {
        snprintf(t->err, sizeof(t->err), "leaderboard: %.400s",
                 t->redis->err ? t->redis->errstr : db->err);
        return -1;
    }
    mm_buf_init(&b);
    mm_buf_adds(&b, "🏆 <b>Leaderboards</b>\n");
    mm_board_section(t, db, &b, all, "All time");
    mm_board_section(t, db, &b, week, "This week");
    rc = b.oom ? -1 : mm_reply_html(t, b.data, NULL);
    mm_buf_free(&b);
    return rc < 0 ? -1 : 0;
}

/* A player's profile as /stats shows it: a Redis hash kept 30 min, read
 * through from PostgreSQL, dropped whenever a turn changes the player. */
#define MM_PROFILE_TTL 1800
#define MM_PROFILE_VALUE (64 * 4 + 1)   /* a name: Telegram's 64 characters of UTF-8 */
static const char *mm_profile_fields[] = { "sdi", "points", "answers", "correct", "runs",
                                            "best_streak", "name" };

static void mm_profile_key(int64_t user, char *out, size_t len) {
    snprintf(out, len, "mm:profile:%lld", (long long) user);
}

/* 1 with v[] filled from the cache or PostgreSQL, 0 no such player, -1 error */
static int mm_profile_get(mm_turn *t, char v[7][MM_PROFILE_VALUE]) {
    char key[48];
    mm_params p;
    redisReply *r;
    PGresult *res;
    int found;

    mm_profile_key(t->u->user_id, key, sizeof(key));
    r = redisCommand(t->redis, "HMGET %s sdi points answers correct runs best_streak name", key);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 7
        && r->element[0]->type == REDIS_REPLY_STRING) {
        for (int i = 0; i < 7; i++)
            mm_utf8_copy(v[i], MM_PROFILE_VALUE, r->element[i]->str ? r->element[i]->str : "");
        freeReplyObject(r);
        return 1;
    }
    freeReplyObject(r);
    mm_params_init(&p, MM_SQL_USER_GET);
    mm_param_ll(&p, t->u->user_id);
    if ((found = mm_db_one(t->db, &p, &res)) <= 0)
        return found < 0 ? mm_fail(t, "stats") : 0;
    for (int i = 0; i < MM_USER_NCOLS; i++)
        mm_utf8_copy(v[i], MM_PROFILE_VALUE, mm_col_str(res, 0, i));
    PQclear(res);
    freeReplyObject(redisCommand(t->redis, "HSET %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s",
                                 key, mm_profile_fields[0], v[0], mm_profile_fields[1], v[1],
                                 mm_profile_fields[2], v[2], mm_profile_fields[3], v[3],
                                 mm_profile_fields[4], v[4], mm_profile_fields[5], v[5],
                                 mm_profile_fields[6], v[6]));
    freeReplyObject(redisCommand(t->redis, "EXPIRE %s %d", key, MM_PROFILE_TTL));
    return 1;
}

void mm_profile_forget(mm_turn *t, int64_t user) {
    char key[48];

    mm_profile_key(user, key, sizeof(key));
    freeReplyObject(redisCommand(t->redis, "DEL %s", key));
    t->profile_user = user;
}

int mm_board_stats(mm_turn *t) {
    char v[7][MM_PROFILE_VALUE];
    mm_buf b;
    long long rc;
    int answers, correct, found = mm_profile_get(t, v);

    if (found < 0)
        return -1;
    if (found == 0)
        return mm_reply_html(t, "No stats yet — send /play to start your first run.", NULL)
               < 0 ? -1 : 0;
    answers = atoi(v[2]);
    correct = atoi(v[3]);
    mm_buf_init(&b);
    mm_buf_adds(&b, "📊 <b>Stats for ");
    mm_html_add(&b, v[6]);
    mm_buf_printf(&b, "</b>\nPoints: %s\nAnswers: %d (%d%% correct)\nRuns finished: %s\n"
                  "Best streak: %s\nDifficulty: SDI %s/10",
                  v[1], answers, answers ? 100 * correct / answers : 0, v[4], v[5], v[0]);
    rc = mm_reply_html(t, b.data, NULL);
    mm_buf_free(&b);
    return rc < 0 ? -1 : 0;
}

/* after COMMIT: what the turn scored joins the boards that are cached */
static const char *mm_board_add_lua =
    "for i = 1, #KEYS do "
    "  if redis.call('EXISTS', KEYS[i]) == 1 then "
    "    redis.call('ZINCRBY', KEYS[i], ARGV[1], ARGV[2]) end end return 1";

void mm_turn_commit(mm_turn *t) {
    char all[64], week[64];

    if (t->profile_user)
        mm_profile_forget(t, t->profile_user);      /* again: a read may have refilled it */
    if (t->replies)
        mm_sender_push(t->ctx->sender, t->replies);
    t->replies = NULL;
    t->tail = &t->replies;
    if (t->boards_stale) {
        /* many players' points moved (a quiz ended): read again from the ledger */
        mm_board_keys(all, week, sizeof(all));
        freeReplyObject(redisCommand(t->redis, "DEL %s %s", all, week));
    } else if (t->board_points > 0) {
        mm_board_keys(all, week, sizeof(all));
        freeReplyObject(redisCommand(t->redis, "EVAL %s 2 %s %s %lld %lld", mm_board_add_lua,
                                     all, week, t->board_points, (long long) t->board_user));
    }
}
