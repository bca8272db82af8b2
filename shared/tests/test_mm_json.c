/*
 * mm_update_check: a table of bodies and what the edge must say of each,
 * the real Telegram updates the benchmarks send, and a differential run
 * against jansson (the parser the worker uses) on mutated updates.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mm_json.h"
#include "tap.h"

#define S(lit) lit, sizeof(lit) - 1

static const struct {
    const char *body;
    size_t len;
    mm_update_rc_t rc;
    int64_t id;
} cases[] = {
    /* what Telegram sends */
    { S("{\"update_id\":1}"), MM_UPDATE_OK, 1 },
    { S(" \r\n\t{ \"update_id\" : 42 , \"message\" : { } } \n"), MM_UPDATE_OK, 42 },
    { S("{\"message\":{\"update_id\":\"x\"},\"update_id\":7}"), MM_UPDATE_OK, 7 },
    { S("{\"update_id\":0}"), MM_UPDATE_OK, 0 },
    { S("{\"update_id\":9223372036854775807}"), MM_UPDATE_OK, INT64_MAX },
    { S("{\"update\\u005fid\":5}"), MM_UPDATE_OK, 5 },
    { S("{\"a\":[1,-2.5e-3,0.5,1E+9,true,false,null,\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"],\"update_id\":3}"), MM_UPDATE_OK, 3 },
    { S("{\"t\":\"\\ud83c\\udfc6 \xf0\x9f\x8f\x86 \xe2\x80\x94 \xc3\xa9 \\u0000\",\"update_id\":8}"), MM_UPDATE_OK, 8 },
    { S("{\"t\":\"\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80\",\"update_id\":8}"), MM_UPDATE_OK, 8 },

    /* empty */
    { S(""), MM_UPDATE_EMPTY, 0 },
    { S(" \n\t\r "), MM_UPDATE_EMPTY, 0 },

    /* not JSON */
    { S("{"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1,}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\" 1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1 \"a\":2}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{update_id:1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{'update_id':1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1}}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1} x"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1}{}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1}\0"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":[1,2,],\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":[1 2],\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":[,],\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":],\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":[}],\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":01}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1.}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":.5}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":-}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":+1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1e}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":0x10}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":tru,\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":nul"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":True,\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":NaN,\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"x\ty\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"x\ny\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\\x\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\\u12\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\\u12G4\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\\ud83c\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\\ud83cx\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\\ud83c\\u0041\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\\udfc6\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\xff\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\xc0\x80\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\xc1\xbf\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\xe0\x80\xaf\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\xed\xa0\x80\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\xf4\x90\x80\x80\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\xf5\x80\x80\x80\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\xe2\x80\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\xe2\x80"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"\x80\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"x\0y\",\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"a\":\"unterminated}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1,\"a\":\"\\"), MM_UPDATE_BAD_JSON, 0 },

    /* valid JSON, not an object */
    { S("[1,2]"), MM_UPDATE_NOT_OBJECT, 0 },
    { S("[{\"update_id\":1}]"), MM_UPDATE_NOT_OBJECT, 0 },
    { S("\"update_id\""), MM_UPDATE_NOT_OBJECT, 0 },
    { S("42"), MM_UPDATE_NOT_OBJECT, 0 },
    { S(" null "), MM_UPDATE_NOT_OBJECT, 0 },
    { S("true"), MM_UPDATE_NOT_OBJECT, 0 },

    /* update_id */
    { S("{}"), MM_UPDATE_NO_ID, 0 },
    { S("{\"message\":{\"update_id\":1}}"), MM_UPDATE_NO_ID, 0 },
    { S("{\"update_id \":1}"), MM_UPDATE_NO_ID, 0 },
    { S("{\"Update_id\":1}"), MM_UPDATE_NO_ID, 0 },
    { S("{\"update_idx\":1}"), MM_UPDATE_NO_ID, 0 },
    { S("{\"update_i\":1}"), MM_UPDATE_NO_ID, 0 },
    { S("{\"update_id\xc3\xa9\":1}"), MM_UPDATE_NO_ID, 0 },
    { S("{\"update_id\":\"1\"}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":1.0}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":1e3}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":-1}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":-0}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":9223372036854775808}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":99999999999999999999999}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":null}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":true}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":[1]}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":{\"a\":1}}"), MM_UPDATE_BAD_ID, 0 },
    { S("{\"update_id\":1,\"update_id\":1}"), MM_UPDATE_DUP_ID, 0 },
    { S("{\"update_id\":1,\"update\\u005fid\":2}"), MM_UPDATE_DUP_ID, 0 },

    /* precedence: a broken body is broken, whatever else is true of it */
    { S("[1,"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":\"x\",\"a\":}"), MM_UPDATE_BAD_JSON, 0 },
    { S("{\"update_id\":1,\"update_id\":2,"), MM_UPDATE_BAD_JSON, 0 },
};

