#include <string.h>

#include "chain/mm_base58.h"

static const char mm_base58_alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Big-endian base conversion, one digit array per direction; inputs are
 * keys and hashes (at most 64 bytes), so quadratic time is nothing. */
size_t mm_base58_encode(const uint8_t *in, size_t len, char *out) {
    uint8_t digits[MM_BASE58_SIZE(128)];
    size_t zeros = 0, n = 0, i, j;

    if (len > 128) {
        out[0] = '\0';
        return 0;
    }
    while (zeros < len && in[zeros] == 0)
        zeros++;
    for (i = zeros; i < len; i++) {
        unsigned carry = in[i];
        for (j = 0; j < n; j++) {
            carry += (unsigned) digits[j] << 8;
            digits[j] = (uint8_t) (carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[n++] = (uint8_t) (carry % 58);
            carry /= 58;
        }
    }
    for (i = 0; i < zeros; i++)
        out[i] = '1';
    for (j = 0; j < n; j++)
        out[zeros + j] = mm_base58_alphabet[digits[n - 1 - j]];
    out[zeros + n] = '\0';
    /* secret keys pass through here too */
    explicit_bzero(digits, sizeof(digits));
    return zeros + n;
}

int mm_base58_decode(const char *text, size_t len, uint8_t *out, size_t want) {
    uint8_t bytes[128];
    size_t zeros = 0, n = 0, i, j;

    while (zeros < len && text[zeros] == '1')
        zeros++;
    for (i = zeros; i < len; i++) {
        const char *p = text[i] ? strchr(mm_base58_alphabet, text[i]) : NULL;
        unsigned carry;

        if (p == NULL) {
            explicit_bzero(bytes, sizeof(bytes));
            return -1;
        }
        carry = (unsigned) (p - mm_base58_alphabet);
        for (j = 0; j < n; j++) {
            carry += (unsigned) bytes[j] * 58;
            bytes[j] = (uint8_t) carry;
            carry >>= 8;
        }
        while (carry) {
            if (n == sizeof(bytes)) {
                explicit_bzero(bytes, sizeof(bytes));
                return -1;
            }
            bytes[n++] = (uint8_t) carry;
            carry >>= 8;
        }
    }
    if (zeros + n != want) {
        explicit_bzero(bytes, sizeof(bytes));
        return -1;
    }
    memset(out, 0, zeros);
    for (j = 0; j < n; j++)
        out[zeros + j] = bytes[n - 1 - j];
    /* secret keys pass through here */
    explicit_bzero(bytes, sizeof(bytes));
    return 0;
}
