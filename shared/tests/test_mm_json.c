/*
 * mm_update_check: a table of bodies and what the edge must say of each,
 * built nesting around the depth limit, the real Telegram updates, and a
 * differential run against jansson (the parser the worker uses) on
 * thousands of deterministic mutations of valid updates.  TAP on stdout.
 *
 * The Telegram bodies are looked for in argv[1], $MM_PEERS_DATA,
 * $MM_TEST_DATA, ../shared/peers/data (from the repository root) and
 * ../../../shared/peers/data next to this binary (build/tests/); when they
 * are nowhere, their checks are skipped.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mm_json.h"

#include "tap.h"

/* a body as bytes, embedded NULs included */
#define S(lit) lit, sizeof(lit) - 1

/*
 * jansson is the reference for validity, except where it knowingly differs
 * from RFC 8259; such cases carry the error jansson gives (jx):
 *   - integers past long long and reals past double are valid JSON, but
 *     jansson cannot hold them ("too big integer", "real number overflow");
 *   - jansson refuses \u0000 inside an object key, valid JSON;
 *   - jansson (2.14) drops a NUL byte that directly follows a number or a
 *     literal: its reader "ungets" the byte after the token, and a NUL in
 *     its one-character buffer reads as "nothing buffered", so the NUL is
 *     skipped and "[true\0]" parses.  We refuse such bodies (a raw NUL is
 *     never valid JSON); the worker never sees them.
 */
#define BIGINT  "too big integer"
#define BIGREAL "real number overflow"
#define NULKEY  "NUL byte in object key"
#define NULSKIP "jansson skips a NUL after a token"

