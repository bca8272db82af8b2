/*
 * The engine's work off the update path.  Engine threads run "generate"
 * jobs from the queue (sched/mm_queue.h): a player's quiz on a new topic,
 * or a top-up of a popular generated topic; a player's job ends with a
 * quiz_ready timer into the chat's partition, where the bot starts the
 * run exactly once.  They also make group quizzes' questions ("quiz"
 * jobs, ended by a quiz_made timer).  The maintenance thread, one leaseholder in the whole
 * deployment, queues top-ups for generated topics whose ready cache runs
 * low and recalibrates the SDI of recently played questions from their
 * answers, every MM_ENGINE_PERIOD.
 */

#ifndef MM_JOBS_H
#define MM_JOBS_H

#include "engine/mm_engine.h"
#include "mm_loop.h"

#define MM_JOB_GENERATE "generate"      /* payload {topic, sdi, count}; result {made, provider} */
#define MM_JOB_QUIZ     "quiz"          /* payload {quiz}; result {made, provider} */

#define MM_QUIZ_QUESTIONS_MAX 50        /* in a group quiz (the quizzes table's check) */

typedef struct mm_engine_loop {
    mm_loop loop;
    mm_engine engine;           /* this thread's copy: its breakers and timeouts */
    char name[16];
} mm_engine_loop;

/* Engine thread `index` (MM_ENGINE_THREADS of them) over ctx->engine. */
void mm_engine_loop_init(mm_engine_loop *el, mm_ctx *ctx, int index);

/* Queues a generation job: a player's (user_id and chat_id set; one open
 * per player) or a top-up (0, 0; one open per topic and SDI).  1 queued,
 * 0 one is open already, -1 with db->err. */
int mm_generate_queue(mm_db *db, long long user_id, long long chat_id, const char *topic,
                      int sdi, int count);

/* Queues the making of a group quiz's questions (one job per quiz): the
 * engine writes them from its topic and notes when a language model is
 * configured, the bank gives the rest; they are frozen in quiz_questions
 * and a quiz_made timer goes to chat_id (the creator's wizard, or the
 * group for a quiz made by `mm-worker quiz create`).  1 queued, 0 one is
 * open already, -1 with db->err. */
int mm_quiz_job_queue(mm_db *db, long long quiz, long long user_id, long long chat_id);

typedef struct mm_maintenance {
    mm_loop loop;
    long long next_topup, next_calibration;
    long long next_prune;           /* old rows, in batches (mm_jobs.c) */
} mm_maintenance;

void mm_maintenance_init(mm_maintenance *m, mm_ctx *ctx);

#endif /* MM_JOBS_H */
