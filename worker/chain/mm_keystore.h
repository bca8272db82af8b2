/*
 * Wallet secret keys at rest: AES-256-GCM under a key derived from the
 * operator's WALLET_ENCRYPTION_KEY with PBKDF2-HMAC-SHA256 and a random
 * salt of the record's own.  The account id is authenticated data, so a
 * record copied onto another account does not open.  A record is text:
 *
 *   base64( version | salt[16] | iv[12] | ciphertext | tag[16] )
 *
 * The version byte names the scheme (iterations, cipher), so records can
 * be re-sealed under a new one without guessing.
 */

#ifndef MM_KEYSTORE_H
#define MM_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#define MM_KEYSTORE_VERSION      1
#define MM_KEYSTORE_ITERATIONS   310000      /* version 1 */

/* Seals secret[0..len) for account_id; returns a malloc'd NUL-terminated
 * record, or NULL with a reason in err. */
char *mm_keystore_seal(const char *master, const char *account_id,
                       const uint8_t *secret, size_t len,
                       char *err, size_t errlen);

/* Opens a record: returns the secret in sodium_malloc() memory (free it
 * with sodium_free(), which wipes it) and its length in *len, or NULL with
 * a reason in err: a tampered record, another account's, or a wrong
 * master key all read "does not authenticate". */
uint8_t *mm_keystore_open(const char *master, const char *account_id,
                          const char *record, size_t *len,
                          char *err, size_t errlen);

#endif /* MM_KEYSTORE_H */
