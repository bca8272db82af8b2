#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bank/mm_ready.h"

#define MM_READY_TTL 86400

int mm_ready_push(redisContext *redis, const mm_question *q, int sdi, long long id) {
    json_t *o = json_pack("{s:I, s:s, s:s, s:[s,s,s,s], s:i, s:s, s:i}", "id", (json_int_t) id,
                          "topic", q->topic, "question", q->text, "options", q->options[0],
                          q->options[1], q->options[2], q->options[3], "correct", q->correct,
                          "explanation", q->explanation, "sdi", q->sdi);
    char key[MM_Q_TOPIC_MAX + 24], *json = o ? json_dumps(o, JSON_COMPACT) : NULL;
    redisReply *r;
    int ok;

    json_decref(o);
    if (json == NULL)
        return -1;
    snprintf(key, sizeof(key), "mm:ready:%d:%s", sdi, q->topic);
    redisAppendCommand(redis, "RPUSH %s %s", key, json);
    redisAppendCommand(redis, "EXPIRE %s %d", key, MM_READY_TTL);
    free(json);
    ok = redisGetReply(redis, (void **) &r) == REDIS_OK && r->type == REDIS_REPLY_INTEGER;
    freeReplyObject(ok ? r : NULL);
    if (redisGetReply(redis, (void **) &r) == REDIS_OK)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

int mm_ready_take(redisContext *redis, const char *topic, int sdi, int count, long long *ids,
                  mm_question *qs) {
    redisReply *r;
    int n = 0;

    if (redis == NULL || redis->err)
        return 0;
    r = redisCommand(redis, "LPOP mm:ready:%d:%s %d", sdi, topic, count);
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements && n < count; i++) {
        redisReply *e = r->element[i];
        json_t *o = e->type == REDIS_REPLY_STRING ? json_loadb(e->str, e->len, 0, NULL) : NULL;
        json_int_t id = json_integer_value(json_object_get(o, "id"));
        char why[160];

        if (id > 0 && (qs == NULL || mm_question_from_json(e->str, e->len, &qs[n], why,
                                                           sizeof(why)) == 0))
            ids[n++] = id;
        json_decref(o);
    }
    freeReplyObject(r);
    return n;
}

long long mm_ready_count(redisContext *redis, const char *topic, int sdi) {
    redisReply *r = redisCommand(redis, "LLEN mm:ready:%d:%s", sdi, topic);
    long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

    freeReplyObject(r);
    return n;
}

