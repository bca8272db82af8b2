#include <string.h>

#include <sodium.h>

#include "chain/mm_base58.h"
#include "chain/mm_near_key.h"

static const char *mm_key_strip_prefix(const char *text) {
    size_t n = sizeof(MM_NEAR_KEY_PREFIX) - 1;

    return strncmp(text, MM_NEAR_KEY_PREFIX, n) == 0 ? text + n : text;
}

int mm_near_public_key_parse(const char *text, mm_near_public_key *pk) {
    const char *b58 = mm_key_strip_prefix(text);

    return mm_base58_decode(b58, strlen(b58), pk->bytes, sizeof(pk->bytes));
}

void mm_near_public_key_format(const mm_near_public_key *pk, char *out) {
    memcpy(out, MM_NEAR_KEY_PREFIX, sizeof(MM_NEAR_KEY_PREFIX) - 1);
    mm_base58_encode(pk->bytes, sizeof(pk->bytes), out + sizeof(MM_NEAR_KEY_PREFIX) - 1);
}

uint8_t *mm_near_secret_key_parse(const char *text, mm_near_public_key *pk) {
    uint8_t derived[crypto_sign_PUBLICKEYBYTES];
    uint8_t *sk, *scratch;
    const char *b58;

    if (strncmp(text, MM_NEAR_KEY_PREFIX, sizeof(MM_NEAR_KEY_PREFIX) - 1) != 0)
        return NULL;
    b58 = text + sizeof(MM_NEAR_KEY_PREFIX) - 1;

    sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    scratch = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (sk == NULL || scratch == NULL)
        goto fail;
    if (mm_base58_decode(b58, strlen(b58), scratch, crypto_sign_SECRETKEYBYTES))
        goto fail;

    /* derive again from the seed: a key whose halves disagree is refused */
    if (crypto_sign_seed_keypair(derived, sk, scratch) != 0
        || sodium_memcmp(derived, scratch + 32, sizeof(derived)) != 0)
        goto fail;

    memcpy(pk->bytes, derived, sizeof(pk->bytes));
    sodium_free(scratch);
    return sk;

fail:
    sodium_free(scratch);
    sodium_free(sk);
    return NULL;
}

void mm_near_secret_key_free(uint8_t *sk) {
    sodium_free(sk);    /* wipes before it unmaps */
}

int mm_near_account_id_valid(const char *id) {
    size_t len = strlen(id), i;
    int prev_sep = 1;

    if (len < 2 || len > 64)
        return 0;
    for (i = 0; i < len; i++) {
        char c = id[i];
        int sep = c == '-' || c == '_' || c == '.';

        if (!sep && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return 0;
        if (sep && prev_sep)
            return 0;
        prev_sep = sep;
    }
    return !prev_sep;
}
