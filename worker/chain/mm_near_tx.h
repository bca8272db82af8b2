/*
 * NEAR transactions: Borsh encoding (TransactionV0, no tag byte), the
 * SHA-256 hash that is the transaction's id, the Ed25519 signature over
 * that hash, and the SignedTransaction bytes that send_tx takes.
 */

#ifndef MM_NEAR_TX_H
#define MM_NEAR_TX_H

#include <jansson.h>

#include "chain/mm_borsh.h"
#include "chain/mm_near_key.h"

typedef struct mm_near_signed_tx {
    uint8_t hash[32];
    mm_borsh bytes;         /* borsh(Transaction) || 0x00 || signature */
} mm_near_signed_tx;

/*
 * Signs the transaction a JSON description gives:
 *   { "signer_id", "secret_key", "receiver_id", "nonce", "block_hash",
 *     "actions": [ "CreateAccount", {"Transfer": {"deposit"}},
 *                  {"FunctionCall": {"method_name", "args" (base64), "gas", "deposit"}},
 *                  {"AddKey": {"public_key", "access_key": {"nonce", "permission"}}},
 *                  {"DeleteKey": {"public_key"}} ] }
 * with actions in the shape NEAR RPC shows them.  Returns 0, or -1 with
 * one line in err naming the field at fault.  The secret key is held in
 * locked memory only while signing.
 */
int mm_near_sign_json(const json_t *desc, mm_near_signed_tx *out,
                      char *err, size_t errlen);

/* The same from a description without "secret_key": signed with sk, the
 * 64-byte libsodium secret key (locked memory, the caller's), whose public
 * key is pk.  The key never passes through a JSON object or a string. */
int mm_near_sign_key(const json_t *desc, const uint8_t *sk, const mm_near_public_key *pk,
                     mm_near_signed_tx *out, char *err, size_t errlen);

void mm_near_signed_tx_free(mm_near_signed_tx *tx);

#endif /* MM_NEAR_TX_H */
