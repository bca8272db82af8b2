/*
 * A multiple-choice question as the quiz engine hands it to the bot: four
 * options, one correct.  Sizes are the Telegram/engine limits in characters
 * times four bytes of UTF-8.
 */

#ifndef MM_QUESTION_H
#define MM_QUESTION_H

#include <stddef.h>
#include <stdint.h>

#include "mm_buf.h"
#include "mm_utf8.h"

#define MM_Q_TOPIC_MAX       64
#define MM_TOPIC_LEN         32         /* bytes of a topic: a-z 0-9 _ - and single spaces */
#define MM_Q_TEXT_MAX        (300 * 4 + 1)
#define MM_Q_OPTION_MAX      (100 * 4 + 1)
#define MM_Q_EXPLANATION_MAX (200 * 4 + 1)

typedef struct mm_question {
    char topic[MM_Q_TOPIC_MAX];
    char text[MM_Q_TEXT_MAX];
    char options[4][MM_Q_OPTION_MAX];
    int correct;                        /* 0..3 */
    char explanation[MM_Q_EXPLANATION_MAX];
    int sdi;                            /* 1..10 */
} mm_question;

/* What a player typed as a topic, as a topic: lowercase ASCII letters,
 * digits, _ and -, single spaces, at most MM_TOPIC_LEN bytes cut at a word
 * boundary.  Its length; 0 when nothing usable was left. */
size_t mm_topic_slug(const char *in, char *out, size_t outlen);

/* 0 when q is well formed (lengths, four distinct options, one correct,
 * SDI 1..10); otherwise -1 with the reason. */
int mm_question_check(const mm_question *q, char *why, size_t whylen);

/* Lowercase ASCII with runs of spaces and most punctuation folded to one
 * space: the form options are compared and questions hashed in. */
void mm_question_normalise(const char *in, mm_buf *out);

/* Token similarity of two questions' texts, 0..1: the Jaccard index of
 * their sets of normalised words (words of one or two letters and a few
 * question words are left out, they say nothing about the content). */
double mm_question_similarity(const char *a, const char *b);

/* The same measure with a text's words taken once: a sorted set of their
 * hashes, to compare one question with many. */
#define MM_SIM_WORDS 64
typedef struct mm_qwords {
    int n;
    uint64_t h[MM_SIM_WORDS];
} mm_qwords;

void mm_question_words(const char *text, mm_qwords *w);
double mm_question_words_similarity(const mm_qwords *a, const mm_qwords *b);

#endif /* MM_QUESTION_H */
