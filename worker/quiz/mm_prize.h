/*
 * A prize pool split by rank, in exact base units: each rank's share is
 * fixed once, at creation, and stored as numbers.  Shares are basis points
 * of the pool (10000 = all of it) rounded down; what rounding leaves over
 * goes to rank 1, so the ranks always add up to the pool, to the unit.
 * Pure: u128 arithmetic, decimal text in and out.
 */

#ifndef MM_PRIZE_H
#define MM_PRIZE_H

#include <stddef.h>

#define MM_PRIZE_RANKS_MAX 10
#define MM_UNITS_MAX       48           /* a u128 as decimal text, and the NUL */

typedef struct mm_split {
    const char *name;                   /* wta | top3 | top5 | top10 */
    const char *label;                  /* what the creator picks */
    int n;
    int bps[MM_PRIZE_RANKS_MAX];
} mm_split;

/* The named structures; NULL for an unknown name. */
const mm_split *mm_split_find(const char *name);
const mm_split *mm_split_at(int i);     /* NULL past the last */

/* Per-rank amounts of pool (base units, decimal) by bps[0..n) (summing to
 * 10000) into out; 0, or -1 with err (not a u128, a share of nothing). */
int mm_prize_split(const char *pool, const int *bps, int n, char out[][MM_UNITS_MAX],
                   char *err, size_t errlen);

/* A custom structure as typed: percentages ("50% 30% 20%", "50,30,20%",
 * decimals allowed to 0.01 %) into bps, or amounts in whole tokens ("0.5,
 * 0.3, 0.2") into base units that must add up to pool.  The number of
 * ranks in *n; 0, or -1 with err saying what to type. */
int mm_prize_custom(const char *text, const char *pool, int decimals, int *n,
                    char out[][MM_UNITS_MAX], char *err, size_t errlen);

/* pool * bps / 10000, rounded down (the service fee); 0, or -1. */
int mm_prize_fee(const char *pool, int bps, char out[MM_UNITS_MAX]);

/* a + b into out; 0, or -1 past u128. */
int mm_units_add(const char *a, const char *b, char out[MM_UNITS_MAX]);

#endif /* MM_PRIZE_H */