static const struct {
    const char *body;
    size_t len;
    mm_update_rc_t rc;
    int64_t id;
    const char *jx;
} cases[] = {
    /* accepted */
    { S("{\"update_id\":1}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":0}"), MM_UPDATE_OK, 0, NULL },
    { S("{\"update_id\":9223372036854775807}"), MM_UPDATE_OK, INT64_MAX, NULL },
    { S("{\"update_id\":1234567890123456789}"), MM_UPDATE_OK, 1234567890123456789, NULL },
    { S("{\"update_id\":873201554,\"message\":{}}"), MM_UPDATE_OK, 873201554, NULL },
    { S("{\"message\":{\"update_id\":\"x\"},\"update_id\":7}"), MM_UPDATE_OK, 7, NULL },
    { S("{\"update_id\":{\"update_id\":1},\"x\":2}"), MM_UPDATE_BAD_ID, 0, NULL },

    /* whitespace: all four kinds, everywhere */
    { S(" \t\r\n{ \t\r\n\"update_id\" \t\r\n: \t\r\n5 \t\r\n, \t\r\n\"a\" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, \t\r\n{ \t\r\n} \t\r\n] \t\r\n} \t\r\n"), MM_UPDATE_OK, 5, NULL },
    { S("{\"update_id\":5}\n"), MM_UPDATE_OK, 5, NULL },
    { S("{\"update_id\":5,\"a\":[ ],\"b\":{ }}"), MM_UPDATE_OK, 5, NULL },
    { S("{\"update_id\":5}\f"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":5}\v"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":\xc2\xa0" "5}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("\xef\xbb\xbf{\"update_id\":5}"), MM_UPDATE_BAD_JSON, 0, NULL },

    /* empty */
    { S(""), MM_UPDATE_EMPTY, 0, NULL },
    { S(" "), MM_UPDATE_EMPTY, 0, NULL },
    { S(" \t\r\n \n"), MM_UPDATE_EMPTY, 0, NULL },
    { S("\0"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("\f"), MM_UPDATE_BAD_JSON, 0, NULL },

    /* numbers, as a member beside the id */
    { S("{\"update_id\":1,\"n\":-0}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":0}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":-0.0}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":1e5}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":1E+5}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":1e-5}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":0e0}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":-12.5E-07}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":10.01}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":-9223372036854775808}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":1e-999999}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"n\":1e999999}"), MM_UPDATE_OK, 1, BIGREAL },
    { S("{\"update_id\":1,\"n\":-1E+400}"), MM_UPDATE_OK, 1, BIGREAL },
    { S("{\"update_id\":1,\"n\":123456789012345678901234567890}"), MM_UPDATE_OK, 1, BIGINT },
    { S("{\"update_id\":1,\"n\":01}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":-01}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":00}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":1.}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":1.e5}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":.5}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":-}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":-a}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":--1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":+1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":1e}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":1e+}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":1E-}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":1e5.5}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":1.5.5}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":0x1F}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":Infinity}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":NaN}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":1 2}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":-"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":1e"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"n\":1"), MM_UPDATE_BAD_JSON, 0, NULL },

    /* strings: every escape, \u forms, UTF-8 of every length */
    { S("{\"update_id\":1,\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"s\":\"\\u0041\\u00e9\\u00E9\\u20ac\\uFFFF\\uffff\"}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"s\":\"\\ud83d\\ude00\\uD83C\\uDFC6\\udbff\\udfff\\ud800\\udc00\"}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"s\":\"\\u0000\"}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"s\":\"\",\"\":\"\"}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"s\":\"\x7f\"}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"s\":\"\xc2\x80\xc3\xa9\xdf\xbf\"}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"s\":\"\xe0\xa0\x80\xe2\x82\xac\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\"}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"s\":\"\xf0\x90\x80\x80\xf0\x9f\x98\x80\xf3\xbf\xbf\xbf\xf4\x8f\xbf\xbf\"}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"\xc3\xa9\xf0\x9f\x98\x80\":1}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"k\\u0000\":1}"), MM_UPDATE_OK, 1, NULKEY },
    { S("{\"update_id\":1,\"s\":\"\\x\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\a\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\'\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\0\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\U0041\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\u\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\u12\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\u123\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\u12G4\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\u-123\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\\n\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\u00"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\ud83d\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\ud83dx\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\ud83d\\n\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\ud83d\\u0041\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\ud83d\\ud83d\\ude00\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\ude00\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\ude00\\ud83d\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\udc00\\udc00\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\ud83d\\ude0\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\\ud83d\\u"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"a\tb\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"a\nb\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"a\rb\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\x01\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\x1f\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"a\0b\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"unterminated}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":'x'}"), MM_UPDATE_BAD_JSON, 0, NULL },

    /* invalid UTF-8 */
    { S("{\"update_id\":1,\"s\":\"\xc0\x80\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xc1\xbf\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xe0\x80\x80\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xe0\x9f\xbf\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xf0\x80\x80\x80\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xf0\x8f\xbf\xbf\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xed\xa0\x80\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xed\xbf\xbf\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xed\xa0\xbd\xed\xb8\x80\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xf4\x90\x80\x80\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xf5\x80\x80\x80\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xf8\x88\x80\x80\x80\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xfe\xff\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\x80\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xbf\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xc3\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xe2\x82\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xf0\x9f\x98\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xc3" "A\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xe2" "A\xac\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xf0\x9f" "A\x80\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xf0\x9f\x98" "A\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"s\":\"\xe2\x82"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"\xff\":1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1}\xc3\xa9"), MM_UPDATE_BAD_JSON, 0, NULL },

    /* literals */
    { S("{\"update_id\":1,\"a\":[true,false,null]}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"a\":tru}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":fals}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":nul}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":truex}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":nulll}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":True}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":NULL}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":undefined}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":t"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":fa"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":nul"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":true"), MM_UPDATE_BAD_JSON, 0, NULL },

    /* structure */
    { S("{\"update_id\":1,\"o\":{},\"a\":[],\"n\":[[],{},[{}],{\"x\":[]}]}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":[1,]}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":[,1]}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":[,]}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":[1,,2]}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{,\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1 \"a\":2}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":[1 2]}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\" 1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\"::1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":[1:2]}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,1:2}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,null:2}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{update_id:1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{'update_id':1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":[}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":{]}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1]"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\""), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":[1,{\"b\":2}"), MM_UPDATE_BAD_JSON, 0, NULL },

    /* trailing garbage, NUL bytes */
    { S("{\"update_id\":1}}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1}]"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1},"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1} x"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1} 1"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1}{}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1}\0"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("\0{\"update_id\":1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\0\"a\":1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1\0}"), MM_UPDATE_BAD_JSON, 0, NULSKIP },
    { S("[true\0]"), MM_UPDATE_BAD_JSON, 0, NULSKIP },
    { S("{\"update_id\":1,\"a\":null\0}"), MM_UPDATE_BAD_JSON, 0, NULSKIP },
    { S("{\"update_id\":1,\"a\":-2.5e3\0,\"b\":0}"), MM_UPDATE_BAD_JSON, 0, NULSKIP },
    { S("{\"update_id\":1,\"a\":\"x\"\0}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":[]\0}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"a\":true\0\0}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\0\":1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("[1] [2]"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("1 2"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("01"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("\"unterminated"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("x"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("-"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("1."), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("1e+"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("tru"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("\""), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("[\"\xc3"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("[\"\\u12"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("[\"\\ud83d\\ude0"), MM_UPDATE_BAD_JSON, 0, NULL },

    /* valid JSON, not an object */
    { S("[]"), MM_UPDATE_NOT_OBJECT, 0, NULL },
    { S("[1,2]"), MM_UPDATE_NOT_OBJECT, 0, NULL },
    { S("[{\"update_id\":1}]"), MM_UPDATE_NOT_OBJECT, 0, NULL },
    { S("\"update_id\""), MM_UPDATE_NOT_OBJECT, 0, NULL },
    { S("42"), MM_UPDATE_NOT_OBJECT, 0, NULL },
    { S("0"), MM_UPDATE_NOT_OBJECT, 0, NULL },
    { S("-1.5e3"), MM_UPDATE_NOT_OBJECT, 0, NULL },
    { S(" null "), MM_UPDATE_NOT_OBJECT, 0, NULL },
    { S("true"), MM_UPDATE_NOT_OBJECT, 0, NULL },
    { S("false\n"), MM_UPDATE_NOT_OBJECT, 0, NULL },

    /* "update_id" missing */
    { S("{}"), MM_UPDATE_NO_ID, 0, NULL },
    { S(" { } "), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"message\":{\"update_id\":1}}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"a\":[{\"update_id\":1}]}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"a\":\"update_id\"}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"update_id \":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\" update_id\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"Update_id\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"UPDATE_ID\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"update_idx\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"update_i\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"update-id\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"update_id\xc3\xa9\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"update\\/id\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"upda\\te_id\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"update_i\\u0064x\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"update_id\\u0000\":1}"), MM_UPDATE_NO_ID, 0, NULKEY },
    { S("{\"update\\u015fid\":1}"), MM_UPDATE_NO_ID, 0, NULL },
    { S("{\"update_\\ud83d\\ude00\":1}"), MM_UPDATE_NO_ID, 0, NULL },

    /* "update_id" spelled with escapes is "update_id" */
    { S("{\"update\\u005fid\":5}"), MM_UPDATE_OK, 5, NULL },
    { S("{\"update\\u005Fid\":5}"), MM_UPDATE_OK, 5, NULL },
    { S("{\"\\u0075pdate_id\":5}"), MM_UPDATE_OK, 5, NULL },
    { S("{\"update_i\\u0064\":5}"), MM_UPDATE_OK, 5, NULL },
    { S("{\"\\u0075\\u0070\\u0064\\u0061\\u0074\\u0065\\u005f\\u0069\\u0064\":5}"), MM_UPDATE_OK, 5, NULL },

    /* "update_id" of the wrong kind */
    { S("{\"update_id\":\"1\"}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":\"\"}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":1.0}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":1.5}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":1e3}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":1E+3}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":0e0}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":-1}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":-0}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":-9223372036854775808}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":9223372036854775808}"), MM_UPDATE_BAD_ID, 0, BIGINT },
    { S("{\"update_id\":10000000000000000000}"), MM_UPDATE_BAD_ID, 0, BIGINT },
    { S("{\"update_id\":18446744073709551616}"), MM_UPDATE_BAD_ID, 0, BIGINT },
    { S("{\"update_id\":99999999999999999999999}"), MM_UPDATE_BAD_ID, 0, BIGINT },
    { S("{\"update_id\":null}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":true}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":false}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":[1]}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":[]}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":{}}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update_id\":{\"update_id\":1}}"), MM_UPDATE_BAD_ID, 0, NULL },
    { S("{\"update\\u005fid\":\"5\"}"), MM_UPDATE_BAD_ID, 0, NULL },

    /* "update_id" twice */
    { S("{\"update_id\":1,\"update_id\":1}"), MM_UPDATE_DUP_ID, 0, NULL },
    { S("{\"update_id\":1,\"a\":{},\"update_id\":2}"), MM_UPDATE_DUP_ID, 0, NULL },
    { S("{\"update_id\":1,\"update\\u005fid\":2}"), MM_UPDATE_DUP_ID, 0, NULL },
    { S("{\"update_id\":1,\"update_id\":2,\"update_id\":3}"), MM_UPDATE_DUP_ID, 0, NULL },
    { S("{\"update_id\":\"x\",\"update_id\":1}"), MM_UPDATE_DUP_ID, 0, NULL },
    { S("{\"update_id\":1,\"update_id\":-1}"), MM_UPDATE_DUP_ID, 0, NULL },
    { S("{\"update_id\":1,\"update_id\":1e400}"), MM_UPDATE_DUP_ID, 0, BIGREAL },
    { S("{\"update_id\":1,\"m\":{\"update_id\":2,\"update_id\":3}}"), MM_UPDATE_OK, 1, NULL },

    /* a top-level name starting with "mm_" is the worker's, refused */
    { S("{\"update_id\":1,\"mm_timer\":{\"kind\":\"q_timeout\"}}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"mm_timer\":{\"chat_id\":1},\"update_id\":1}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"update_id\":1,\"mm_\":null}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"update_id\":1,\"mm_x\":1,\"mm_y\":2}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"update_id\":1,\"mm\\u005ftimer\":{}}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"update_id\":1,\"\\u006dm_timer\":{}}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"update_id\":1,\"\\u006d\\u006D\\u005F\":{}}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"update_id\":1,\"mm_\\n\":1}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"update_id\":1,\"mm_\xc3\xa9\":1}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"update_id\":1,\"message\":{\"mm_timer\":{}}}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"a\":[{\"mm_timer\":{}}]}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"s\":\"mm_timer\"}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"MM_timer\":1,\"Mm_x\":2,\"mM_y\":3}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"mm\":1,\"m\":2,\"mmx\":3,\"m_m\":4}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\" mm_x\":1,\"xmm_\":2,\"_mm_\":3}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"mm\\/x\":1,\"mm\\u005e\":2}"), MM_UPDATE_OK, 1, NULL },
    { S("{\"update_id\":1,\"mm\\u0000_\":1}"), MM_UPDATE_OK, 1, NULKEY },
    { S("{\"update_id\":1,\"mm_\\u0000\":1}"), MM_UPDATE_RESERVED, 0, NULKEY },

    /* precedence: broken beats everything, then not-object, reserved, dup,
     * bad */
    { S("{\"update_id\":1,\"mm_timer\":{}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"mm_timer\":{}} x"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"mm_timer\":\"\\x\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("[{\"mm_timer\":{}}]"), MM_UPDATE_NOT_OBJECT, 0, NULL },
    { S("{\"mm_timer\":{}}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"update_id\":1,\"update_id\":2,\"mm_x\":1}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("{\"update_id\":\"1\",\"mm_x\":1}"), MM_UPDATE_RESERVED, 0, NULL },
    { S("[1,"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("[1,]"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"a\":1,}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":\"x\",\"a\":}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"update_id\":2,"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1,\"update_id\":2} x"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":-1,\"s\":\"\\x\"}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":01}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1.}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":.5}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":-}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":+1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1e}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":0x10}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":\"1}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("{\"update_id\":1 2}"), MM_UPDATE_BAD_JSON, 0, NULL },
    { S("[{\"update_id\":1,\"update_id\":2}]"), MM_UPDATE_NOT_OBJECT, 0, NULL },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Whether jansson's acceptance of a body we refuse is its NUL quirk: the
 * body without the NULs that follow a letter or digit is one we accept. */
static int nul_after_token(const unsigned char *b, size_t len) {
    unsigned char *c = malloc(len + 1);
    size_t i, n = 0;
    mm_update_rc_t rc;

    if (c == NULL)
        exit(2);
    for (i = 0; i < len; i++) {
        if (b[i] == '\0' && i > 0
            && ((b[i - 1] >= '0' && b[i - 1] <= '9')
                || (b[i - 1] >= 'a' && b[i - 1] <= 'z')))
            continue;
        c[n++] = b[i];
    }
    rc = mm_update_check(c, n, NULL);
    free(c);
    return n < len && rc != MM_UPDATE_BAD_JSON && rc != MM_UPDATE_EMPTY;
}

/* Whether jansson's object j has a top-level key mm_update_key_reserved()
 * calls reserved: the decoded names, as the worker will see them. */
static int jansson_reserved(json_t *j) {
    const char *k;
    json_t *v;

    if (!json_is_object(j))
        return 0;
    json_object_foreach(j, k, v) {
        (void) v;
        if (mm_update_key_reserved(k, strlen(k)))
            return 1;
    }
    return 0;
}

/*
 * What jansson makes of a body must fit what mm_update_check said of it.
 * Returns 1 when it does; 0 with *why set otherwise; -1 when jansson
 * and we differ for one of the documented reasons above, with jansson's
 * message (or NULSKIP) in jerr.
 */
static int jansson_fits(const unsigned char *b, size_t len,
                        mm_update_rc_t rc, int64_t id, const char **why,
                        char *jerr, size_t jerrlen) {
    json_error_t err;
    json_t *j, *v;
    int fits = 1, reserved;

    j = json_loadb((const char *) b, len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                   &err);
    if (j == NULL)
        snprintf(jerr, jerrlen, "%s", err.text);
    reserved = jansson_reserved(j);

    switch (rc) {
    case MM_UPDATE_EMPTY:
    case MM_UPDATE_BAD_JSON:
        fits = j == NULL;
        *why = "jansson accepts it";
        if (!fits && nul_after_token(b, len)) {
            json_decref(j);
            snprintf(jerr, jerrlen, "%s", NULSKIP);
            return -1;
        }
        break;
    case MM_UPDATE_TOO_DEEP:
        break;                  /* jansson's own limit is 2048 */
    default:
        if (j == NULL) {
            json_decref(j);
            if (strstr(err.text, BIGINT) || strstr(err.text, "too big negative")
                || strstr(err.text, BIGREAL) || strstr(err.text, NULKEY))
                return -1;
            *why = "jansson refuses it";
            return 0;
        }
        v = json_is_object(j) ? json_object_get(j, "update_id") : NULL;
        if (rc != MM_UPDATE_NOT_OBJECT && rc != MM_UPDATE_RESERVED
            && reserved) {
            json_decref(j);
            *why = "jansson finds a reserved key";
            return 0;
        }
        switch (rc) {
        case MM_UPDATE_RESERVED:
            fits = reserved;
            *why = "jansson finds no reserved key";
            break;
        case MM_UPDATE_NOT_OBJECT:
            fits = !json_is_object(j);
            *why = "jansson sees an object";
            break;
        case MM_UPDATE_NO_ID:
            fits = json_is_object(j) && v == NULL;
            *why = "jansson finds update_id";
            break;
        case MM_UPDATE_OK:
            fits = json_is_integer(v) && json_integer_value(v) == id;
            *why = "jansson's update_id differs";
            break;
        case MM_UPDATE_BAD_ID:
            /* jansson reads -0 as the integer 0: refused by us by design */
            fits = v != NULL
                   && (!json_is_integer(v) || json_integer_value(v) < 0
                       || (json_integer_value(v) == 0
                           && memchr(b, '-', len) != NULL));
            *why = "jansson finds a good update_id";
            break;
        case MM_UPDATE_DUP_ID:
            json_decref(j);
            j = json_loadb((const char *) b, len,
                           JSON_DECODE_ANY | JSON_ALLOW_NUL
                           | JSON_REJECT_DUPLICATES, &err);
            fits = j == NULL && strstr(err.text, "duplicate") != NULL;
            *why = "jansson finds no duplicate key";
            break;
        default:
            fits = 0;
            *why = "rc out of range";
        }
    }
    json_decref(j);
    return fits;
}

/* A body for a test description: printable, at most 60 bytes of it. */
static const char *show(const char *b, size_t len) {
    static char out[4 * 60 + 8];
    size_t i, n = 0;

    for (i = 0; i < len && i < 60; i++) {
        unsigned char c = (unsigned char) b[i];
        n += (size_t) sprintf(out + n, c >= 0x20 && c < 0x7f && c != '\\'
                              ? "%c" : "\\x%02x", c);
    }
    sprintf(out + n, "%s", i < len ? "..." : "");
    return out;
}

/* One table case through mm_update_check, from an exact-size heap copy so
 * that AddressSanitizer sees any read past the end. */
static void run_case(size_t i) {
    unsigned char *b = malloc(cases[i].len + !cases[i].len);
    int64_t id = -1;
    mm_update_rc_t rc;

    if (b == NULL)
        exit(2);
    memcpy(b, cases[i].body, cases[i].len);
    rc = mm_update_check(b, cases[i].len, &id);
    free(b);
    tap_ok(rc == cases[i].rc && (rc != MM_UPDATE_OK || id == cases[i].id),
           "%s: %s (got: %s)", show(cases[i].body, cases[i].len),
           mm_update_strerror(cases[i].rc), mm_update_strerror(rc));
}

static void jansson_case(size_t i) {
    char jerr[JSON_ERROR_TEXT_LENGTH] = "";
    const char *why = "";
    int f;

    f = jansson_fits((const unsigned char *) cases[i].body, cases[i].len,
                     cases[i].rc, cases[i].id, &why, jerr, sizeof(jerr));
    if (cases[i].jx)
        tap_ok(f == -1 && strstr(jerr, cases[i].jx) != NULL,
               "jansson on %s: differs as documented (%s)",
               show(cases[i].body, cases[i].len), jerr);
    else
        tap_ok(f == 1, "jansson on %s: agrees%s%s",
               show(cases[i].body, cases[i].len), f == 1 ? "" : ": ",
               f == 1 ? "" : why);
}

/* "{"update_id":1,"x":" then nesting to a total depth, then "}" */
static void nest_check(size_t depth, int object, const char *tail,
                       mm_update_rc_t want) {
    size_t cap = depth * 8 + 64, n = 0, i;
    unsigned char *b = malloc(cap);
    int64_t id = -1;
    mm_update_rc_t rc;

    if (b == NULL)
        exit(2);
    n += (size_t) sprintf((char *) b, "{\"update_id\":1,\"x\":");
    for (i = 1; i < depth; i++) {
        if (object) {
            memcpy(b + n, "{\"k\":", 5);
            n += 5;
        } else {
            b[n++] = '[';
        }
    }
    b[n++] = '0';
    for (i = 1; i < depth; i++)
        b[n++] = object ? '}' : ']';
    b[n++] = '}';
    memcpy(b + n, tail, strlen(tail));
    n += strlen(tail);

    rc = mm_update_check(b, n, &id);
    tap_ok(rc == want, "depth %d of %s%s%s%s: %s (got: %s)", (int) depth,
           object ? "objects" : "arrays", *tail ? " then \"" : "", tail,
           *tail ? "\"" : "",
           mm_update_strerror(want), mm_update_strerror(rc));
    free(b);
}

/* n opening brackets, no closers: hostile nesting */
static void open_check(size_t n, const char *head, mm_update_rc_t want) {
    size_t hl = strlen(head);
    unsigned char *b = malloc(n + hl);
    mm_update_rc_t rc;

    if (b == NULL)
        exit(2);
    memcpy(b, head, hl);
    memset(b + hl, '[', n);
    rc = mm_update_check(b, n + hl, NULL);
    tap_ok(rc == want, "\"%s\" then %d '[': %s (got: %s)", head, (int) n,
           mm_update_strerror(want), mm_update_strerror(rc));
    free(b);
}

/* exactly n '[' then n ']': a top-level array nested n deep */
static void array_check(size_t n, mm_update_rc_t want) {
    unsigned char *b = malloc(2 * n);
    mm_update_rc_t rc;

    if (b == NULL)
        exit(2);
    memset(b, '[', n);
    memset(b + n, ']', n);
    rc = mm_update_check(b, 2 * n, NULL);
    tap_ok(rc == want, "array nested %d deep: %s (got: %s)", (int) n,
           mm_update_strerror(want), mm_update_strerror(rc));
    free(b);
}

static unsigned char *slurp(const char *dir, const char *name, size_t *len) {
    char path[4096];
    unsigned char *b;
    FILE *f;
    long n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "rb")) == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t) n + 1)) == NULL) {
        fclose(f);
        return NULL;
    }
    *len = fread(b, 1, (size_t) n, f);
    fclose(f);
    return b;
}

