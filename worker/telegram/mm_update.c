#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mm_json.h"
#include "telegram/mm_update.h"

static const char *mm_str(json_t *obj, const char *key) {
    return json_string_value(json_object_get(obj, key));
}

static int64_t mm_int(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t) json_integer_value(v) : 0;
}

static void mm_from(mm_update *u, json_t *from) {
    u->user_id = mm_int(from, "id");
    u->first_name = mm_str(from, "first_name");
    u->username = mm_str(from, "username");
    u->language_code = mm_str(from, "language_code");
}

static void mm_chat(mm_update *u, json_t *message) {
    json_t *chat = json_object_get(message, "chat");
    const char *type = mm_str(chat, "type");

    u->chat_id = mm_int(chat, "id");
    u->chat_type = type;
    u->chat_title = mm_str(chat, "title");
    u->is_private = type && !strcmp(type, "private");
    u->message_id = mm_int(message, "message_id");
}

/* -1 with err when the update has a top-level member the edge refuses
 * (a name starting with "mm_", shared/mm_json.h). */
static int mm_update_reserved(json_t *root, char *err, size_t errlen) {
    const char *key;
    json_t *v;

    json_object_foreach(root, key, v)
        if (mm_update_key_reserved(key, strlen(key))) {
            snprintf(err, errlen, "update has the reserved field %.40s", key);
            return -1;
        }
    return 0;
}

int mm_update_parse_timer(const char *json, size_t len, mm_update *u, char *err,
                          size_t errlen) {
    json_error_t jerr;

    memset(u, 0, sizeof(*u));
    u->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(u->root) || !json_is_string(json_object_get(u->root, "kind"))) {
        snprintf(err, errlen, "timer is not an object with a kind");
        mm_update_free(u);
        return -1;
    }
    u->kind = MM_UPD_TIMER;
    u->update_id = -1;
    u->timer = u->root;
    u->chat_id = mm_int(u->root, "chat_id");
    u->user_id = mm_int(u->root, "user_id");
    u->is_private = u->chat_id > 0;
    return 0;
}

int mm_update_parse(const char *json, size_t len, mm_update *u, char *err, size_t errlen) {
    json_error_t jerr;
    json_t *id, *v;

    memset(u, 0, sizeof(*u));
    u->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (u->root == NULL || !json_is_object(u->root)) {
        snprintf(err, errlen, "update is not a JSON object%s%s", u->root ? "" : ": ",
                 u->root ? "" : jerr.text);
        mm_update_free(u);
        return -1;
    }
    /* our own events never travel as updates: a body naming one is forged */
    if (mm_update_reserved(u->root, err, errlen)) {
        mm_update_free(u);
        return -1;
    }
    id = json_object_get(u->root, "update_id");
    if (!json_is_integer(id) || json_integer_value(id) < 0) {
        snprintf(err, errlen, "update_id is missing or not a non-negative integer");
        mm_update_free(u);
        return -1;
    }
    u->update_id = (int64_t) json_integer_value(id);

    if ((v = json_object_get(u->root, "message")) != NULL && json_is_object(v)) {
        u->kind = MM_UPD_MESSAGE;
        mm_from(u, json_object_get(v, "from"));
        mm_chat(u, v);
        u->text = mm_str(v, "text");
    } else if ((v = json_object_get(u->root, "callback_query")) != NULL
               && json_is_object(v)) {
        json_t *msg = json_object_get(v, "message");
        u->kind = MM_UPD_CALLBACK;
        mm_from(u, json_object_get(v, "from"));
        u->callback_id = mm_str(v, "id");
        u->callback_data = mm_str(v, "data");
        if (json_is_object(msg))
            mm_chat(u, msg);
        if (u->callback_id == NULL)
            u->kind = MM_UPD_OTHER;
    } else if ((v = json_object_get(u->root, "poll_answer")) != NULL
               && json_is_object(v)) {
        u->kind = MM_UPD_POLL_ANSWER;
        mm_from(u, json_object_get(v, "user"));
        u->chat_id = u->user_id;
        u->is_private = 1;
    } else if ((v = json_object_get(u->root, "my_chat_member")) != NULL
               && json_is_object(v)) {
        json_t *now = json_object_get(v, "new_chat_member");
        u->kind = MM_UPD_MEMBER;
        mm_from(u, json_object_get(v, "from"));
        mm_chat(u, v);
        u->member_status = mm_str(now, "status");
        /* an administrator's right, or a member's when the group grants it */
        u->member_can_pin = json_is_true(json_object_get(now, "can_pin_messages"));
        if (u->member_status == NULL || u->chat_id == 0)
            u->kind = MM_UPD_OTHER;
    } else {
        /* edited messages, other members' changes, …: ordered by their chat */
        const char *kinds[] = { "edited_message", "chat_member", "channel_post", NULL };
        for (int i = 0; kinds[i]; i++)
            if ((v = json_object_get(u->root, kinds[i])) != NULL && json_is_object(v)) {
                mm_from(u, json_object_get(v, "from"));
                mm_chat(u, v);
                break;
            }
    }
    return 0;
}

void mm_update_free(mm_update *u) {
    json_decref(u->root);
    u->root = NULL;
}

int64_t mm_update_order_key(const mm_update *u) {
    return u->chat_id ? u->chat_id : u->user_id;
}

int mm_partition_of(int64_t key, int n) {
    int64_t p = key % n;
    return (int) (p < 0 ? p + n : p);
}

int mm_command_parse(const char *text, const char *bot_username, mm_command *cmd) {
    size_t n = 0;
    const char *p;

    memset(cmd, 0, sizeof(*cmd));
    if (text == NULL || text[0] != '/' || !isalnum((unsigned char) text[1]))
        return -1;
    for (p = text + 1; *p && (isalnum((unsigned char) *p) || *p == '_'); p++) {
        if (n + 1 >= sizeof(cmd->name))
            return -1;
        cmd->name[n++] = (char) tolower((unsigned char) *p);
    }
    if (*p == '@') {
        const char *at = ++p;
        while (*p && !isspace((unsigned char) *p))
            p++;
        cmd->addressed = (bot_username && strlen(bot_username) == (size_t) (p - at)
                          && !strncasecmp(at, bot_username, (size_t) (p - at))) ? 1 : -1;
    } else if (*p && !isspace((unsigned char) *p)) {
        return -1;
    }
    while (isspace((unsigned char) *p))
        p++;
    cmd->args = p;
    return 0;
}
