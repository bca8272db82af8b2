/*
 * The engine thread: the slow work of the quiz engine, off the update path.
 * It runs generation jobs (a player's quiz on a new topic, top-ups of
 * popular topics) claimed from PostgreSQL with a lease, so a job of a dead
 * worker is taken over; a player's job ends with a timer into the chat's
 * partition, where the bot starts the run exactly once.  Every few minutes
 * it queues top-ups for generated topics whose ready cache runs low and
 * recalibrates the SDI of recently played questions from their answers.
 */

#ifndef MM_JOBS_H
#define MM_JOBS_H

#include "mm_ctx.h"

typedef struct mm_jobs_arg {
    mm_ctx *ctx;
    int index;                  /* thread 0 also tops up and calibrates */
} mm_jobs_arg;

/* MM_ENGINE_THREADS of these run generation jobs side by side. */
void *mm_jobs_main(void *arg);

#endif /* MM_JOBS_H */
