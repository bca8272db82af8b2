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

void *mm_jobs_main(void *ctx);

#endif /* MM_JOBS_H */
