#include "mm_ct.h"

int mm_ct_equal(const void *secret, size_t secret_len,
                const void *given, size_t given_len) {
    const volatile unsigned char *s = secret, *g = given;
    unsigned char diff = secret_len != given_len;
    size_t i;

    /* walk the whole secret whatever the given bytes are */
    for (i = 0; i < secret_len; i++)
        diff |= s[i] ^ (i < given_len ? g[i] : 0);

    return diff == 0;
}