/* The first place holding the Telegram bodies, or NULL. */
static const char *data_dir(int argc, char **argv, char *buf, size_t cap) {
    const char *tries[4];
    const char *slash;
    unsigned char *b;
    size_t i, n = 0, len;

    if (argc > 1) tries[n++] = argv[1];
    if (getenv("MM_PEERS_DATA")) tries[n++] = getenv("MM_PEERS_DATA");
    if (getenv("MM_TEST_DATA")) tries[n++] = getenv("MM_TEST_DATA");
    tries[n++] = "../shared/peers/data";

    for (i = 0; i < n; i++) {
        if ((b = slurp(tries[i], "update-message.json", &len)) != NULL) {
            free(b);
            return tries[i];
        }
    }
    /* next to the binary: <repo>/build/tests/ -> <repo>/../shared/... */
    slash = strrchr(argv[0], '/');
    snprintf(buf, cap, "%.*s/../../../shared/peers/data",
             slash ? (int) (slash - argv[0]) : 1, slash ? argv[0] : ".");
    if ((b = slurp(buf, "update-message.json", &len)) != NULL) {
        free(b);
        return buf;
    }
    return NULL;
}

/* xorshift64*: the same mutations on every run */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t) ((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

#define MUTATIONS 2500
#define SLACK     64

/*
 * MUTATIONS copies of body, each with one to three byte flips, insertions
 * of JSON-significant bytes or snippets (an extra "update_id", brackets,
 * escapes, numbers, bad UTF-8), deletions, duplicated spans or a
 * truncation; every result must fit jansson's view (jansson_fits).  The
 * mix of verdicts is printed so a run that only ever makes BAD_JSON shows.
 */
static void differential(const char *name, const unsigned char *body,
                         size_t len) {
    static const char alphabet[] = "{}[],:\"\\/0123456789-+.eEtfnu \t\n"
                                   "\x00\x1f\x7f\x80\xbf\xc3\xe2\xed\xf0\xf4\xff";
    static const char *const snippets[] = {
        "\"update_id\":7,", ",\"update_id\":8", "\"update\\u005fid\":9,",
        "{", "}", "[", "]", "[{", "}]", "{}", "[]", ",", ":", "\"\"",
        "\\u00e9", "\\ud83d", "\\ude00", "\\ud83d\\ude00", "\\\"",
        "-0", "-1", "1.5", "1e9", "18446744073709551616", "null", "true",
        "\xc3\xa9", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\x80", " ",
        "\"mm_timer\":{},", ",\"mm\\u005fx\":1", "mm_",
    };
    unsigned char *m = malloc(len + 3 * SLACK), tmp[16];
    size_t ml, at, k, from, span, bad = 0, excluded = 0, seen[9] = { 0 };
    int n, ops, f;
    int64_t id;
    mm_update_rc_t rc;
    const char *why = "";
    char jerr[JSON_ERROR_TEXT_LENGTH];

    if (m == NULL)
        exit(2);
    for (n = 0; n < MUTATIONS; n++) {
        memcpy(m, body, len);
        ml = len;
        for (ops = 1 + (int) rnd(3); ops > 0 && ml > 0; ops--) {
            at = rnd((uint32_t) ml);
            switch (rnd(7)) {
            case 0:
                m[at] ^= (unsigned char) (1u << rnd(8));
                break;
            case 1:
                m[at] = rnd(2) ? (unsigned char) rnd(256)
                               : (unsigned char) alphabet[rnd(sizeof(alphabet) - 1)];
                break;
            case 2:
                memmove(m + at + 1, m + at, ml - at);
                m[at] = (unsigned char) alphabet[rnd(sizeof(alphabet) - 1)];
                ml++;
                break;
            case 3:
                memmove(m + at, m + at + 1, ml - at - 1);
                ml--;
                break;
            case 4:
                ml = at;
                break;
            case 5:
                k = rnd(sizeof(snippets) / sizeof(snippets[0]));
                span = strlen(snippets[k]);
                memmove(m + at + span, m + at, ml - at);
                memcpy(m + at, snippets[k], span);
                ml += span;
                break;
            default:
                from = rnd((uint32_t) ml);
                span = 1 + rnd(sizeof(tmp));
                if (span > ml - from) span = ml - from;
                memcpy(tmp, m + from, span);
                memmove(m + at + span, m + at, ml - at);
                memcpy(m + at, tmp, span);
                ml += span;
            }
        }
        id = -1;
        rc = mm_update_check(m, ml, &id);
        seen[(unsigned) rc < 9 ? rc : 0]++;
        f = jansson_fits(m, ml, rc, id, &why, jerr, sizeof(jerr));
        if (f == -1) {
            excluded++;         /* a number jansson cannot hold, or NUL key */
        } else if (f == 0 && bad++ < 3) {
            printf("# %s: %s says %s, %s:\n#   ", name, name,
                   mm_update_strerror(rc), why);
            for (k = 0; k < ml; k++)
                printf(m[k] >= 0x20 && m[k] < 0x7f ? "%c" : "\\x%02x", m[k]);
            printf("\n");
        }
    }
    printf("# %s: ok %d, empty %d, bad json %d, too deep %d, not object %d,"
           " no id %d, bad id %d, dup id %d, reserved %d; %d excluded\n",
           name, (int) seen[0], (int) seen[1], (int) seen[2], (int) seen[3],
           (int) seen[4], (int) seen[5], (int) seen[6], (int) seen[7],
           (int) seen[8], (int) excluded);
    tap_ok(bad == 0, "jansson agrees on %d mutations of %s", MUTATIONS, name);
    free(m);
}

/* built-in valid updates, so the differential runs without the data dir */
static const char *const bases[] = {
    "{\"update_id\":10,\"message\":{\"message_id\":1,\"from\":{\"id\":42,"
    "\"is_bot\":false,\"first_name\":\"Zo\\u00eb\"},\"chat\":{\"id\":-100,"
    "\"type\":\"group\"},\"date\":1732813521,\"text\":\"\\/start \\ud83c\\udfc6"
    " \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \\\"q\\\"\\n\",\"entities\":"
    "[{\"offset\":0,\"length\":6,\"type\":\"bot_command\"}]}}",
    "{ \"update_id\" : 11 , \"poll\" : { \"ratio\" : -0.5e-3 , \"big\" : 1E+2"
    " , \"flags\" : [ true , false , null ] , \"empty\" : { } , \"list\" :"
    " [ ] , \"deep\" : [ [ [ { \"a\" : [ 0 ] } ] ] ] } }\n",
    "[{\"update_id\":12,\"message\":{\"text\":\"hi\"}},{\"update_id\":13}]",
    "{\"update_id\":14,\"callback_query\":{\"data\":\"q:1:A\"},"
    "\"update_id\":15}",
    "{\"update_id\":16,\"x\":"
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"deep\""
    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    "{\"update_id\":17,\"mm_timer\":{\"kind\":\"q_timeout\",\"chat_id\":11},"
    "\"m\\u006d_x\":[1],\"message\":{\"mm_y\":1}}",
};

#define NBASES (sizeof(bases) / sizeof(bases[0]))

int main(int argc, char **argv) {
    static const char *const files[] = {
        "update-message.json", "update-callback.json"
    };
    char buf[4096], name[64];
    const char *dir;
    unsigned char *b;
    size_t i, len;
    int64_t id;
    int plan, rc;

    plan = (int) NCASES * 2 + 13 + 10 + 3 + 10 + 2 * 2 + (int) NBASES;
    printf("1..%d\n", plan);

    /* the table, then jansson on the same table */
    for (i = 0; i < NCASES; i++)
        run_case(i);
    for (i = 0; i < NCASES; i++)
        jansson_case(i);

    /* nesting at the limit (13) */
    nest_check(MM_JSON_MAX_DEPTH, 1, "", MM_UPDATE_OK);
    nest_check(MM_JSON_MAX_DEPTH, 0, "", MM_UPDATE_OK);
    nest_check(MM_JSON_MAX_DEPTH + 1, 1, "", MM_UPDATE_TOO_DEEP);
    nest_check(MM_JSON_MAX_DEPTH + 1, 0, "", MM_UPDATE_TOO_DEEP);
    nest_check(MM_JSON_MAX_DEPTH + 1, 0, " trailing", MM_UPDATE_TOO_DEEP);
    nest_check(MM_JSON_MAX_DEPTH, 0, " trailing", MM_UPDATE_BAD_JSON);
    nest_check(MM_JSON_MAX_DEPTH, 1, ",", MM_UPDATE_BAD_JSON);
    array_check(MM_JSON_MAX_DEPTH, MM_UPDATE_NOT_OBJECT);
    array_check(MM_JSON_MAX_DEPTH + 1, MM_UPDATE_TOO_DEEP);
    open_check(100000, "", MM_UPDATE_TOO_DEEP);
    open_check(100000, "{\"update_id\":1,\"update_id\":2,\"a\":",
               MM_UPDATE_TOO_DEEP);
    open_check(100000, "{\"a\":01,\"b\":", MM_UPDATE_BAD_JSON);
    open_check(MM_JSON_MAX_DEPTH, "", MM_UPDATE_BAD_JSON);

    /* reasons (9 + 1) */
    for (rc = MM_UPDATE_OK; rc <= MM_UPDATE_RESERVED; rc++) {
        const char *r = mm_update_strerror((mm_update_rc_t) rc);
        size_t rl = strlen(r);
        tap_ok(strcmp(r, "unknown error") != 0 && rl > 0 && r[rl - 1] != '.'
               && !(r[0] >= 'A' && r[0] <= 'Z'),
               "reason for rc %d: %s", rc, r);
    }
    tap_ok(strcmp(mm_update_strerror((mm_update_rc_t) 99), "unknown error") == 0,
           "reason for an rc out of range");

    /* the out parameter (3) */
    id = 77;
    tap_ok(mm_update_check((const unsigned char *) "{\"update_id\":-1}", 16, &id)
           == MM_UPDATE_BAD_ID && id == 77, "update_id untouched on refusal");
    tap_ok(mm_update_check((const unsigned char *) "{\"update_id\":3}", 15, NULL)
           == MM_UPDATE_OK, "update_id may be NULL");
    tap_ok(mm_update_check(NULL, 0, &id) == MM_UPDATE_EMPTY && id == 77,
           "NULL body of length 0 is empty");

    /* reserved names (7), and where mm_update_check_key finds them (3) */
    tap_ok(mm_update_key_reserved("mm_timer", 8), "mm_timer is reserved");
    tap_ok(mm_update_key_reserved("mm_", 3), "mm_ alone is reserved");
    tap_ok(!mm_update_key_reserved("mm", 2), "mm is not");
    tap_ok(!mm_update_key_reserved("MM_timer", 8), "MM_timer is not");
    tap_ok(!mm_update_key_reserved("xmm_timer", 9), "xmm_timer is not");
    tap_ok(!mm_update_key_reserved("mm_timer", 2), "only len bytes are read");
    tap_ok(!mm_update_key_reserved("", 0), "the empty name is not");
    {
        static const char body[] =
            "{\"update_id\":1,\"mm\":2,\"mm\\u005ftimer\":{},\"mm_b\":3}";
        const unsigned char *key = (const unsigned char *) "untouched";
        size_t key_len = 99;

        rc = mm_update_check_key((const unsigned char *) body,
                                 sizeof(body) - 1, NULL, &key, &key_len);
        tap_ok(rc == MM_UPDATE_RESERVED
               && key == (const unsigned char *) body + 23 && key_len == 13
               && memcmp(key, "mm\\u005ftimer", 13) == 0,
               "the first reserved name, as the body spells it");
        key = (const unsigned char *) "untouched";
        key_len = 99;
        id = -1;
        rc = mm_update_check_key((const unsigned char *) "{\"update_id\":4}",
                                 15, &id, &key, &key_len);
        tap_ok(rc == MM_UPDATE_OK && id == 4 && key_len == 99
               && strcmp((const char *) key, "untouched") == 0,
               "key untouched when nothing is reserved");
        tap_ok(mm_update_check_key((const unsigned char *) "{\"mm_x\":1}", 10,
                                   NULL, NULL, NULL) == MM_UPDATE_RESERVED,
               "key may be NULL");
    }

    /* the real updates (2 each), then the built-in ones */
    dir = data_dir(argc, argv, buf, sizeof(buf));
    for (i = 0; i < 2; i++) {
        if (dir == NULL || (b = slurp(dir, files[i], &len)) == NULL) {
            snprintf(buf, sizeof(buf), "%s not found (give the directory as"
                     " argv[1] or $MM_PEERS_DATA)", files[i]);
            tap_skip(buf);
            tap_skip(buf);
            continue;
        }
        id = -1;
        rc = mm_update_check(b, len, &id);
        tap_ok(rc == MM_UPDATE_OK && id == (i == 0 ? 873201554 : 873201555),
               "%s is an update, id %lld", files[i], (long long) id);
        differential(files[i], b, len);
        free(b);
    }
    for (i = 0; i < NBASES; i++) {
        snprintf(name, sizeof(name), "built-in update %d", (int) i);
        differential(name, (const unsigned char *) bases[i], strlen(bases[i]));
    }

    if (tap_n != plan) {
        printf("# planned %d tests but ran %d\n", plan, tap_n);
        return 1;
    }
    return tap_failed != 0;
}
