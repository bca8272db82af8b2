#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "quiz/mm_question.h"


/* lowercase ASCII, runs of space and punctuation folded to one space */
void mm_question_normalise(const char *in, mm_buf *out) {
    size_t len = strlen(in), start;
    char *p;
    int space = 1;

    /* the result is never longer than the input: room once, bytes written in place */
    mm_buf_add(out, in, len);
    if (out->oom)
        return;
    start = out->len - len;
    p = out->data + start;
    for (; *in; in++) {
        unsigned char c = (unsigned char) *in;
        if (isspace(c) || (ispunct(c) && c != '%' && c != '-' && c != '.')) {
            if (!space)
                *p++ = ' ';
            space = 1;
            continue;
        }
        *p++ = (char) (c >= 'A' && c <= 'Z' ? c + 32 : c);
        space = 0;
    }
    if (p > out->data + start && p[-1] == ' ')
        p--;
    *p = '\0';
    out->len = (size_t) (p - out->data);
}

size_t mm_topic_slug(const char *in, char *out, size_t outlen) {
    size_t n = 0, max = outlen - 1 < MM_TOPIC_LEN ? outlen - 1 : MM_TOPIC_LEN, word = 0;

    for (; *in && n < max; in++) {
        char c = (char) tolower((unsigned char) *in);
        if (isspace((unsigned char) c)) {
            if (n && out[n - 1] != ' ')
                word = n, out[n++] = ' ';
        } else if (strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", c) && c) {
            out[n++] = c;
        }
    }
    /* cut at a word boundary rather than inside a word */
    if (*in && word)
        n = word;
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return n;
}

int mm_question_check(const mm_question *q, char *why, size_t whylen) {
    size_t n = mm_utf8_len(q->text), t = strlen(q->topic);

    /* a topic goes into /play and into button data: see mm_topic_slug() */
    if (t < 1 || t > MM_TOPIC_LEN || strspn(q->topic, "abcdefghijklmnopqrstuvwxyz0123456789_- ") != t
        || q->topic[0] == ' ' || q->topic[t - 1] == ' ' || strstr(q->topic, "  "))
        return snprintf(why, whylen, "topic must be 1-32 of a-z 0-9 _ - and single spaces"), -1;
    if (n < 1 || n > 300)
        return snprintf(why, whylen, "question has %zu characters (1-300)", n), -1;
    if (q->correct < 0 || q->correct > 3)
        return snprintf(why, whylen, "correct must be 0-3"), -1;
    if (q->sdi < 1 || q->sdi > 10)
        return snprintf(why, whylen, "sdi must be 1-10"), -1;
    if (mm_utf8_len(q->explanation) > 200)
        return snprintf(why, whylen, "explanation is over 200 characters"), -1;
    for (int i = 0; i < 4; i++) {
        size_t m = mm_utf8_len(q->options[i]);
        if (m < 1 || m > 100)
            return snprintf(why, whylen, "option %d has %zu characters (1-100)", i + 1, m), -1;
        for (int j = 0; j < i; j++) {
            mm_buf a, b;
            int same;
            mm_buf_init(&a);
            mm_buf_init(&b);
            mm_question_normalise(q->options[i], &a);
            mm_question_normalise(q->options[j], &b);
            same = a.data && b.data && !strcmp(a.data, b.data);
            mm_buf_free(&a);
            mm_buf_free(&b);
            if (same)
                return snprintf(why, whylen, "options %d and %d are the same", j + 1, i + 1), -1;
        }
    }
    return 0;
}

static int mm_hash_cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

void mm_question_words(const char *s, mm_qwords *w) {
    static const char *skip[] = { "the", "which", "what", "who", "whom", "whose", "how", "many",
                                  "much", "is", "are", "was", "were", "does", "did", "and",
                                  "for", "from", "with", "this", "that", NULL };
    mm_buf n;
    int count = 0;

    mm_buf_init(&n);
    mm_question_normalise(s, &n);
    for (char *save, *t = n.data ? strtok_r(n.data, " ", &save) : NULL; t && count < MM_SIM_WORDS;
         t = strtok_r(NULL, " ", &save)) {
        uint64_t h = 14695981039346656037ULL;       /* FNV-1a */
        int drop = strlen(t) < 3;
        for (int i = 0; skip[i] && !drop; i++)
            drop = !strcmp(t, skip[i]);
        if (drop)
            continue;
        for (const char *c = t; *c; c++)
            h = (h ^ (unsigned char) *c) * 1099511628211ULL;
        w->h[count++] = h;
    }
    mm_buf_free(&n);
    /* a sorted set: similarity is then one merge */
    qsort(w->h, (size_t) count, sizeof(uint64_t), mm_hash_cmp);
    w->n = 0;
    for (int i = 0; i < count; i++)
        if (w->n == 0 || w->h[w->n - 1] != w->h[i])
            w->h[w->n++] = w->h[i];
}

double mm_question_words_similarity(const mm_qwords *a, const mm_qwords *b) {
    int i = 0, j = 0, common = 0;

    if (a->n == 0 || b->n == 0)
        return 0;
    while (i < a->n && j < b->n) {
        if (a->h[i] == b->h[j])
            common++, i++, j++;
        else if (a->h[i] < b->h[j])
            i++;
        else
            j++;
    }
    return (double) common / (a->n + b->n - common);
}

double mm_question_similarity(const char *a, const char *b) {
    mm_qwords wa, wb;

    mm_question_words(a, &wa);
    mm_question_words(b, &wb);
    return mm_question_words_similarity(&wa, &wb);
}
