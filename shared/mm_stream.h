/*
 * The Redis stream entry the edge writes and the worker reads.
 *
 *   XADD <stream> * update <raw Telegram JSON, byte for byte>
 *                   update_id <decimal>
 *                   received_at <unix milliseconds at the edge>
 *
 * The entry id (Redis time) orders entries; received_at is the moment nginx
 * started reading the request, the time scoring uses.
 */

#ifndef MM_STREAM_H
#define MM_STREAM_H

#define MM_STREAM_DEFAULT           "mm:updates"
#define MM_STREAM_FIELD_UPDATE      "update"
#define MM_STREAM_FIELD_UPDATE_ID   "update_id"
#define MM_STREAM_FIELD_RECEIVED_AT "received_at"

#endif /* MM_STREAM_H */
