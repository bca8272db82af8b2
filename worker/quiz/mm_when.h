/*
 * Times as people type and read them: a quiz's start ("now", "in 45 min",
 * "18:30", "2026-12-24 18:30", always UTC), how long it stays open ("45
 * min", "3 h", "2 d"), and times shown back ("2026-12-05 18:30 UTC (in
 * 1 h 5 min)").  Pure: the caller gives the clock.
 */

#ifndef MM_WHEN_H
#define MM_WHEN_H

#include "mm_buf.h"

/* "45 min", "45m", "3 h", "2 days", "90" (minutes): seconds, or -1 for
 * anything else (or more than a year). */
long long mm_when_span_parse(const char *text);

/* A start: "now" or "in 45 min" (*delay_s set, *at_ms -1), or "18:30"
 * (the next 18:30 UTC after now_ms) and "2026-12-24 18:30" (UTC; also
 * with a T) (*at_ms set, *delay_s -1).  0, or -1 for anything else. */
int mm_when_start_parse(const char *text, long long now_ms, long long *delay_s,
                        long long *at_ms);

/* An operator's time: "2026-12-24T18:30:00Z", "2026-12-24 18:30" (UTC;
 * seconds and a Z or +00:00 optional): 0 with *ms, or -1. */
int mm_when_iso_parse(const char *text, long long *ms);

/* "2 d 3 h", "1 h 5 min", "45 s": the two largest units, rounded down. */
void mm_when_span(mm_buf *b, long long seconds);

/* "2026-12-05 18:30 UTC (in 1 h 5 min)", "(5 min ago)", "(now)". */
void mm_when_html(mm_buf *b, long long at_ms, long long now_ms);

#endif /* MM_WHEN_H */
