/* Constant-time comparison of secrets (the webhook secret token). */

#ifndef MM_CT_H
#define MM_CT_H

#include <stddef.h>

/* 1 when given equals secret.  Time depends only on secret_len, never on
 * where the inputs differ or on given_len.  given may be NULL when
 * given_len is 0, secret when secret_len is 0. */
int mm_ct_equal(const void *secret, size_t secret_len,
                const void *given, size_t given_len);

#endif /* MM_CT_H */
