#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quiz/mm_score.h"

int mm_score_points(int sdi, int correct, int64_t elapsed_ms, int64_t limit_ms,
                    int streak_before) {
    int base, speed = 0, streak;

    if (!correct || elapsed_ms > limit_ms)
        return 0;
    if (sdi < MM_SDI_MIN)
        sdi = MM_SDI_MIN;
    if (sdi > MM_SDI_MAX)
        sdi = MM_SDI_MAX;
    base = 10 + 2 * (sdi - 1);
    if (limit_ms > 0) {
        int64_t left = limit_ms - (elapsed_ms < 0 ? 0 : elapsed_ms);
        speed = (int) (10 * left / limit_ms);
    }
    streak = streak_before > 5 ? 10 : 2 * streak_before;
    return base + speed + streak;
}

int mm_sdi_adapt(int sdi, int correct, int total) {
    if (total > 0) {
        if (correct * 5 >= total * 4)
            sdi++;
        else if (correct * 5 <= total * 2)
            sdi--;
    }
    if (sdi < MM_SDI_MIN)
        return MM_SDI_MIN;
    if (sdi > MM_SDI_MAX)
        return MM_SDI_MAX;
    return sdi;
}

void mm_shuffle4(uint32_t r, int perm[4]) {
    int pool[4] = { 0, 1, 2, 3 }, n = 4;

    /* r % 24 read as a factorial-base number: one digit picks each slot */
    r %= 24;
    for (int i = 0; i < 4; i++) {
        int k = (int) (r % (uint32_t) n);
        r /= (uint32_t) n;
        perm[i] = pool[k];
        memmove(&pool[k], &pool[k + 1], (size_t) (n - k - 1) * sizeof(int));
        n--;
    }
}

int mm_shown_position(const int perm[4], int index) {
    for (int i = 0; i < 4; i++)
        if (perm[i] == index)
            return i;
    return -1;
}
