/*
 * One strict pass over a Telegram update body (see mm_json.h).
 *
 * The scanner is a small goto state machine: "value" expects a value, "key"
 * a member name, "next" whatever may follow a value (',' or a closer).  The
 * kind of each open container sits in a fixed stack of MM_JSON_MAX_DEPTH
 * bytes, so hostile nesting costs neither memory nor C stack.  Strings, the
 * bulk of an update, go through a table-driven loop taking four plain bytes
 * a step; the helpers are static and inlined, nothing is called per byte.
 */

#include <string.h>

#include "mm_json.h"

#define MM_DIGIT(c)  ((unsigned) (c) - '0' < 10u)
#define MM_WS(c)     ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')
#define MM_SKIP_WS(p, end)  while ((p) < (end) && MM_WS(*(p))) (p)++

/* 1 for the bytes a string holds as they are: 0x20-0x7f except '"' and
 * '\\'.  Controls must be escaped; bytes >= 0x80 start UTF-8 sequences. */
static const unsigned char mm_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x20 '"' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* 0x50 '\\' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1      /* 0x70 */
    /* 0x80-0xff: 0 */
};

/* The value of the four hex digits at p, or -1: \u escapes. */
static long mm_hex4(const unsigned char *p) {
    long v = 0;
    unsigned c;
    int i;

    for (i = 0; i < 4; i++) {
        c = p[i];
        if (MM_DIGIT(c))
            c -= '0';
        else if ((c | 0x20) - 'a' < 6u)
            c = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | (long) c;
    }
    return v;
}

/* One UTF-8 sequence whose lead byte (>= 0x80) is at p, checked against
 * the well-formed table of RFC 3629: no overlong forms, no encoded
 * surrogates, nothing past U+10FFFF, no truncation.  Returns the byte after
 * it, or NULL. */
static const unsigned char *mm_utf8(const unsigned char *p,
                                    const unsigned char *end) {
    unsigned c = p[0], lo = 0x80, hi = 0xbf;
    size_t n;

    if (c < 0xc2) {
        return NULL;                    /* continuation, or overlong C0/C1 */
    } else if (c < 0xe0) {
        n = 2;
    } else if (c < 0xf0) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;       /* overlong */
        if (c == 0xed) hi = 0x9f;       /* U+D800-U+DFFF */
    } else if (c < 0xf5) {
        n = 4;
        if (c == 0xf0) lo = 0x90;       /* overlong */
        if (c == 0xf4) hi = 0x8f;       /* past U+10FFFF */
    } else {
        return NULL;
    }
    if ((size_t) (end - p) < n || p[1] < lo || p[1] > hi)
        return NULL;
    if (n > 2 && (p[2] & 0xc0) != 0x80)
        return NULL;
    if (n > 3 && (p[3] & 0xc0) != 0x80)
        return NULL;
    return p + n;
}

/* The rest of a string, p just past its opening quote: only the JSON
 * escapes, \u surrogates only as high-low pairs (jansson, which the worker
 * parses with, refuses lone ones), valid UTF-8, no raw controls.  Returns
 * the byte past the closing quote, or NULL; sets *esc when the string had
 * an escape, so a key needs decoding before it is compared. */
static const unsigned char *mm_string(const unsigned char *p,
                                      const unsigned char *end, int *esc) {
    long u;

    for (;;) {
        while (end - p >= 4
               && (mm_plain[p[0]] & mm_plain[p[1]] & mm_plain[p[2]]
                   & mm_plain[p[3]]))
            p += 4;
        while (p < end && mm_plain[*p])
            p++;
        if (p == end)
            return NULL;

        if (*p == '"')
            return p + 1;

        if (*p != '\\') {
            if (*p < 0x80 || (p = mm_utf8(p, end)) == NULL)
                return NULL;            /* a raw control, or bad UTF-8 */
            continue;
        }

        *esc = 1;
        if (end - p < 2)
            return NULL;
        switch (p[1]) {
        case '"': case '\\': case '/':
        case 'b': case 'f': case 'n': case 'r': case 't':
            p += 2;
            continue;
        case 'u':
            break;
        default:
            return NULL;
        }
        if (end - p < 6 || (u = mm_hex4(p + 2)) < 0)
            return NULL;
        p += 6;
        if (u >= 0xd800 && u <= 0xdfff) {
            if (u >= 0xdc00 || end - p < 6 || p[0] != '\\' || p[1] != 'u')
                return NULL;
            u = mm_hex4(p + 2);
            if (u < 0xdc00 || u > 0xdfff)
                return NULL;
            p += 6;
        }
    }
}

