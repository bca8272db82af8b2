#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mm_difficulty.h"

static int mm_clamp(int v, int lo, int hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* An option that is a number ("1969", "3.14", "-40 °C"): its value. */
static int mm_numeric(const char *s, double *v) {
    char *end;

    while (isspace((unsigned char) *s))
        s++;
    *v = strtod(s, &end);
    return end != s && isdigit((unsigned char) end[-1]);
}

/* Dice coefficient of the character bigrams of two short strings,
 * case-folded (ASCII): how alike a distractor looks to the answer. */
static double mm_look_alike(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b), common = 0;
    char *used;

    if (la < 2 || lb < 2)
        return 0;
    if ((used = calloc(lb, 1)) == NULL)
        return 0;
    for (size_t i = 0; i + 1 < la; i++) {
        for (size_t j = 0; j + 1 < lb; j++) {
            if (!used[j] && tolower((unsigned char) a[i]) == tolower((unsigned char) b[j])
                && tolower((unsigned char) a[i + 1]) == tolower((unsigned char) b[j + 1])) {
                used[j] = 1;
                common++;
                break;
            }
        }
    }
    free(used);
    return 2.0 * (double) common / (double) (la - 1 + lb - 1);
}

int mm_sdi_prior(int claimed, const mm_question *q) {
    size_t qlen = mm_utf8_len(q->text), longest = 0;
    double alike = 0, values[4], lo = 0, hi = 0;
    int numeric = 0, adjust = 0;

    for (int i = 0; i < 4; i++) {
        size_t l = mm_utf8_len(q->options[i]);
        longest = l > longest ? l : longest;
        if (i != q->correct)
            alike += mm_look_alike(q->options[q->correct], q->options[i]) / 3;
        if (mm_numeric(q->options[i], &values[numeric])) {
            lo = numeric == 0 || values[numeric] < lo ? values[numeric] : lo;
            hi = numeric == 0 || values[numeric] > hi ? values[numeric] : hi;
            numeric++;
        }
    }
    if (qlen > 160)
        adjust++;
    if (qlen < 50 && longest <= 12)
        adjust--;
    /* four numbers within half of each other: recall, not elimination */
    if (numeric == 4 && lo > 0 && hi <= lo * 1.5)
        adjust++;
    if (alike >= 0.5)
        adjust++;
    return mm_clamp(mm_clamp(claimed, 1, 10) + mm_clamp(adjust, -2, 2), 1, 10);
}

int mm_sdi_observed(double correct_rate, int median_ms, int limit_ms) {
    /* 95 % right is trivial; 30 % is barely above guessing among four */
    double sdi = 1 + 9 * (0.95 - correct_rate) / 0.65;

    if (limit_ms > 0 && median_ms > limit_ms * 6 / 10)
        sdi += 1;           /* players needed most of the time */
    else if (limit_ms > 0 && median_ms < limit_ms / 5)
        sdi -= 1;           /* answered at a glance */
    return mm_clamp((int) lround(sdi), 1, 10);
}

int mm_sdi_calibrated(int prior, int plays, double correct_rate, int median_ms, int limit_ms) {
    double w;

    if (plays < MM_SDI_MIN_PLAYS)
        return mm_clamp(prior, 1, 10);
    w = (double) plays / (plays + 20.0);
    return mm_clamp((int) lround((1 - w) * prior
                                 + w * mm_sdi_observed(correct_rate, median_ms, limit_ms)), 1, 10);
}
