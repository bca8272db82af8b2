/*
 * Scoring and difficulty, pure functions of what happened.
 *
 * Points for a correct answer: a base that grows with the question's SDI,
 * a speed bonus for the part of the time limit left, and a streak bonus
 * for consecutive correct answers before this one.  Wrong or late: 0.
 */

#ifndef MM_SCORE_H
#define MM_SCORE_H

#include <stdint.h>

#define MM_SDI_MIN 1
#define MM_SDI_MAX 10

int mm_score_points(int sdi, int correct, int64_t elapsed_ms, int64_t limit_ms,
                    int streak_before);

/* The player's next target after a run of `total` with `correct` right:
 * up one after >= 80 %, down one after <= 40 %, within 1..10. */
int mm_sdi_adapt(int sdi, int correct, int total);

/* perm[shown position] = original option index, one of the 24 orders of
 * four options chosen by r (uniform when r is uniform over 0..2^32-1
 * reduced with rejection by the caller, or any r for tests). */
void mm_shuffle4(uint32_t r, int perm[4]);

/* The shown position of original option `index` under perm; -1 if absent. */
int mm_shown_position(const int perm[4], int index);

#endif /* MM_SCORE_H */
