/*
 * libFuzzer target: the worker's update parser (telegram/mm_update.c),
 * mm_update_parse on the raw body, then mm_command_parse on the message
 * text and on the raw input, the order key and the partition.
 *
 *   make fuzz && build/tests/fuzz_update -max_total_time=600 <corpus> worker/tests/fuzz/seeds/update
 *
 * Invariants: 0 or -1, -1 with a reason and nothing left to free; on 0 a
 * JSON object with a known kind; every string field points into the
 * parsed document (it lives as long as root); the ids are the document's
 * (update_id >= 0 and as written, -1 for a timer; chat and user ids those
 * of the kind's message/from/chat objects, 0 when absent; private only
 * for a chat of type "private"); a poll answer's
 * chat is its user; the same result twice.  A command parsed is '/' and a
 * lowercase name of 1-32 [a-z0-9_] taken from the text, args a suffix of
 * the text without leading white space, addressed 1 only for @<our name>.
 */

#include <ctype.h>
#include <stdio.h>
#include <strings.h>

#include "fuzz.h"
#include "telegram/mm_update.h"

#define BOT "MentalMazeBot"

/* 1 when p is the value of a string somewhere in j (same pointer) */
static int in_doc(json_t *j, const char *p) {
    const char *k;
    json_t *v;
    size_t i;

    if (json_is_string(j))
        return json_string_value(j) == p;
    if (json_is_object(j)) {
        json_object_foreach(j, k, v)
            if (in_doc(v, p))
                return 1;
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v)
            if (in_doc(v, p))
                return 1;
    }
    return 0;
}

static int64_t id_of(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t) json_integer_value(v) : 0;
}

