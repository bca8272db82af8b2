/*
 * A strict one-pass JSON validator that also finds the top-level
 * "update_id".  Iterative, with the open containers kept in a fixed stack,
 * so hostile nesting costs neither stack depth nor memory.
 */

#include <string.h>

#include "mm_json.h"

typedef const unsigned char *cursor;

enum { IN_ARRAY = 0, IN_OBJECT = 1 };
enum { WANT_VALUE, WANT_KEY, AFTER_VALUE };

/* bytes a string may hold as they are: not '"', '\\', controls, non-ASCII */
static const unsigned char plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(0), R16(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x20: '"' */
    R16(1), R16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,   /* 0x50: '\\' */
    R16(1), R16(1),
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0)
#undef R16
};

static cursor skip_ws(cursor p, cursor end) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static int hex4(cursor p, cursor end, unsigned *cp) {
    unsigned v = 0;
    int i;

    if (end - p < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        unsigned c = p[i];
        if (c >= '0' && c <= '9') c -= '0';
        else if (c >= 'a' && c <= 'f') c -= 'a' - 10;
        else if (c >= 'A' && c <= 'F') c -= 'A' - 10;
        else return -1;
        v = v << 4 | c;
    }
    *cp = v;
    return 0;
}

/* One UTF-8 sequence starting at a byte >= 0x80 (RFC 3629 table);
 * returns the byte after it, or NULL. */
static cursor utf8_seq(cursor p, cursor end) {
    unsigned c = *p, lo = 0x80, hi = 0xBF;
    int n;

    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;            /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;            /* nothing past U+10FFFF */
    } else return NULL;

    if (end - p <= n || p[1] < lo || p[1] > hi)
        return NULL;
    for (int i = 2; i <= n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return NULL;
    return p + n + 1;
}

/* A string whose opening quote is at p; returns the byte after the closing
 * quote, or NULL.  When key is not NULL, the decoded ASCII text is copied
 * there (up to keycap bytes) and its length, or keycap + 1 when it does not
 * fit or is not ASCII, stored in *keylen. */
