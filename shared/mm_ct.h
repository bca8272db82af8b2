/* Constant-time comparison of secrets. */

#ifndef MM_CT_H
#define MM_CT_H

#include <stddef.h>

/* 1 when given equals secret.  The time taken depends on secret_len and
 * given_len only, never on the bytes or where they differ. */
int mm_ct_equal(const void *secret, size_t secret_len,
                const void *given, size_t given_len);

#endif /* MM_CT_H */
