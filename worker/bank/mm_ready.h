/*
 * Ready questions: validated questions nobody was served yet, whole (the
 * bank's JSON-lines form with their id), per topic and the SDI they were
 * made for, in Redis for 24 hours (mm:ready:<sdi>:<topic>).  A run is
 * served from here first, from the bank in PostgreSQL for the rest.
 */

#ifndef MM_READY_H
#define MM_READY_H

#include <hiredis/hiredis.h>

#include "quiz/mm_question.h"

/* Adds q, stored in the bank as id; 0 or -1. */
int mm_ready_push(redisContext *redis, const mm_question *q, int sdi, long long id);

/* Removes up to count into ids (and qs, if not NULL); how many: 0 when
 * Redis has none or is down. */
int mm_ready_take(redisContext *redis, const char *topic, int sdi, int count, long long *ids,
                  mm_question *qs);

/* How many are ready, or -1. */
long long mm_ready_count(redisContext *redis, const char *topic, int sdi);

#endif /* MM_READY_H */
