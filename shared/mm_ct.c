#include "mm_ct.h"

/* Always reads exactly secret_len bytes of the secret and as many of the
 * given bytes (index clamped to 0 past given_len), with no branch on data,
 * and folds every difference, the length one included, into one word that
 * is tested once at the end.  An empty given is read as the secret itself:
 * the length mismatch already decides the answer. */
int mm_ct_equal(const void *secret, size_t secret_len,
                const void *given, size_t given_len) {
    const volatile unsigned char *s = secret;
    const volatile unsigned char *g = given_len ? given : secret;
    size_t diff = secret_len ^ given_len, i, in;

    for (i = 0; i < secret_len; i++) {
        in = (size_t) 0 - (size_t) (i < given_len);  /* all ones or zero */
        diff |= (size_t) (s[i] ^ g[i & in]);
    }
    return diff == 0;
}
