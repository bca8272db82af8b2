/*
 * Difficulty (SDI 1-10) of a question: before anyone played it, the
 * model's claim adjusted by what can be measured in the text; once played,
 * moved toward what players showed (correct rate, median answer time), so
 * the bank's SDI converges to what players experience.  Pure functions.
 */

#ifndef MM_DIFFICULTY_H
#define MM_DIFFICULTY_H

#include "quiz/mm_question.h"

#define MM_SDI_MIN_PLAYS 10     /* fewer answers than this say nothing yet */

/* The claim (1-10) moved by at most 2 for measurable features: a long
 * question, numeric options close to each other, distractors that look
 * like the answer (harder); a short question with short options (easier). */
int mm_sdi_prior(int claimed, const mm_question *q);

/* The SDI players' answers show: from the correct rate (0-1) and the
 * median answer time against the time allowed. */
int mm_sdi_observed(double correct_rate, int median_ms, int limit_ms);

/* The prior blended with the observed SDI, the observed one weighing more
 * with every play; the prior itself below MM_SDI_MIN_PLAYS plays.  The same
 * inputs always give the same SDI, so recalibrating twice changes nothing. */
int mm_sdi_calibrated(int prior, int plays, double correct_rate, int median_ms, int limit_ms);

#endif /* MM_DIFFICULTY_H */
