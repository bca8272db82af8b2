/*
 * The check the webhook edge makes before it stores an update: the body is
 * one valid JSON text (RFC 8259, UTF-8) whose top level is an object with
 * exactly one "update_id", a non-negative integer.  One pass, no
 * allocation, bounded nesting; the worker parses the stored update fully.
 */

#ifndef MM_JSON_H
#define MM_JSON_H

#include <stddef.h>
#include <stdint.h>

#define MM_JSON_MAX_DEPTH  64

typedef enum {
    MM_UPDATE_OK = 0,
    MM_UPDATE_EMPTY,        /* no bytes, or whitespace only */
    MM_UPDATE_BAD_JSON,     /* not one valid JSON text */
    MM_UPDATE_TOO_DEEP,     /* nested deeper than MM_JSON_MAX_DEPTH */
    MM_UPDATE_NOT_OBJECT,   /* valid, but not an object at the top */
    MM_UPDATE_DUP_ID,       /* "update_id" more than once at the top */
    MM_UPDATE_BAD_ID,       /* "update_id" not an integer in [0, 2^63) */
    MM_UPDATE_NO_ID         /* no "update_id" at the top level */
} mm_update_rc_t;

/* Checks p[0..len); on MM_UPDATE_OK stores the id in *update_id. */
mm_update_rc_t mm_update_check(const unsigned char *p, size_t len,
                               int64_t *update_id);

/* A short lowercase reason for rc, fit for a 400 response. */
const char *mm_update_strerror(mm_update_rc_t rc);

#endif /* MM_JSON_H */
