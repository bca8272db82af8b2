/*
 * NEAR keys and account ids.  A secret key lives only in memory from
 * sodium_malloc(): locked, left out of core dumps, guarded, and wiped when
 * freed; it never passes through a string we keep.
 */

#ifndef MM_NEAR_KEY_H
#define MM_NEAR_KEY_H

#include <stddef.h>
#include <stdint.h>

#define MM_NEAR_KEY_PREFIX  "ed25519:"

typedef struct mm_near_public_key {
    uint8_t bytes[32];
} mm_near_public_key;

/* "ed25519:<base58 of 32 bytes>" (the prefix may be left out, as nearcore
 * allows); 0 on success. */
int mm_near_public_key_parse(const char *text, mm_near_public_key *pk);

/* Writes "ed25519:<base58>" to out (at least 64 bytes). */
void mm_near_public_key_format(const mm_near_public_key *pk, char *out);

/* "ed25519:<base58 of seed||public key>": returns the 64-byte libsodium
 * secret key in locked memory and its public key, or NULL when the text is
 * malformed or its public half does not match its seed. */
uint8_t *mm_near_secret_key_parse(const char *text, mm_near_public_key *pk);
void mm_near_secret_key_free(uint8_t *sk);

/* NEAR's account id rules: 2..64 bytes of a-z 0-9 - _ . with no separator
 * at either end or next to another. */
int mm_near_account_id_valid(const char *id);

#endif /* MM_NEAR_KEY_H */
