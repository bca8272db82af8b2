#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/mm_bot.h"
#include "mm_buf.h"

void mm_turn_init(mm_turn *t, mm_ctx *ctx, mm_db *db, mm_db *read_db, redisContext *redis,
                  const mm_update *u, long long received_at_ms) {
    memset(t, 0, sizeof(*t));
    t->ctx = ctx;
    t->db = db;
    t->read_db = read_db;
    t->redis = redis;
    t->u = u;
    t->received_at_ms = received_at_ms;
    t->tail = &t->replies;
}

int mm_fail(mm_turn *t, const char *what) {
    snprintf(t->err, sizeof(t->err), "%s: %.400s", what, t->db->err);
    return -1;
}

void mm_turn_discard(mm_turn *t) {
    for (mm_out *o = t->replies, *n; o; o = n) {
        n = o->next;
        mm_out_free(o);
    }
    t->replies = NULL;
    t->tail = &t->replies;
}

#define MM_REPLY_FALLBACK "Sorry, something went wrong showing this \u2014 please try again."

/* A reply that could not be built (jansson refuses text that is not UTF-8)
 * becomes a generic one, so the update is not failed for it: a callback's
 * answer stays one, anything else becomes a message to the chat. */
static char *mm_reply_fallback(mm_turn *t, int64_t chat_id, const char **method) {
    mm_log_ids ids = { t->u->chat_id, t->u->user_id, t->u->update_id };
    json_t *p;
    char *json;

    mm_logf(&t->ctx->log, MM_LOG_WARN, "bot", &ids,
            "%s could not be built (text not UTF-8?): a generic reply instead", *method);
    if (!strcmp(*method, "answerCallbackQuery"))
        p = json_pack("{s:s, s:s}", "callback_query_id",
                      t->u->callback_id ? t->u->callback_id : "", "text", MM_REPLY_FALLBACK);
    else
        p = json_pack("{s:I, s:s}", "chat_id", (json_int_t) chat_id, "text", MM_REPLY_FALLBACK);
    if (strcmp(*method, "answerCallbackQuery"))
        *method = "sendMessage";
    json = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    return json;
}

static long long mm_reply_add(mm_turn *t, int64_t chat_id, const char *method, json_t *params,
                              int durable) {
    char *json = params ? json_dumps(params, JSON_COMPACT) : NULL;
    mm_params p;
    PGresult *res;
    long long id = 0;

    json_decref(params);
    if (json == NULL && (json = mm_reply_fallback(t, chat_id, &method)) == NULL) {
        snprintf(t->err, sizeof(t->err), "out of memory building %s", method);
        return -1;
    }
    if (durable) {
        mm_params_init(&p, MM_SQL_OUTBOX_ADD);
        mm_param_ll(&p, chat_id);
        mm_param_str(&p, method);
        mm_param_str(&p, json);
        mm_param_str(&p, t->ctx->instance);
        mm_param_int(&p, t->ctx->cfg.outbox_lease_ms);
        if (mm_db_one(t->db, &p, &res) != 1) {
            free(json);
            return mm_fail(t, "outbox");
        }
        id = mm_col_ll(res, 0, 0);
        PQclear(res);
    }
    id = mm_reply_queue(t, chat_id, method, json, id);
    free(json);
    return id;
}

long long mm_reply_queue(mm_turn *t, int64_t chat_id, const char *method, const char *json,
                         long long outbox_id) {
    mm_out *o = mm_out_new(chat_id, method, json);

    if (o == NULL) {
        snprintf(t->err, sizeof(t->err), "out of memory queueing %s", method);
        return -1;
    }
    o->outbox_id = outbox_id;
    o->is_group = chat_id < 0;         /* group flood limits: by the chat written to */
    *t->tail = o;
    t->tail = &o->next;
    return outbox_id;
}

long long mm_reply(mm_turn *t, int64_t chat_id, const char *method, json_t *params) {
    return mm_reply_add(t, chat_id, method, params, 1);
}

long long mm_reply_html(mm_turn *t, const char *html, json_t *markup) {
    return mm_reply_html_to(t, t->u->chat_id, html, markup);
}

long long mm_reply_html_to(mm_turn *t, int64_t chat_id, const char *html, json_t *markup) {
    json_t *p = json_pack("{s:I, s:s, s:s, s:{s:b}}", "chat_id", (json_int_t) chat_id,
                          "text", html, "parse_mode", "HTML", "link_preview_options",
                          "is_disabled", 1);

    if (p && markup)
        json_object_set_new(p, "reply_markup", markup);
    else
        json_decref(markup);
    return mm_reply(t, chat_id, "sendMessage", p);
}

long long mm_reply_edit(mm_turn *t, int64_t chat_id, long long message_id, const char *html,
                        json_t *markup) {
    json_t *p = json_pack("{s:I, s:I, s:s, s:s, s:{s:b}}", "chat_id", (json_int_t) chat_id,
                          "message_id", (json_int_t) message_id, "text", html, "parse_mode",
                          "HTML", "link_preview_options", "is_disabled", 1);

    /* no markup: the buttons go */
    json_object_set_new(p, "reply_markup", markup ? markup : json_pack("{s:[]}",
                                                                       "inline_keyboard"));
    return mm_reply(t, chat_id, "editMessageText", p);
}

void mm_reply_callback(mm_turn *t, const char *text) {
    json_t *p;

    if (t->u->callback_id == NULL)
        return;
    p = json_pack("{s:s}", "callback_query_id", t->u->callback_id);
    if (p && text)
        json_object_set_new(p, "text", json_string(text));
    mm_reply_add(t, t->u->chat_id, "answerCallbackQuery", p, 0);
}

void mm_reply_alert(mm_turn *t, const char *text) {
    json_t *p;

    if (t->u->callback_id == NULL)
        return;
    p = json_pack("{s:s, s:s, s:b}", "callback_query_id", t->u->callback_id, "text", text,
                  "show_alert", 1);
    mm_reply_add(t, t->u->chat_id, "answerCallbackQuery", p, 0);
}

json_t *mm_keyboard(void) {
    json_t *kb = json_pack("{s:[[]]}", "inline_keyboard");
    return kb;
}

void mm_keyboard_row(json_t *kb) {
    json_array_append_new(json_object_get(kb, "inline_keyboard"), json_array());
}

void mm_keyboard_button(json_t *kb, const char *text, const char *data) {
    json_t *rows = json_object_get(kb, "inline_keyboard");
    json_t *row = json_array_get(rows, json_array_size(rows) - 1);

    if (!strncmp(data, "https://", 8))
        json_array_append_new(row, json_pack("{s:s, s:s}", "text", text, "url", data));
    else
        json_array_append_new(row, json_pack("{s:s, s:s}", "text", text, "callback_data", data));
}
