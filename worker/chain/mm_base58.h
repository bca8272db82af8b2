/* Base58 with Bitcoin's alphabet, as NEAR writes keys and hashes. */

#ifndef MM_BASE58_H
#define MM_BASE58_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed for n bytes, plus the terminating NUL. */
#define MM_BASE58_SIZE(n)  ((n) * 138 / 100 + 2)

/* Writes the NUL-terminated text of in[0..len) to out (at least
 * MM_BASE58_SIZE(len) bytes); returns its length. */
size_t mm_base58_encode(const uint8_t *in, size_t len, char *out);

/* Decodes text[0..len) into exactly want bytes; -1 for a character outside
 * the alphabet or another decoded length. */
int mm_base58_decode(const char *text, size_t len, uint8_t *out, size_t want);

#endif /* MM_BASE58_H */
