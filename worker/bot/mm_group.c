/*
 * Groups: the bot's membership as Telegram tells it (my_chat_member), each
 * group's admins (getChatAdministrators, read again once 10 minutes old),
 * and notices a group's member is given once.
 *
 * Why the admin list is read inside the turn: "only admins" is checked,
 * not assumed, and a list older than 10 minutes may name someone who is
 * no longer one.  The call holds the chat for at most a few seconds, and
 * only on the rare turns that ask (creating or ending a quiz).
 */

#include <stdio.h>
#include <string.h>

#include "bot/mm_bot.h"
#include "mm_buf.h"
#include "telegram/mm_html.h"
#include "telegram/mm_tg.h"

#define MM_ADMINS_TIMEOUT_MS 5000
#define MM_ADMINS_ATTEMPTS   2
#define MM_ADMINS_MAX        200

static int mm_is_group(const char *type) {
    return type && (!strcmp(type, "group") || !strcmp(type, "supergroup"));
}

static int mm_is_in(const char *status) {
    return status && (!strcmp(status, "member") || !strcmp(status, "administrator")
                      || !strcmp(status, "creator") || !strcmp(status, "restricted"));
}

int mm_group_member(mm_turn *t) {
    const mm_update *u = t->u;
    int in = mm_is_in(u->member_status), was_in;
    mm_params p;
    PGresult *res;
    mm_buf b;

    if (!mm_is_group(u->chat_type))
        return 0;       /* a private chat blocked or unblocked: nothing to keep */
    mm_params_init(&p, MM_SQL_GROUP_SEEN);
    mm_param_ll(&p, u->chat_id);
    mm_param_str(&p, u->chat_title ? u->chat_title : "");
    mm_param_str(&p, u->chat_type);
    mm_param_str(&p, u->member_status);
    mm_param_bool(&p, !strcmp(u->member_status, "administrator") && u->member_can_pin);
    if (mm_db_one(t->db, &p, &res) != 1)
        return mm_fail(t, "group");
    was_in = mm_is_in(mm_col_str(res, 0, 0));
    PQclear(res);
    if (!in || was_in)
        return 0;       /* removed, or only promoted or restricted: nothing to say */

    mm_buf_init(&b);
    mm_buf_adds(&b, "👋 Hi everyone! I'm <b>Mental Maze</b>: quizzes you play one by one in a "
                    "private chat with me, ranked here when they end.\n\n"
                    "Admins: /createquiz makes one for this group.\n"
                    "Everyone: /leaderboard shows this group's ranking.");
    if (strcmp(u->member_status, "administrator"))
        mm_buf_adds(&b, "\n\nMake me an admin who may pin messages, and I'll pin each quiz's "
                        "announcement.");
    if (b.oom || mm_reply_html(t, b.data, NULL) < 0) {
        mm_buf_free(&b);
        return b.oom ? mm_fail(t, "greeting") : -1;
    }
    mm_buf_free(&b);
    return 0;
}

int mm_group_seen(mm_turn *t) {
    const mm_update *u = t->u;
    mm_params p;

    if (!mm_is_group(u->chat_type))
        return 0;
    mm_params_init(&p, MM_SQL_GROUP_TOUCH);
    mm_param_ll(&p, u->chat_id);
    mm_param_str(&p, u->chat_title ? u->chat_title : "");
    mm_param_str(&p, u->chat_type);
    return mm_db_do(t->db, &p) ? mm_fail(t, "group") : 0;
}

/* getChatAdministrators into group_admins: 0; 1 when Telegram did not give
 * the list (said in the log); -1 with t->err. */
static int mm_admins_read(mm_turn *t, int64_t chat) {
    json_t *params = json_pack("{s:I}", "chat_id", (json_int_t) chat), *m;
    mm_tg_result r;
    mm_tg tg;
    mm_buf ids;
    size_t i;
    int rc;

    memset(&r, 0, sizeof(r));
    if (params == NULL || mm_tg_init(&tg, t->ctx)) {
        json_decref(params);
        snprintf(t->err, sizeof(t->err), "out of memory asking for a group's admins");
        return -1;
    }
    rc = mm_tg_call_retry(&tg, "getChatAdministrators", params, MM_ADMINS_TIMEOUT_MS,
                          MM_ADMINS_ATTEMPTS, &r);
    json_decref(params);
    mm_tg_free(&tg);
    if (rc || !json_is_array(r.result)) {
        mm_log_ids lids = { chat, t->u->user_id, t->u->update_id };
        mm_logf(&t->ctx->log, MM_LOG_WARN, "bot", &lids, "getChatAdministrators: %s",
                r.description[0] ? r.description : "no list");
        mm_tg_result_free(&r);
        return 1;
    }
    mm_buf_init(&ids);
    mm_buf_adds(&ids, "{");
    json_array_foreach(r.result, i, m) {
        json_t *id = json_object_get(json_object_get(m, "user"), "id");
        if (json_is_integer(id) && i < MM_ADMINS_MAX)
            mm_buf_printf(&ids, "%s%lld", ids.len > 1 ? "," : "",
                          (long long) json_integer_value(id));
    }
    mm_buf_adds(&ids, "}");
    mm_tg_result_free(&r);
    if (ids.oom) {
        mm_buf_free(&ids);
        return mm_fail(t, "admins");
    }
    {
        mm_params p;
        mm_params_init(&p, MM_SQL_GROUP_ADMINS_SET);
        mm_param_ll(&p, chat);
        mm_param_str(&p, ids.data);
        rc = mm_db_do(t->db, &p);
    }
    mm_buf_free(&ids);
    return rc ? mm_fail(t, "admins") : 0;
}

int mm_group_admin(mm_turn *t, int64_t chat, int64_t user) {
    mm_params p;
    PGresult *res;
    int found, fresh;

    mm_params_init(&p, MM_SQL_GROUP_GET);
    mm_param_ll(&p, chat);
    if ((found = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "group");
    fresh = found && mm_col_bool(res, 0, MM_GROUP_ADMINS_FRESH);
    if (found)
        PQclear(res);
    if (!found)
        return 0;       /* not a group the bot is known to be in */
    if (!fresh && (found = mm_admins_read(t, chat)) != 0) {
        if (found < 0)
            return -1;
        /* Telegram did not answer: an older list, if there is one, is better
         * than none; without any, nobody is assumed an admin */
        mm_params_init(&p, MM_SQL_GROUP_GET);
        mm_param_ll(&p, chat);
        if (mm_db_one(t->db, &p, &res) != 1)
            return mm_fail(t, "group");
        found = !mm_col_null(res, 0, MM_GROUP_ADMINS_AT);
        PQclear(res);
        if (!found)
            return MM_ADMIN_UNKNOWN;
    }
    mm_params_init(&p, MM_SQL_GROUP_IS_ADMIN);
    mm_param_ll(&p, chat);
    mm_param_ll(&p, user);
    if ((found = mm_db_one(t->db, &p, &res)) < 0)
        return mm_fail(t, "admins");
    if (found)
        PQclear(res);
    return found;
}

int mm_group_notice_once(mm_turn *t, int64_t chat, int64_t user, const char *what) {
    mm_params p;
    long long n;

    mm_params_init(&p, MM_SQL_NOTICE_ONCE);
    mm_param_ll(&p, chat);
    mm_param_ll(&p, user);
    mm_param_str(&p, what);
    if ((n = mm_db_count(t->db, &p)) < 0)
        return mm_fail(t, "notice");
    return n > 0;
}
