#include <stdio.h>

#include "log/mm_metrics.h"

/* latencies of LLM calls and cache reads: 1 ms to 60 s */
static const double mm_buckets[] = { 0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60 };

void mm_metric_add(redisContext *redis, const char *name, const char *labels, long long by) {
    char field[256];

    if (redis == NULL || redis->err || by == 0)
        return;
    snprintf(field, sizeof(field), "%s%s%s%s", name, labels && *labels ? "{" : "",
             labels && *labels ? labels : "", labels && *labels ? "}" : "");
    freeReplyObject(redisCommand(redis, "HINCRBY " MM_METRICS_KEY " %s %lld", field, by));
}

void mm_metric_observe(redisContext *redis, const char *name, const char *labels, double seconds) {
    const char *sep = labels && *labels ? "," : "";
    char field[256];
    int queued = 0;
    redisReply *r;

    if (redis == NULL || redis->err)
        return;
    labels = labels ? labels : "";
    for (size_t i = 0; i < sizeof(mm_buckets) / sizeof(mm_buckets[0]); i++) {
        if (seconds > mm_buckets[i])
            continue;
        snprintf(field, sizeof(field), "%s_bucket{%s%sle=\"%g\"}", name, labels, sep,
                 mm_buckets[i]);
        queued += redisAppendCommand(redis, "HINCRBY " MM_METRICS_KEY " %s 1", field) == REDIS_OK;
    }
    snprintf(field, sizeof(field), "%s_bucket{%s%sle=\"+Inf\"}", name, labels, sep);
    queued += redisAppendCommand(redis, "HINCRBY " MM_METRICS_KEY " %s 1", field) == REDIS_OK;
    snprintf(field, sizeof(field), "%s_sum%s%s%s", name, *labels ? "{" : "", labels,
             *labels ? "}" : "");
    queued += redisAppendCommand(redis, "HINCRBYFLOAT " MM_METRICS_KEY " %s %.6f", field,
                                 seconds) == REDIS_OK;
    snprintf(field, sizeof(field), "%s_count%s%s%s", name, *labels ? "{" : "", labels,
             *labels ? "}" : "");
    queued += redisAppendCommand(redis, "HINCRBY " MM_METRICS_KEY " %s 1", field) == REDIS_OK;
    while (queued-- > 0 && redisGetReply(redis, (void **) &r) == REDIS_OK)
        freeReplyObject(r);
}
