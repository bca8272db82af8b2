/*
 * The question bank: questions in PostgreSQL, whatever their origin — the
 * bank shipped with the worker (seeded at start-up), operators' imports,
 * what the engine generated (engine/mm_engine.h) and the procedural maze
 * (quiz/mm_maze.h) — stored once by their content hash, and picked for a
 * run.  The Redis ready cache of fresh generated questions is
 * bank/mm_ready.h.
 */

#ifndef MM_BANK_H
#define MM_BANK_H

#include <stdint.h>

#include <hiredis/hiredis.h>

#include "quiz/mm_question.h"
#include "store/mm_db.h"

#define MM_TOPIC_MIX "mix"
#define MM_MAX_TOPICS 32

/* Where a stored question came from: source is bank | import | maze or the
 * provider's name; model, prompt_hash (hex SHA-256) and the model's own
 * SDI claim (0: none) for generated ones. */
typedef struct mm_provenance {
    const char *source;
    const char *model;
    const char *prompt_hash;
    int sdi_claimed;
} mm_provenance;

/* Stores q once (by its normalised content hash); its id, or -1.  *fresh
 * (if not NULL) says whether it was new.  q->sdi is its SDI before play. */
long long mm_question_store(mm_db *db, const mm_question *q, const char *source, int *fresh);
long long mm_question_store_from(mm_db *db, const mm_question *q, const mm_provenance *from,
                                 int *fresh);

#define MM_NEAR_DUPLICATE 0.8     /* token similarity from which two are one */

/* The question of q's topic q is nearly the same as (its id), or 0; -1 on
 * a database error.  The very same question (its content hash) is not a
 * near one: storing it is a no-op counted as a duplicate. */
long long mm_question_near(mm_db *db, const mm_question *q, double *sim);

/* Up to count question ids for a run on topic (a bank topic, a generated
 * one, "maze" or "mix") near sdi: ready ones from Redis first (redis may
 * be NULL), then the bank's, unseen by the player first; how many, or -1. */
int mm_bank_pick(mm_db *db, redisContext *redis, const char *topic, int sdi, int64_t user_id,
                 int count, long long *ids);

/* Topics with questions, bank topics then "maze"; how many, or -1.  The
 * bank's topics are cached in Redis (mm:topics, 5 min). */
int mm_bank_topics(mm_db *db, redisContext *redis, char topics[][MM_Q_TOPIC_MAX], int max);

/* Seeds the shipped bank (idempotent); how many bank questions are in
 * place, or -1; *rejected counts lines that failed the check. */
int mm_bank_seed(mm_db *db, int *rejected);

#endif /* MM_BANK_H */
