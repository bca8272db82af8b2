#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/mm_callback.h"
#include "mm_utf8.h"

int mm_callback_numbers(const char *data, const char *prefix, long long *v, int n) {
    size_t plen = strlen(prefix);

    if (data == NULL || strncmp(data, prefix, plen))
        return -1;
    data += plen;
    for (int i = 0; i < n; i++) {
        char *end;
        if (*data < '0' || *data > '9')
            return -1;
        errno = 0;
        v[i] = strtoll(data, &end, 10);
        /* ERANGE: strtoll clamps to LLONG_MAX, which is not the number given */
        if (v[i] < 0 || errno == ERANGE || *end != (i + 1 < n ? ':' : '\0'))
            return -1;
        data = end + (i + 1 < n);
    }
    return 0;
}

void mm_callback_answer(char out[MM_CB_MAX], long long session, int seq, uint32_t nonce,
                        int shown) {
    snprintf(out, MM_CB_MAX, MM_CB_ANSWER "%lld:%d:%u:%d", session, seq, nonce, shown);
}

int mm_callback_answer_parse(const char *data, int64_t *session, int *seq, uint32_t *nonce,
                             int *shown) {
    long long v[4];

    if (mm_callback_numbers(data, MM_CB_ANSWER, v, 4) || v[1] < 1 || v[1] > 100
        || v[2] > UINT32_MAX || v[3] > 3)
        return -1;
    *session = v[0];
    *seq = (int) v[1];
    *nonce = (uint32_t) v[2];
    *shown = (int) v[3];
    return 0;
}

void mm_callback_report(char out[MM_CB_MAX], long long session, int seq) {
    snprintf(out, MM_CB_MAX, MM_CB_REPORT "%lld:%d", session, seq);
}

int mm_callback_report_parse(const char *data, long long *session, int *seq) {
    long long v[2];

    if (mm_callback_numbers(data, MM_CB_REPORT, v, 2) || v[1] < 1 || v[1] > 100)
        return -1;
    *session = v[0];
    *seq = (int) v[1];
    return 0;
}

void mm_callback_withdraw(char out[MM_CB_MAX], int confirm, long long id, uint32_t nonce) {
    snprintf(out, MM_CB_MAX, MM_CB_WITHDRAW "%s:%lld:%u", confirm ? "ok" : "no", id, nonce);
}

int mm_callback_withdraw_parse(const char *data, int *confirm, long long *id, uint32_t *nonce) {
    long long v[2];

    if (mm_callback_numbers(data, MM_CB_WITHDRAW "ok:", v, 2) == 0)
        *confirm = 1;
    else if (mm_callback_numbers(data, MM_CB_WITHDRAW "no:", v, 2) == 0)
        *confirm = 0;
    else
        return -1;
    if (v[1] > UINT32_MAX)
        return -1;
    *id = v[0];
    *nonce = (uint32_t) v[1];
    return 0;
}

void mm_callback_topic(char out[MM_CB_MAX], const char *topic) {
    size_t n = mm_utf8_cut(topic, strlen(topic), MM_CB_MAX - 1 - strlen(MM_CB_TOPIC));

    snprintf(out, MM_CB_MAX, MM_CB_TOPIC "%.*s", (int) n, topic);
}

void mm_callback_id(char out[MM_CB_MAX], const char *prefix, long long id) {
    snprintf(out, MM_CB_MAX, "%s%lld", prefix, id);
}

int mm_callback_id_parse(const char *data, const char *prefix, long long *id) {
    return mm_callback_numbers(data, prefix, id, 1);
}

void mm_callback_wizard(char out[MM_CB_MAX], uint32_t nonce, const char *value) {
    int head = snprintf(out, MM_CB_MAX, MM_CB_WIZARD "%u:", nonce);
    size_t n = mm_utf8_cut(value, strlen(value), MM_CB_MAX - 1 - (size_t) head);

    snprintf(out + head, MM_CB_MAX - (size_t) head, "%.*s", (int) n, value);
}

int mm_callback_wizard_parse(const char *data, uint32_t *nonce, const char **value) {
    const char *p;
    char *end;
    unsigned long long v;

    if (data == NULL || strncmp(data, MM_CB_WIZARD, strlen(MM_CB_WIZARD)))
        return -1;
    p = data + strlen(MM_CB_WIZARD);
    if (*p < '0' || *p > '9')
        return -1;
    errno = 0;
    v = strtoull(p, &end, 10);
    if (errno == ERANGE || v > UINT32_MAX || *end != ':')
        return -1;
    *nonce = (uint32_t) v;
    *value = end + 1;
    return 0;
}
