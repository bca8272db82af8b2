/*
 * UTF-8 text as users send it and Telegram expects it back.  Whatever cuts
 * user text cuts it here, at a character boundary: half a character makes
 * the JSON of a reply invalid, and Telegram (or jansson before it) refuses
 * the whole message.
 */

#ifndef MM_UTF8_H
#define MM_UTF8_H

#include <stddef.h>

/* Characters (code points) of s. */
size_t mm_utf8_len(const char *s);

/* The length in bytes of the longest prefix of s (len bytes) that is at
 * most max bytes and does not end inside a character. */
size_t mm_utf8_cut(const char *s, size_t len, size_t max);

/* Copies s into out (outlen bytes, NUL-terminated), cut at a character
 * boundary when it does not fit; the bytes copied. */
size_t mm_utf8_copy(char *out, size_t outlen, const char *s);

/* 1 when s is well-formed UTF-8 (no stray continuation bytes, no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
int mm_utf8_valid(const char *s);

/* Makes s well-formed in place: every byte that does not start a valid
 * character is replaced by '?', and a character cut at the end (snprintf
 * into a buffer too small) is dropped.  For text from outside (a
 * provider's error, a node's message) on its way into JSON or PostgreSQL,
 * which both refuse invalid UTF-8.  How many bytes were replaced. */
size_t mm_utf8_fix(char *s);

#endif /* MM_UTF8_H */
