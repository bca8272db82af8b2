/*
 * The job queue: slow work done off the update path (a quiz written by
 * the engine, a wallet opened on chain, a withdrawal sent), as rows of the
 * jobs table.  A job is claimed under a lease and ended by its holder only:
 *
 *   queued --claim--> running --end--> done | failed   (+ a timer of the
 *                        |   ^                           kind's, into the
 *                        +---+ extend (between slow      job's chat)
 *                              calls); a dead holder's
 *                              lease runs out and the
 *                              job is claimed again
 *
 * Each kind has a handler (mm_queue_kind); a thread runs the kinds it is
 * given (the engine threads generate, the chain thread signs).  A job
 * claimed more than its kind's max_attempts times failed where its
 * holders died: it is ended as failed without running again.
 */

#ifndef MM_QUEUE_H
#define MM_QUEUE_H

#include <jansson.h>

#include "store/mm_db.h"

typedef struct mm_job {
    long long id;
    char kind[24];
    long long user_id, chat_id;     /* 0 when none */
    json_t *payload;                /* owned */
    int attempts;                   /* claims so far, this one included */
    char *owner;                    /* who holds it (the runner's name) */
    mm_db *db;
    int lease_ms;
} mm_job;

/* Queues a job; 1 queued (*id set when not NULL), 0 when an open job of
 * the same kind has the same dedupe key (NULL: no such rule), -1 with
 * db->err.  user_id and chat_id 0 store NULL; payload is not stolen. */
int mm_queue_add(mm_db *db, const char *kind, long long user_id, long long chat_id,
                 json_t *payload, const char *dedupe, int priority, long long *id);

/* Keeps the job ours for another lease (call between slow calls). */
int mm_queue_extend(mm_job *job);

/* Runs a job; returns its result (stolen; the job is done) or NULL with
 * why (the job failed). */
typedef json_t *(*mm_queue_run_fn)(void *runner, mm_job *job, char *err, size_t errlen);

typedef struct mm_queue_kind {
    const char *kind;
    mm_queue_run_fn run;
    int max_attempts;
    const char *done_timer;         /* the timer kind announcing the end, or NULL */
} mm_queue_kind;

/* Claims the first open job of the given kinds (priority, then age), runs
 * it and ends it; 1 when there was one, 0 when none, -1 with db->err. */
int mm_queue_run_one(mm_db *db, const char *owner, int lease_ms, const mm_queue_kind *kinds,
                     int nkinds, void *runner, char *err, size_t errlen);

/* A job's row by id: 1 with *row (the caller PQclear()s; columns
 * mm_col_jobget), 0 none, -1 with db->err. */
int mm_queue_get(mm_db *db, long long id, PGresult **row);

/* The finished job id of kind, to be announced in chat_id, if it is that
 * chat's and was not announced yet (it is marked so in the caller's
 * transaction): 1 with *row as mm_queue_get's, 0 when there is nothing to
 * say, -1 with db->err. */
int mm_queue_announce(mm_db *db, long long id, long long chat_id, const char *kind,
                      PGresult **row);

#endif /* MM_QUEUE_H */
