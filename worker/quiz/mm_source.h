/*
 * Where a run's questions come from.  Today: the offline bank shipped with
 * the worker (seeded into PostgreSQL at start-up) and the procedural maze
 * generators.  The LLM engine plugs in behind mm_source_pick() later.
 */

#ifndef MM_SOURCE_H
#define MM_SOURCE_H

#include <stdint.h>

#include <hiredis/hiredis.h>

#include "quiz/mm_question.h"
#include "store/mm_db.h"

#define MM_TOPIC_MIX "mix"
#define MM_MAX_TOPICS 32

/* The hex SHA-256 of q's normalised topic, text and options: what makes
 * two questions the same one.  0, or -1 out of memory. */
int mm_question_hash(const mm_question *q, char out[65]);

/* Stores q once (by its normalised content hash); its id, or -1.  *fresh
 * (if not NULL) says whether it was new. */
long long mm_question_store(mm_db *db, const mm_question *q, const char *source, int *fresh);

/* One line of the bank's JSON-lines format ({"topic","question","options"
 * [4],"correct","explanation","sdi"}) into q, checked; -1 with why. */
int mm_question_from_json(const char *line, size_t len, mm_question *q, char *why,
                          size_t whylen);

/* Up to count question ids for a run on topic (a bank topic, "maze" or
 * "mix") near sdi, unseen by the player first; how many, or -1. */
int mm_source_pick(mm_db *db, const char *topic, int sdi, int64_t user_id, int count,
                   long long *ids);

/* Topics with questions, bank topics then "maze"; how many, or -1.  The
 * bank's topics are cached in Redis (mm:topics, 5 min). */
int mm_source_topics(mm_db *db, redisContext *redis, char topics[][MM_Q_TOPIC_MAX], int max);

/* Seeds the shipped bank (idempotent); how many bank questions are in
 * place, or -1; *rejected counts lines that failed the check. */
int mm_bank_seed(mm_db *db, int *rejected);

#endif /* MM_SOURCE_H */