static cursor scan_string(cursor p, cursor end, char *key, size_t keycap,
                          size_t *keylen) {
    size_t n = 0;
    unsigned cp, lo;

    for (p++; ; ) {
        cursor run = p;

        while (p < end && plain[*p])
            p++;
        if (key) {
            size_t len = (size_t) (p - run);
            if (n + len <= keycap) memcpy(key + n, run, len);
            n += len;
        }
        if (p >= end)
            return NULL;

        switch (*p) {
        case '"':
            if (key) *keylen = n <= keycap ? n : keycap + 1;
            return p + 1;

        case '\\':
            if (end - p < 2)
                return NULL;
            switch (p[1]) {
            case '"': case '\\': case '/': cp = p[1]; p += 2; break;
            case 'b': cp = '\b'; p += 2; break;
            case 'f': cp = '\f'; p += 2; break;
            case 'n': cp = '\n'; p += 2; break;
            case 'r': cp = '\r'; p += 2; break;
            case 't': cp = '\t'; p += 2; break;
            case 'u':
                if (hex4(p + 2, end, &cp))
                    return NULL;
                p += 6;
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return NULL;                  /* a lone low surrogate */
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (end - p < 6 || p[0] != '\\' || p[1] != 'u'
                        || hex4(p + 2, end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                        return NULL;              /* an unpaired high one */
                    p += 6;
                    cp = 0x10000;
                }
                break;
            default:
                return NULL;
            }
            if (key) {
                if (n < keycap && cp < 0x80) key[n] = (char) cp;
                else n = keycap;                  /* cannot match: too long */
                n++;
            }
            break;

        default:
            if (*p < 0x80)
                return NULL;                      /* a raw control byte */
            if ((p = utf8_seq(p, end)) == NULL)
                return NULL;
            if (key) n = keycap + 1;
        }
    }
}

/* A number per the JSON grammar; *integer says whether it had neither
 * fraction nor exponent. */
static cursor scan_number(cursor p, cursor end, int *integer) {
    *integer = 1;
    if (p < end && *p == '-')
        p++;
    if (p >= end)
        return NULL;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (p < end && *p >= '0' && *p <= '9') p++;
    else
        return NULL;

    if (p < end && *p == '.') {
        *integer = 0;
        if (++p >= end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        *integer = 0;
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    return p;
}

/* A non-negative integer literal that fits int64_t, or -1. */
static int64_t parse_id(cursor p, cursor end) {
    uint64_t v = 0;

    if (*p == '-')
        return -1;
    for (; p < end; p++) {
        if (v > (uint64_t) (INT64_MAX - (*p - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t) (*p - '0');
    }
    return (int64_t) v;
}

static cursor scan_literal(cursor p, cursor end) {
    static const char *const words[] = { "true", "false", "null" };
    const char *w = *p == 't' ? words[0] : *p == 'f' ? words[1] : words[2];
    size_t n = strlen(w);

    if ((size_t) (end - p) < n || memcmp(p, w, n))
        return NULL;
    return p + n;
}

mm_update_rc_t mm_update_check(const unsigned char *p, size_t len,
                               int64_t *update_id) {
    cursor end = p + len, start;
    unsigned char stack[MM_JSON_MAX_DEPTH];
    int depth = 0, state = WANT_VALUE, top_object = 0;
    int id_next = 0, id_seen = 0, integer;
    int64_t id = -1;
    char key[sizeof("update_id")];
    size_t keylen;

    p = skip_ws(p, end);
    if (p == end)
        return MM_UPDATE_EMPTY;
    top_object = *p == '{';

    for (;;) {
        p = skip_ws(p, end);
        if (p == end) {
            if (depth == 0 && state == AFTER_VALUE)
                break;
            return MM_UPDATE_BAD_JSON;
        }
        switch (state) {

        case WANT_VALUE:
            start = p;
            if (id_next)
                id = -1;                      /* unless an integer follows */
            switch (*p) {
            case '{':
            case '[':
                if (depth == MM_JSON_MAX_DEPTH)
                    return MM_UPDATE_TOO_DEEP;
                stack[depth++] = *p == '{' ? IN_OBJECT : IN_ARRAY;
                p = skip_ws(p + 1, end);
                if (p < end && *p == (stack[depth - 1] ? '}' : ']')) {
                    p++;
                    depth--;
                    state = AFTER_VALUE;
                } else {
                    state = stack[depth - 1] ? WANT_KEY : WANT_VALUE;
                }
                break;
            case '"':
                p = scan_string(p, end, NULL, 0, NULL);
                state = AFTER_VALUE;
                break;
            case 't': case 'f': case 'n':
                p = scan_literal(p, end);
                state = AFTER_VALUE;
                break;
            default:
                p = scan_number(p, end, &integer);
                if (p && id_next)
                    id = integer ? parse_id(start, p) : -1;
                state = AFTER_VALUE;
            }
            if (p == NULL)
                return MM_UPDATE_BAD_JSON;
            id_next = 0;
            break;

        case WANT_KEY:
            if (*p != '"')
                return MM_UPDATE_BAD_JSON;
            p = scan_string(p, end, depth == 1 ? key : NULL,
                            sizeof(key) - 1, &keylen);
            if (p == NULL)
                return MM_UPDATE_BAD_JSON;
            p = skip_ws(p, end);
            if (p == end || *p != ':')
                return MM_UPDATE_BAD_JSON;
            p++;
            if (depth == 1 && keylen == sizeof(key) - 1
                && memcmp(key, "update_id", sizeof(key) - 1) == 0) {
                id_next = 1;
                id_seen++;
            }
            state = WANT_VALUE;
            break;

        default: /* AFTER_VALUE */
            if (depth == 0)
                return MM_UPDATE_BAD_JSON;        /* bytes after the text */
            if (*p == ',') {
                p++;
                state = stack[depth - 1] ? WANT_KEY : WANT_VALUE;
            } else if (*p == (stack[depth - 1] ? '}' : ']')) {
                p++;
                depth--;
            } else {
                return MM_UPDATE_BAD_JSON;
            }
        }
    }

    if (!top_object)
        return MM_UPDATE_NOT_OBJECT;
    if (id_seen > 1)
        return MM_UPDATE_DUP_ID;
    if (id_seen == 0)
        return MM_UPDATE_NO_ID;
    if (id < 0)
        return MM_UPDATE_BAD_ID;
    *update_id = id;
    return MM_UPDATE_OK;
}

const char *mm_update_strerror(mm_update_rc_t rc) {
    switch (rc) {
    case MM_UPDATE_OK: return "ok";
    case MM_UPDATE_EMPTY: return "empty body";
    case MM_UPDATE_BAD_JSON: return "body is not valid JSON";
    case MM_UPDATE_TOO_DEEP: return "JSON nested too deeply";
    case MM_UPDATE_NOT_OBJECT: return "body is not a JSON object";
    case MM_UPDATE_DUP_ID: return "\"update_id\" appears more than once";
    case MM_UPDATE_BAD_ID: return "\"update_id\" is not a non-negative integer";
    case MM_UPDATE_NO_ID: return "\"update_id\" is missing";
    }
    return "unknown error";
}