static void nested(int depth, int object) {
    size_t n = (size_t) depth * 8 + 32, len = 0;
    char *b = malloc(n);
    int i;

    len += (size_t) sprintf(b, "{\"update_id\":1,\"x\":");
    for (i = 1; i < depth; i++) b[len++] = object ? '{' : '[', len += object ? (size_t) sprintf(b + len, "\"k\":") : 0;
    b[len++] = '0';
    for (i = 1; i < depth; i++) b[len++] = object ? '}' : ']';
    b[len++] = '}';

    int64_t id = -1;
    mm_update_rc_t want = depth <= MM_JSON_MAX_DEPTH ? MM_UPDATE_OK : MM_UPDATE_TOO_DEEP;
    ok(mm_update_check((unsigned char *) b, len, &id) == want,
       "depth %d of %s: %s", depth, object ? "objects" : "arrays", mm_update_strerror(want));
    free(b);
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *b;

    if (f == NULL) return NULL;
    b = malloc(1 << 16);
    *len = fread(b, 1, (1 << 16) - 1, f);
    fclose(f);
    while (*len && (b[*len - 1] == '\n' || b[*len - 1] == ' ')) (*len)--;
    return b;
}

/* jansson accepts what we accept, and refuses what we call broken */
static int agrees(const unsigned char *b, size_t len) {
    json_error_t err;
    int64_t id;
    mm_update_rc_t rc = mm_update_check(b, len, &id);
    json_t *j = json_loadb((const char *) b, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    int valid = rc != MM_UPDATE_BAD_JSON && rc != MM_UPDATE_EMPTY && rc != MM_UPDATE_TOO_DEEP;
    int same = valid == (j != NULL);

    if (same && rc == MM_UPDATE_OK) {
        json_t *v = json_object_get(j, "update_id");
        same = json_is_integer(v) && json_integer_value(v) == id;
    }
    json_decref(j);
    return same;
}

int main(void) {
    size_t i;
    const char *dir = getenv("MM_PEERS_DATA");
    const char *files[] = { "update-message.json", "update-callback.json" };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t id = -1;
        mm_update_rc_t rc = mm_update_check((const unsigned char *) cases[i].body,
                                            cases[i].len, &id);
        ok(rc == cases[i].rc && (rc != MM_UPDATE_OK || id == cases[i].id),
           "case %zu: %s (got: %s)", i, mm_update_strerror(cases[i].rc),
           mm_update_strerror(rc));
    }

    nested(MM_JSON_MAX_DEPTH - 1, 1);
    nested(MM_JSON_MAX_DEPTH, 0);
    nested(MM_JSON_MAX_DEPTH + 1, 1);
    nested(MM_JSON_MAX_DEPTH + 1, 0);
    nested(100000, 0);

    for (i = MM_UPDATE_OK; i <= MM_UPDATE_NO_ID; i++)
        ok(strcmp(mm_update_strerror((mm_update_rc_t) i), "unknown error") != 0,
           "reason for rc %zu", i);

    /* every case of the table: jansson agrees about validity */
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].rc == MM_UPDATE_BAD_ID && cases[i].body[13] == '9')
            continue;  /* jansson refuses integers past long long itself */
        ok(agrees((const unsigned char *) cases[i].body, cases[i].len),
           "jansson agrees on case %zu", i);
    }

    /* the real updates, and ten thousand mutations of them */
    for (i = 0; i < 2; i++) {
        char path[512];
        size_t len, n, bad = 0;
        char *b;
        int64_t id;

        snprintf(path, sizeof(path), "%s/%s", dir ? dir : "../shared/peers/data", files[i]);
        if ((b = slurp(path, &len)) == NULL) {
            printf("ok %d # SKIP %s not found (set MM_PEERS_DATA)\n", ++tap_n, path);
            continue;
        }
        ok(mm_update_check((unsigned char *) b, len, &id) == MM_UPDATE_OK && id > 0,
           "%s is an update", files[i]);

        srand(7 + (unsigned) i);
        for (n = 0; n < 5000; n++) {
            unsigned char m[1 << 16];
            size_t ml = len, at = (size_t) rand() % len;

            memcpy(m, b, len);
            switch (rand() % 4) {
            case 0: m[at] = (unsigned char) rand(); break;
            case 1: ml = at; break;
            case 2: memmove(m + at, m + at + 1, len - at - 1); ml--; break;
            default: memmove(m + at + 1, m + at, len - at); m[at] = "{}[],:\"\\0e-"[rand() % 11]; ml++;
            }
            /* jansson refuses numbers it cannot hold (past long long or double):
             * valid JSON all the same, so those mutations prove nothing */
            if (!agrees(m, ml)) {
                json_error_t err;
                json_t *j = json_loadb((const char *) m, ml, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
                if (j == NULL && (strstr(err.text, "too big") || strstr(err.text, "overflow"))) continue;
                json_decref(j);
                if (bad++ < 3) printf("# disagreement: %.*s\n", (int) ml, m);
            }
        }
        ok(bad == 0, "jansson agrees on 5000 mutations of %s", files[i]);
        free(b);
    }

    return tap_done();
}
