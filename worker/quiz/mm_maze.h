/*
 * "Mental maze" questions made by procedure, their answer computed rather
 * than written: arithmetic chains, number sequences and ordering logic.
 * The same seed and SDI always give the same question, so a test can
 * check every answer and the bank can de-duplicate them.
 */

#ifndef MM_MAZE_H
#define MM_MAZE_H

#include <stdint.h>

#include "quiz/mm_question.h"

#define MM_MAZE_TOPIC "maze"

/* Fills q with a question of about the given SDI (1..10); the kind is
 * picked by the seed.  Always succeeds. */
void mm_maze_generate(uint64_t seed, int sdi, mm_question *q);

#endif /* MM_MAZE_H */
