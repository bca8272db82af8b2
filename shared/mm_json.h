/*
 * The check the webhook edge makes before it stores a Telegram update: the
 * body is one strict JSON text (RFC 8259, UTF-8) whose top level is an
 * object holding exactly one "update_id", a non-negative integer that fits
 * int64_t, and no member reserved for the worker's own events.  One pass,
 * no allocation, no globals, bounded nesting; the worker parses the stored
 * update fully later (with jansson).
 */

#ifndef MM_JSON_H
#define MM_JSON_H

#include <stddef.h>
#include <stdint.h>

/* open objects and arrays allowed at once; the top-level object counts */
#define MM_JSON_MAX_DEPTH  64

typedef enum {
    MM_UPDATE_OK = 0,
    MM_UPDATE_EMPTY,        /* zero bytes, or only whitespace */
    MM_UPDATE_BAD_JSON,     /* not one valid JSON text */
    MM_UPDATE_TOO_DEEP,     /* nested deeper than MM_JSON_MAX_DEPTH */
    MM_UPDATE_NOT_OBJECT,   /* valid JSON, but the top level is no object */
    MM_UPDATE_NO_ID,        /* no "update_id" member at the top level */
    MM_UPDATE_BAD_ID,       /* "update_id" is not an integer in [0, 2^63) */
    MM_UPDATE_DUP_ID,       /* "update_id" more than once at the top level */
    MM_UPDATE_RESERVED      /* a top-level member name is reserved (below) */
} mm_update_rc_t;

/* Top-level members whose names start with this are the worker's own: it
 * writes {"mm_timer":{...}} for a fired timer into the same streams as the
 * updates, so an update from outside must never carry one. */
#define MM_UPDATE_RESERVED_PREFIX  "mm_"

/* 1 when the member name key[0..len) is reserved (starts with
 * MM_UPDATE_RESERVED_PREFIX, case-sensitively), else 0.  The name is the
 * decoded one, as jansson's json_object_foreach() gives it: a poller that
 * holds an update as a jansson object checks each top-level key with this.
 * Reads at most the first three bytes, never past len. */
int mm_update_key_reserved(const char *key, size_t len);

/* Checks the body p[0..len).  The whole text is validated before any
 * verdict about its content, so BAD_JSON and TOO_DEEP win over the rest;
 * then NOT_OBJECT, RESERVED, DUP_ID, BAD_ID, NO_ID.  A member name is
 * judged as decoded ("mm\u005ftimer" is reserved, "update\u005fid" is the
 * id).  On MM_UPDATE_OK the id is stored in *update_id (when not NULL);
 * otherwise *update_id is left alone. */
mm_update_rc_t mm_update_check(const unsigned char *p, size_t len,
                               int64_t *update_id);

/* mm_update_check() that also names what it refused: on MM_UPDATE_RESERVED
 * *key points at the first reserved top-level name inside p, as the body
 * spells it (between its quotes, escapes not decoded), and *key_len is its
 * length in bytes; otherwise both are left alone.  key and key_len may be
 * NULL (together). */
mm_update_rc_t mm_update_check_key(const unsigned char *p, size_t len,
                                   int64_t *update_id,
                                   const unsigned char **key,
                                   size_t *key_len);

/* A short lowercase reason for rc, fit for a 400 response body. */
const char *mm_update_strerror(mm_update_rc_t rc);

#endif /* MM_JSON_H */
