/*
 * Names that cross a process boundary, spelled once: the Redis stream
 * entry the edge (or the worker's poller) writes and the worker reads, the
 * metrics hash both sides share, and the update kinds the bot asks
 * Telegram for.
 *
 *   XADD <stream> * update <raw Telegram JSON, byte for byte>
 *                   update_id <decimal>
 *                   received_at <unix milliseconds at the edge>
 *
 * The entry id (Redis time) orders entries; received_at is the moment nginx
 * started reading the request, the time scoring uses.  The router copies
 * an entry into its chat's partition stream with src, the entry's id in
 * the edge's stream.
 */

#ifndef MM_STREAM_H
#define MM_STREAM_H

#define MM_STREAM_DEFAULT           "mm:updates"
#define MM_STREAM_FIELD_UPDATE      "update"
#define MM_STREAM_FIELD_UPDATE_ID   "update_id"
#define MM_STREAM_FIELD_RECEIVED_AT "received_at"
#define MM_STREAM_FIELD_SRC         "src"
/* A timer in a partition stream: its own field, which the edge and the
 * poller never write, instead of update/update_id:
 *   XADD <stream>:p:<k> * timer {"kind", "chat_id", …} received_at <ms> */
#define MM_STREAM_FIELD_TIMER       "timer"

/* The worker's partition k of <stream> (updates of chats with id mod N = k,
 * and the timers of those chats): "<stream>:p:<k>". */
#define MM_STREAM_PARTITION_FMT     "%s:p:%d"

/* The worker's counters, a Redis hash of Prometheus series ("name{labels}"
 * -> value) that the module's /metrics appends to its own. */
#define MM_METRICS_KEY              "mm:metrics"

/* allowed_updates of setWebhook and getUpdates, as JSON */
#define MM_ALLOWED_UPDATES_JSON \
    "[\"message\",\"callback_query\",\"poll_answer\",\"my_chat_member\"]"

#endif /* MM_STREAM_H */
