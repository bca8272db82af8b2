#include <stdio.h>
#include <string.h>

#include "quiz/mm_maze.h"
#include "quiz/mm_score.h"

/* splitmix64: small, fast, and good enough to pick puzzle parameters */
static uint64_t mm_next(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int64_t mm_range(uint64_t *s, int64_t lo, int64_t hi) {
    return lo + (int64_t) (mm_next(s) % (uint64_t) (hi - lo + 1));
}

/* Four distinct numeric options around answer; the correct slot is random. */
static void mm_numeric_options(uint64_t *s, mm_question *q, int64_t answer, int64_t spread) {
    int64_t opts[4];
    int n = 0;

    q->correct = (int) mm_range(s, 0, 3);
    opts[q->correct] = answer;
    while (n < 4) {
        int64_t d, v;
        int dup = 0;
        if (n == q->correct) {
            n++;
            continue;
        }
        d = mm_range(s, 1, spread > 1 ? spread : 2);
        v = (mm_next(s) & 1) ? answer + d : answer - d;
        for (int i = 0; i < 4; i++)
            if ((i < n || i == q->correct) && opts[i] == v)
                dup = 1;
        if (!dup)
            opts[n++] = v;
    }
    for (int i = 0; i < 4; i++)
        snprintf(q->options[i], sizeof(q->options[i]), "%lld", (long long) opts[i]);
}

static void mm_maze_chain(uint64_t *s, int sdi, mm_question *q) {
    int steps = 2 + sdi / 2;
    int64_t v = mm_range(s, 2, 5 + 3 * sdi), start = v;
    char text[MM_Q_TEXT_MAX - 64];
    size_t n;

    n = (size_t) snprintf(text, sizeof(text), "Start with %lld", (long long) v);
    for (int i = 0; i < steps; i++) {
        int op = (int) mm_range(s, 0, sdi >= 4 ? 3 : 1);
        int64_t k;
        switch (op) {
        case 0:
            k = mm_range(s, 2, 4 + 2 * sdi);
            v += k;
            n += (size_t) snprintf(text + n, sizeof(text) - n, ", add %lld", (long long) k);
            break;
        case 1:
            k = mm_range(s, 1, v > 1 ? (v < 3 * sdi ? v - 1 : 3 * sdi) : 1);
            v -= k;
            n += (size_t) snprintf(text + n, sizeof(text) - n, ", subtract %lld", (long long) k);
            break;
        case 2:
            k = mm_range(s, 2, sdi >= 8 ? 6 : 3);
            v *= k;
            n += (size_t) snprintf(text + n, sizeof(text) - n, ", multiply by %lld",
                                   (long long) k);
            break;
        default:
            /* halve only what divides evenly, so answers stay whole */
            if (v % 2 == 0) {
                v /= 2;
                n += (size_t) snprintf(text + n, sizeof(text) - n, ", halve it");
            } else {
                v *= 2;
                n += (size_t) snprintf(text + n, sizeof(text) - n, ", double it");
            }
        }
        if (n >= sizeof(text))
            break;
    }
    snprintf(q->text, sizeof(q->text), "%s. What number do you end with?", text);
    mm_numeric_options(s, q, v, 2 + sdi);
    snprintf(q->explanation, sizeof(q->explanation),
             "Working the %d steps in order from %lld gives %lld.", steps,
             (long long) start, (long long) v);
}

static void mm_maze_sequence(uint64_t *s, int sdi, mm_question *q) {
    int64_t t[7], next;
    int kind = (int) mm_range(s, 0, sdi <= 3 ? 0 : sdi <= 6 ? 2 : 3);
    const char *rule;

    t[0] = mm_range(s, 1, 10 + sdi);
    switch (kind) {
    case 0: {                                   /* constant step */
        int64_t d = mm_range(s, 2, 3 + 2 * sdi);
        for (int i = 1; i < 7; i++)
            t[i] = t[i - 1] + d;
        rule = "each term adds the same step";
        break;
    }
    case 1: {                                   /* the step grows by one */
        int64_t d = mm_range(s, 1, 4);
        for (int i = 1; i < 7; i++)
            t[i] = t[i - 1] + d + i - 1;
        rule = "the step between terms grows by one each time";
        break;
    }
    case 2: {                                   /* multiply */
        int64_t k = mm_range(s, 2, 3);
        t[0] = mm_range(s, 1, 5);
        for (int i = 1; i < 7; i++)
            t[i] = t[i - 1] * k;
        rule = "each term multiplies the previous one by the same factor";
        break;
    }
    default:                                    /* sum of the two before */
        t[1] = mm_range(s, 1, 10 + sdi);
        for (int i = 2; i < 7; i++)
            t[i] = t[i - 1] + t[i - 2];
        rule = "each term is the sum of the two before it";
    }
    next = t[5];
    snprintf(q->text, sizeof(q->text),
             "Which number comes next: %lld, %lld, %lld, %lld, %lld, ?",
             (long long) t[0], (long long) t[1], (long long) t[2], (long long) t[3],
             (long long) t[4]);
    mm_numeric_options(s, q, next, 1 + sdi + (int) (next / 20));
    snprintf(q->explanation, sizeof(q->explanation), "The rule is that %s, giving %lld.",
             rule, (long long) next);
}

static void mm_maze_order(uint64_t *s, int sdi, mm_question *q) {
    static const char *names[] = { "Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus" };
    int n = sdi <= 3 ? 3 : sdi <= 7 ? 4 : 5;
    int order[5], pool[7] = { 0, 1, 2, 3, 4, 5, 6 }, left = 7;
    int clue[4], ask_tallest = (int) (mm_next(s) & 1), answer, shown = 0;
    char text[MM_Q_TEXT_MAX - 64];
    size_t len;

    /* order[0] is the tallest */
    for (int i = 0; i < n; i++) {
        int k = (int) mm_range(s, 0, left - 1);
        order[i] = pool[k];
        pool[k] = pool[--left];
    }
    /* clues: each adjacent pair once, stated in a shuffled order */
    for (int i = 0; i < n - 1; i++)
        clue[i] = i;
    for (int i = n - 2; i > 0; i--) {
        int k = (int) mm_range(s, 0, i), tmp = clue[i];
        clue[i] = clue[k];
        clue[k] = tmp;
    }
    len = 0;
    for (int i = 0; i < n - 1; i++)
        len += (size_t) snprintf(text + len, sizeof(text) - len, "%s is taller than %s. ",
                                 names[order[clue[i]]], names[order[clue[i] + 1]]);
    answer = ask_tallest ? order[0] : order[n - 1];
    snprintf(q->text, sizeof(q->text), "%sWho is the %s?", text,
             ask_tallest ? "tallest" : "shortest");

    q->correct = (int) mm_range(s, 0, 3);
    snprintf(q->options[q->correct], sizeof(q->options[0]), "%s", names[answer]);
    /* distractors: the other people in the puzzle first, then outsiders */
    for (int i = 0; i < 4; i++) {
        if (i == q->correct)
            continue;
        while (shown < 7) {
            int cand = shown < n ? order[shown] : pool[shown - n];
            shown++;
            if (cand != answer) {
                snprintf(q->options[i], sizeof(q->options[0]), "%s", names[cand]);
                break;
            }
        }
    }
    snprintf(q->explanation, sizeof(q->explanation),
             "Chaining the clues gives the order %s first, so the %s is %s.",
             ask_tallest ? "tallest" : "shortest", ask_tallest ? "tallest" : "shortest",
             names[answer]);
}

void mm_maze_generate(uint64_t seed, int sdi, mm_question *q) {
    uint64_t s = seed;

    memset(q, 0, sizeof(*q));
    if (sdi < MM_SDI_MIN)
        sdi = MM_SDI_MIN;
    if (sdi > MM_SDI_MAX)
        sdi = MM_SDI_MAX;
    snprintf(q->topic, sizeof(q->topic), MM_MAZE_TOPIC);
    q->sdi = sdi;
    switch (mm_next(&s) % 3) {
    case 0: mm_maze_chain(&s, sdi, q); break;
    case 1: mm_maze_sequence(&s, sdi, q); break;
    default: mm_maze_order(&s, sdi, q);
    }
}
