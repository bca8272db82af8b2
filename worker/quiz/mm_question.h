/*
 * A multiple-choice question as the quiz engine hands it to the bot: four
 * options, one correct.  Sizes are the Telegram/engine limits in characters
 * times four bytes of UTF-8.
 */

#ifndef MM_QUESTION_H
#define MM_QUESTION_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

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
int mm_question_check(const mm_question *q, char *err, size_t errlen);

/* The two JSON forms a question arrives in: a line of the bank's JSON-lines
 * format (and of operators' imports), and an item of a model's answer. */
typedef struct mm_question_form {
    const char *correct_key;    /* "correct" or "correct_index" */
    const char *topic;          /* every item's topic; NULL: the item's own "topic" */
    int sdi_default;            /* an item without "sdi" gets it; 0: "sdi" is required */
} mm_question_form;

/* {"topic"?, "question", "options" [4], <correct_key>, "explanation", "sdi"?}
 * into q, nothing cut, then checked (mm_question_check); 0, or -1 with why. */
int mm_question_from_object(const json_t *o, const mm_question_form *form, mm_question *q,
                            char *err, size_t errlen);

/* One line of the bank's JSON-lines format ({"topic","question","options"
 * [4],"correct","explanation","sdi"}) into q, checked; -1 with why. */
int mm_question_from_json(const char *line, size_t len, mm_question *q, char *err,
                          size_t errlen);

/* The hex SHA-256 of q's normalised topic, text and options: what makes
 * two questions the same one.  0, or -1 out of memory. */
int mm_question_hash(const mm_question *q, char out[65]);

/* The question bank shipped inside the worker, in the JSON-lines form
 * (build/gen/mm_bank.c, from worker/quiz/bank/). */
extern const char mm_bank_jsonl[];

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