static void check_command(const char *text) {
    mm_command c;
    int rc = mm_command_parse(text, BOT, &c);
    size_t n, len = strlen(text);

    CHECK(rc == 0 || rc == -1);
    if (rc)
        return;
    n = strlen(c.name);
    CHECK(text[0] == '/' && n >= 1 && n <= 32);
    for (size_t i = 0; i < n; i++) {
        CHECK(c.name[i] == tolower((unsigned char) text[1 + i]));
        CHECK(islower((unsigned char) c.name[i]) || isdigit((unsigned char) c.name[i])
              || c.name[i] == '_');
    }
    CHECK(c.args >= text + 1 + n && c.args <= text + len);
    CHECK(!isspace((unsigned char) c.args[0]));
    CHECK(c.addressed >= -1 && c.addressed <= 1);
    if (c.addressed) {
        CHECK(text[1 + n] == '@');
        if (c.addressed == 1)
            CHECK(!strncasecmp(text + 2 + n, BOT, strlen(BOT))
                  && (text[2 + n + strlen(BOT)] == '\0'
                      || isspace((unsigned char) text[2 + n + strlen(BOT)])));
    } else {
        CHECK(text[1 + n] == '\0' || isspace((unsigned char) text[1 + n]));
    }
    /* the parse is a function of the text alone */
    {
        mm_command d;
        CHECK(mm_command_parse(text, BOT, &d) == 0);
        CHECK(!strcmp(c.name, d.name) && c.args == d.args && c.addressed == d.addressed);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *body = fuzz_copy(data, size), *raw, err[256];
    mm_update u, u2;
    int rc, rc2;

    err[0] = '\0';
    rc = mm_update_parse(body, size, &u, err, sizeof(err));
    CHECK(rc == 0 || rc == -1);
    if (rc) {
        CHECK(u.root == NULL && err[0] != '\0');
    } else {
        json_t *root = u.root, *v = NULL;
        const char *strs[] = { u.first_name, u.username, u.language_code, u.text,
                               u.callback_id, u.callback_data, u.chat_title, u.chat_type,
                               u.member_status };

        CHECK(json_is_object(root));
        CHECK(u.kind >= MM_UPD_OTHER && u.kind <= MM_UPD_MEMBER);
        CHECK(u.is_private == 0 || u.is_private == 1);
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
            CHECK(strs[i] == NULL || in_doc(root, strs[i]));
        if (u.kind == MM_UPD_TIMER) {
            CHECK(u.update_id == -1 && u.timer == json_object_get(root, "mm_timer"));
            CHECK(json_is_object(u.timer));
            CHECK(u.chat_id == id_of(u.timer, "chat_id") && u.user_id == id_of(u.timer, "user_id"));
            CHECK(u.is_private == (u.chat_id > 0));
        } else {
            CHECK(json_object_get(root, "mm_timer") == NULL && u.timer == NULL);
            CHECK(u.update_id >= 0 && u.update_id == id_of(root, "update_id"));
        }
        if (u.kind == MM_UPD_MESSAGE) {
            v = json_object_get(root, "message");
            CHECK(u.text == json_string_value(json_object_get(v, "text")));
        } else if (u.kind == MM_UPD_CALLBACK) {
            v = json_object_get(root, "callback_query");
            CHECK(u.callback_id != NULL
                  && u.callback_id == json_string_value(json_object_get(v, "id")));
            CHECK(u.user_id == id_of(json_object_get(v, "from"), "id"));
            CHECK(u.chat_id == id_of(json_object_get(json_object_get(v, "message"), "chat"), "id"));
            v = NULL;
        } else if (u.kind == MM_UPD_MEMBER) {
            /* the bot's own membership: its new status, in a chat */
            v = json_object_get(root, "my_chat_member");
            CHECK(u.member_status != NULL && u.chat_id != 0);
            CHECK(u.member_status == json_string_value(json_object_get(
                                         json_object_get(v, "new_chat_member"), "status")));
            CHECK(u.member_can_pin == 0 || u.member_can_pin == 1);
            CHECK(u.user_id == id_of(json_object_get(v, "from"), "id"));
            CHECK(u.chat_id == id_of(json_object_get(v, "chat"), "id"));
            v = NULL;
        } else if (u.kind == MM_UPD_POLL_ANSWER) {
            v = json_object_get(root, "poll_answer");
            CHECK(u.user_id == id_of(json_object_get(v, "user"), "id"));
            CHECK(u.chat_id == u.user_id && u.is_private == 1);
            v = NULL;
        }
        if (v) {        /* a message: its from and chat */
            CHECK(u.user_id == id_of(json_object_get(v, "from"), "id"));
            CHECK(u.chat_id == id_of(json_object_get(v, "chat"), "id"));
            CHECK(u.message_id == id_of(v, "message_id"));
            {
                const char *type = json_string_value(json_object_get(json_object_get(v, "chat"),
                                                                     "type"));
                CHECK(u.is_private == (type && !strcmp(type, "private")));
            }
        }
        if (u.kind != MM_UPD_MESSAGE)
            CHECK(u.text == NULL);
        if (u.kind != MM_UPD_CALLBACK)
            CHECK(u.callback_id == NULL || u.kind == MM_UPD_OTHER);
        if (u.kind != MM_UPD_MEMBER)
            CHECK(u.member_status == NULL || u.kind == MM_UPD_OTHER);

        /* ordering: the chat, else the user; a partition in range */
        CHECK(mm_update_order_key(&u) == (u.chat_id ? u.chat_id : u.user_id));
        for (int n = 1; n <= 16; n++) {
            int p = mm_partition_of(mm_update_order_key(&u), n);
            CHECK(p >= 0 && p < n);
        }

        /* deterministic */
        rc2 = mm_update_parse(body, size, &u2, err, sizeof(err));
        CHECK(rc2 == 0 && u2.kind == u.kind && u2.update_id == u.update_id
              && u2.chat_id == u.chat_id && u2.user_id == u.user_id
              && u2.is_private == u.is_private && u2.message_id == u.message_id);
        mm_update_free(&u2);

        if (u.text)
            check_command(u.text);
        mm_update_free(&u);
        CHECK(u.root == NULL);
    }
    free(body);

    /* the command parser on the raw input too */
    raw = fuzz_cstr(data, size);
    check_command(raw);
    free(raw);
    return 0;
}
