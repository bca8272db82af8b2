#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

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

int mm_question_check(const mm_question *q, char *err, size_t errlen) {
    size_t n = mm_utf8_len(q->text), t = strlen(q->topic);

    /* a topic goes into /play and into button data: see mm_topic_slug() */
    if (t < 1 || t > MM_TOPIC_LEN
        || strspn(q->topic, "abcdefghijklmnopqrstuvwxyz0123456789_- ") != t || q->topic[0] == ' '
        || q->topic[t - 1] == ' ' || strstr(q->topic, "  "))
        return snprintf(err, errlen, "topic must be 1-32 of a-z 0-9 _ - and single spaces"), -1;
    if (n < 1 || n > 300)
        return snprintf(err, errlen, "question has %zu characters (1-300)", n), -1;
    if (q->correct < 0 || q->correct > 3)
        return snprintf(err, errlen, "correct must be 0-3"), -1;
    if (q->sdi < 1 || q->sdi > 10)
        return snprintf(err, errlen, "sdi must be 1-10"), -1;
    if (mm_utf8_len(q->explanation) > 200)
        return snprintf(err, errlen, "explanation is over 200 characters"), -1;
    for (int i = 0; i < 4; i++) {
        size_t m = mm_utf8_len(q->options[i]);
        if (m < 1 || m > 100)
            return snprintf(err, errlen, "option %d has %zu characters (1-100)", i + 1, m), -1;
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
                return snprintf(err, errlen, "options %d and %d are the same", j + 1, i + 1), -1;
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

/* Keeps v whole in out (outlen bytes); -1 with why when it does not fit
 * (never cut: a cut text is another question). */
static int mm_question_text(const char *what, const char *v, char *out, size_t outlen,
                            char *err, size_t errlen) {
    size_t n = strlen(v);

    if (n >= outlen)
        return snprintf(err, errlen, "%s text too long (%zu bytes)", what, n), -1;
    memcpy(out, v, n + 1);
    return 0;
}

int mm_question_from_object(const json_t *o, const mm_question_form *form, mm_question *q,
                            char *err, size_t errlen) {
    const json_t *opts = json_object_get(o, "options");
    const json_t *correct = json_object_get(o, form->correct_key);
    const json_t *sdi = json_object_get(o, "sdi");
    const json_t *expl = json_object_get(o, "explanation");
    const char *topic = form->topic ? form->topic : json_string_value(json_object_get(o, "topic"));
    const char *text = json_string_value(json_object_get(o, "question"));
    json_int_t c;

    memset(q, 0, sizeof(*q));
    if (!json_is_object(o) || topic == NULL || text == NULL || !json_is_array(opts)
        || !json_is_integer(correct) || (expl && !json_is_string(expl))
        || (sdi ? !json_is_integer(sdi) : form->sdi_default == 0))
        return snprintf(err, errlen, "needs %squestion, 4 options, %s (integer), explanation%s",
                        form->topic ? "" : "topic, ", form->correct_key,
                        form->sdi_default ? "" : " and sdi"), -1;
    if (json_array_size(opts) != 4)
        return snprintf(err, errlen, "has %zu options, not 4", json_array_size(opts)), -1;
    c = json_integer_value(correct);
    if (c < 0 || c > 3)
        return snprintf(err, errlen, "%s %lld is not 0-3", form->correct_key, (long long) c), -1;
    if (mm_question_text("topic", topic, q->topic, sizeof(q->topic), err, errlen)
        || mm_question_text("question", text, q->text, sizeof(q->text), err, errlen)
        || mm_question_text("explanation", expl ? json_string_value(expl) : "", q->explanation,
                            sizeof(q->explanation), err, errlen))
        return -1;
    for (int i = 0; i < 4; i++) {
        const char *v = json_string_value(json_array_get(opts, (size_t) i));
        char what[24];

        snprintf(what, sizeof(what), "option %d", i + 1);
        if (v == NULL)
            return snprintf(err, errlen, "option %d is not a string", i + 1), -1;
        if (mm_question_text(what, v, q->options[i], sizeof(q->options[i]), err, errlen))
            return -1;
    }
    q->correct = (int) c;
    q->sdi = sdi ? (int) json_integer_value(sdi) : form->sdi_default;
    return mm_question_check(q, err, errlen);
}

int mm_question_from_json(const char *line, size_t len, mm_question *q, char *err,
                          size_t errlen) {
    static const mm_question_form bank = { "correct", NULL, 0 };
    json_error_t jerr;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc;

    if (!json_is_object(o)) {
        memset(q, 0, sizeof(*q));
        json_decref(o);
        return snprintf(err, errlen, "not a JSON object: %.100s", jerr.text), -1;
    }
    rc = mm_question_from_object(o, &bank, q, err, errlen);
    json_decref(o);
    return rc;
}

int mm_question_hash(const mm_question *q, char out[65]) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    mm_buf norm;

    mm_buf_init(&norm);
    mm_buf_adds(&norm, q->topic);
    mm_buf_add(&norm, "\n", 1);
    mm_question_normalise(q->text, &norm);
    for (int i = 0; i < 4; i++) {
        mm_buf_add(&norm, "\n", 1);
        mm_question_normalise(q->options[i], &norm);
    }
    if (norm.oom) {
        mm_buf_free(&norm);
        return -1;
    }
    SHA256((const unsigned char *) norm.data, norm.len, digest);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    mm_buf_free(&norm);
    return 0;
}
