/*
 * Sending a signed transaction so that a retry can never pay twice: the
 * hash is known before anything is sent; after a timeout the status is
 * asked by hash before anything else; only the same signed bytes are ever
 * re-sent; nothing here builds a replacement transaction.
 */

#ifndef MM_NEAR_SEND_H
#define MM_NEAR_SEND_H

#include <jansson.h>

#include "chain/mm_near_rpc.h"

typedef enum {
    MM_SEND_SUCCESS = 0,  /* executed in final blocks, every receipt succeeded */
    MM_SEND_FAILED,       /* executed in final blocks, and failed */
    MM_SEND_REJECTED,     /* refused (INVALID_TRANSACTION) and unknown by hash: never on chain */
    MM_SEND_PENDING       /* not known yet: poll by hash or re-send the same bytes later */
} mm_send_rc;

/*
 * Sends signed_b64 (whose hash is hash_b58, signed by signer_id), waiting
 * for wait_until ("FINAL" when NULL).  *outcome gets the execution outcome
 * when one was seen (a new reference, or NULL); reason says why for every
 * result but success.
 *
 * Rejected means the bytes can never land, so a new transaction may pay
 * instead: refused, unknown by hash, and either refused for a reason that
 * lasts (InvalidNonce, Expired, a malformed transaction) or refused on the
 * one delivery of fresh bytes (never handed to a node before).  A refusal
 * that may pass (NotEnoughBalance, ShardCongested, …) of bytes a node may
 * already hold is pending: an earlier copy could still land, and a second
 * transaction beside it would pay twice.
 */
mm_send_rc mm_near_send(mm_near_rpc *rpc, const char *signed_b64, const char *hash_b58,
                        const char *signer_id, const char *wait_until, int fresh,
                        json_t **outcome, char *reason, size_t reasonlen);

/* Where the transaction hash_b58 is, asked at once (wait_until NONE):
 * success or failed once final, else pending with reason; *unknown is set
 * when a node that answered does not know it (send the same bytes again). */
mm_send_rc mm_near_status(mm_near_rpc *rpc, const char *hash_b58, const char *signer_id,
                          int *unknown, char *reason, size_t reasonlen);

const char *mm_near_send_name(mm_send_rc rc);

/* What an execution outcome says: success once final with every receipt
 * succeeded, failed once final with a failure, pending before. */
mm_send_rc mm_near_outcome(json_t *outcome, char *reason, size_t reasonlen);

#endif /* MM_NEAR_SEND_H */