/* A number per the RFC 8259 grammar, p at its first byte.  Returns the byte
 * after it, or NULL; *integer tells whether it had neither a fraction nor
 * an exponent.  "01" scans as "0": the caller then refuses the "1". */
static const unsigned char *mm_number(const unsigned char *p,
                                      const unsigned char *end,
                                      int *integer) {
    *integer = 1;
    if (*p == '-' && ++p == end)
        return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        do p++; while (p < end && MM_DIGIT(*p));
    } else {
        return NULL;
    }
    if (p < end && *p == '.') {
        *integer = 0;
        if (++p == end || !MM_DIGIT(*p))
            return NULL;
        do p++; while (p < end && MM_DIGIT(*p));
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        *integer = 0;
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || !MM_DIGIT(*p))
            return NULL;
        do p++; while (p < end && MM_DIGIT(*p));
    }
    return p;
}

/* The unsigned JSON integer s[0..e) into *id when it fits int64_t. */
static int mm_parse_id(const unsigned char *s, const unsigned char *e,
                       int64_t *id) {
    uint64_t v = 0;

    if (e - s > 19)                     /* 19 digits cannot wrap uint64_t */
        return 0;
    for (; s < e; s++)
        v = v * 10 + (uint64_t) (*s - '0');
    if (v > (uint64_t) INT64_MAX)
        return 0;
    *id = (int64_t) v;
    return 1;
}

/* Whether the raw key s[0..e) (already validated), read as jansson will
 * decode it, is want[0..n), or only begins with it when "prefix" is set.
 * Without escapes a plain compare; with them the key is decoded, so that
 * "update\u005fid" is the same member as "update_id". */
static int mm_key_match(const unsigned char *s, const unsigned char *e,
                        int esc, const char *want, size_t n, int prefix) {
    size_t i = 0;
    long c;

    if (!esc)
        return ((size_t) (e - s) == n
                || (prefix && (size_t) (e - s) > n))
               && memcmp(s, want, n) == 0;

    while (s < e) {
        if (i == n)
            return prefix;              /* more follows what was wanted */
        c = *s++;
        if (c == '\\') {
            switch (c = *s++) {
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': c = mm_hex4(s); s += 4; break;
            default: break;             /* '"', '\\', '/' stand for themselves */
            }
        }
        if (c != (unsigned char) want[i])
            return 0;
        i++;
    }
    return i == n;
}

#define MM_RESERVED_LEN  (sizeof(MM_UPDATE_RESERVED_PREFIX) - 1)

int mm_update_key_reserved(const char *key, size_t len) {
    return len >= MM_RESERVED_LEN
           && memcmp(key, MM_UPDATE_RESERVED_PREFIX, MM_RESERVED_LEN) == 0;
}

mm_update_rc_t mm_update_check(const unsigned char *p, size_t len,
                               int64_t *update_id) {
    return mm_update_check_key(p, len, update_id, NULL, NULL);
}

/* The body in one pass.  Grammar errors and excess depth return on the
 * spot; what the text says about "update_id" and reserved names is only
 * noted on the way and judged once the whole text has proved valid (order:
 * mm_json.h). */
