#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "quiz/mm_question.h"

size_t mm_utf8_len(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char) *s & 0xc0) != 0x80;
    return n;
}

/* lowercase ASCII, runs of space and punctuation folded to one space */
void mm_question_normalise(const char *in, mm_buf *out) {
    int space = 1;
    for (; *in; in++) {
        unsigned char c = (unsigned char) *in;
        if (isspace(c) || (ispunct(c) && c != '%' && c != '-' && c != '.')) {
            if (!space)
                mm_buf_add(out, " ", 1);
            space = 1;
            continue;
        }
        char l = (char) tolower(c);
        mm_buf_add(out, &l, 1);
        space = 0;
    }
    if (out->len && out->data[out->len - 1] == ' ')
        out->data[--out->len] = '\0';
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

#define MM_SIM_WORDS 64

/* the distinct content words of s, at most MM_SIM_WORDS of them */
static int mm_words_of(const char *s, char words[][32]) {
    static const char *skip[] = { "the", "which", "what", "who", "whom", "whose", "how", "many",
                                  "much", "is", "are", "was", "were", "does", "did", "and",
                                  "for", "from", "with", "this", "that", NULL };
    mm_buf n;
    int count = 0;

    mm_buf_init(&n);
    mm_question_normalise(s, &n);
    for (char *save, *w = n.data ? strtok_r(n.data, " ", &save) : NULL; w && count < MM_SIM_WORDS;
         w = strtok_r(NULL, " ", &save)) {
        int dup = strlen(w) < 3 || strlen(w) >= 32;
        for (int i = 0; skip[i] && !dup; i++)
            dup = !strcmp(w, skip[i]);
        for (int i = 0; i < count && !dup; i++)
            dup = !strcmp(words[i], w);
        if (!dup)
            snprintf(words[count++], 32, "%s", w);
    }
    mm_buf_free(&n);
    return count;
}

double mm_question_similarity(const char *a, const char *b) {
    char wa[MM_SIM_WORDS][32], wb[MM_SIM_WORDS][32];
    int na = mm_words_of(a, wa), nb = mm_words_of(b, wb), common = 0;

    if (na == 0 || nb == 0)
        return 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            if (!strcmp(wa[i], wb[j])) {
                common++;
                break;
            }
    return (double) common / (na + nb - common);
}
