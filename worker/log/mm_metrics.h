/*
 * Worker metrics, kept where every process and the nginx module can see
 * them: one Redis hash (mm:metrics) whose fields are Prometheus series
 * ("name{label=\"v\"}") and whose values are counters.  The module's
 * /metrics appends them to its own.  Best effort: a metric that cannot be
 * written is lost, never an error for the caller.
 */

#ifndef MM_METRICS_H
#define MM_METRICS_H

#include <hiredis/hiredis.h>

#include "mm_stream.h"          /* MM_METRICS_KEY */

/* Adds by to the series name{labels} (labels may be NULL or ""). */
void mm_metric_add(redisContext *redis, const char *name, const char *labels, long long by);

/* One observation of seconds in the histogram name{labels,le=…} with the
 * usual _bucket, _sum and _count series. */
void mm_metric_observe(redisContext *redis, const char *name, const char *labels, double seconds);

#endif /* MM_METRICS_H */
