/*
 * The content filter: whole-word matches against the lists in
 * engine/words/ (embedded as mm_blocked_words), case-insensitive for
 * Latin and Cyrillic letters.  Pure.
 */

#ifndef MM_WORDS_H
#define MM_WORDS_H

#include <stddef.h>

extern const char mm_blocked_words[];   /* build/gen/mm_words.c: one per line */

/* 1 when text contains a word (or phrase) of list, newline-separated, as
 * a whole word; the word goes to hit. */
int mm_words_find(const char *list, const char *text, char *hit, size_t hitlen);

#endif /* MM_WORDS_H */
