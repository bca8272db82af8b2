/*
 * The check the webhook edge makes before it stores a Telegram update: the
 * body is one strict JSON text (RFC 8259, UTF-8) whose top level is an
 * object holding exactly one "update_id", a non-negative integer that fits
 * int64_t.  One pass, no allocation, no globals, bounded nesting; the
 * worker parses the stored update fully later (with jansson).
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
    MM_UPDATE_DUP_ID        /* "update_id" more than once at the top level */
} mm_update_rc_t;

/* Checks the body p[0..len).  The whole text is validated before any
 * verdict about its content, so BAD_JSON and TOO_DEEP win over the rest;
 * then NOT_OBJECT, DUP_ID, BAD_ID, NO_ID.  On MM_UPDATE_OK the id is stored
 * in *update_id (when not NULL); otherwise *update_id is left alone. */
mm_update_rc_t mm_update_check(const unsigned char *p, size_t len,
                               int64_t *update_id);

/* A short lowercase reason for rc, fit for a 400 response body. */
const char *mm_update_strerror(mm_update_rc_t rc);

#endif /* MM_JSON_H */