mm_update_rc_t mm_update_check_key(const unsigned char *p, size_t len,
                                   int64_t *update_id,
                                   const unsigned char **key,
                                   size_t *key_len) {
    const unsigned char *end, *s, *reserved = NULL;
    size_t reserved_len = 0;
    unsigned char stack[MM_JSON_MAX_DEPTH];     /* '{' or '[' per level */
    size_t depth = 0;
    int top_object, ids = 0, id_ok = 0, is_id, esc = 0, integer;
    int64_t id = 0;

    if (len == 0)
        return MM_UPDATE_EMPTY;
    end = p + len;
    MM_SKIP_WS(p, end);
    if (p == end)
        return MM_UPDATE_EMPTY;
    top_object = *p == '{';

value:
    MM_SKIP_WS(p, end);
    if (p == end)
        return MM_UPDATE_BAD_JSON;
    switch (*p) {
    case '{':
    case '[':
        if (depth == MM_JSON_MAX_DEPTH)
            return MM_UPDATE_TOO_DEEP;
        stack[depth++] = *p++;
        MM_SKIP_WS(p, end);
        if (p < end && *p == (stack[depth - 1] == '{' ? '}' : ']')) {
            p++;
            depth--;
            goto next;
        }
        if (stack[depth - 1] == '{')
            goto key;
        goto value;
    case '"':
        p = mm_string(p + 1, end, &esc);
        break;
    case 't':
        p = end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
        break;
    case 'f':
        p = end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
        break;
    case 'n':
        p = end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
        break;
    default:
        p = mm_number(p, end, &integer);
    }
    if (p == NULL)
        return MM_UPDATE_BAD_JSON;

next:
    MM_SKIP_WS(p, end);
    if (depth == 0)
        goto done;
    if (p == end)
        return MM_UPDATE_BAD_JSON;
    if (*p == ',') {
        p++;
        if (stack[depth - 1] == '{')
            goto key;
        goto value;
    }
    if (*p != (stack[depth - 1] == '{' ? '}' : ']'))
        return MM_UPDATE_BAD_JSON;
    p++;
    depth--;
    goto next;

key:
    MM_SKIP_WS(p, end);
    if (p == end || *p != '"')
        return MM_UPDATE_BAD_JSON;
    s = ++p;
    esc = 0;
    if ((p = mm_string(p, end, &esc)) == NULL)
        return MM_UPDATE_BAD_JSON;
    is_id = 0;
    if (depth == 1) {
        is_id = mm_key_match(s, p - 1, esc, "update_id", 9, 0);
        if (reserved == NULL
            && (esc ? mm_key_match(s, p - 1, esc, MM_UPDATE_RESERVED_PREFIX,
                                   MM_RESERVED_LEN, 1)
                    : mm_update_key_reserved((const char *) s,
                                             (size_t) (p - 1 - s)))) {
            reserved = s;
            reserved_len = (size_t) (p - 1 - s);
        }
    }
    MM_SKIP_WS(p, end);
    if (p == end || *p != ':')
        return MM_UPDATE_BAD_JSON;
    p++;
    if (!is_id)
        goto value;

    /* the value of a top-level "update_id": anything but an unsigned
     * integer is scanned as any value and makes the id bad */
    ids++;
    id_ok = 0;
    MM_SKIP_WS(p, end);
    if (p == end || !MM_DIGIT(*p))
        goto value;
    s = p;
    if ((p = mm_number(p, end, &integer)) == NULL)
        return MM_UPDATE_BAD_JSON;
    id_ok = integer && mm_parse_id(s, p, &id);
    goto next;

done:
    if (p != end)
        return MM_UPDATE_BAD_JSON;      /* bytes after the text */
    if (!top_object)
        return MM_UPDATE_NOT_OBJECT;
    if (reserved != NULL) {
        if (key != NULL) {
            *key = reserved;
            *key_len = reserved_len;
        }
        return MM_UPDATE_RESERVED;
    }
    if (ids > 1)
        return MM_UPDATE_DUP_ID;
    if (ids == 0)
        return MM_UPDATE_NO_ID;
    if (!id_ok)
        return MM_UPDATE_BAD_ID;
    if (update_id != NULL)
        *update_id = id;
    return MM_UPDATE_OK;
}

const char *mm_update_strerror(mm_update_rc_t rc) {
    switch (rc) {
    case MM_UPDATE_OK:         return "ok";
    case MM_UPDATE_EMPTY:      return "empty body";
    case MM_UPDATE_BAD_JSON:   return "body is not valid JSON";
    case MM_UPDATE_TOO_DEEP:   return "body is nested too deeply";
    case MM_UPDATE_NOT_OBJECT: return "body is not a JSON object";
    case MM_UPDATE_NO_ID:      return "\"update_id\" is missing";
    case MM_UPDATE_BAD_ID:     return "\"update_id\" is not a non-negative integer";
    case MM_UPDATE_DUP_ID:     return "\"update_id\" appears more than once";
    case MM_UPDATE_RESERVED:
        return "a field starting with \"" MM_UPDATE_RESERVED_PREFIX "\" is reserved";
    }
    return "unknown error";
}
