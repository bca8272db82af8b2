#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "chain/mm_keystore.h"

#define MM_SEAL_SALT_LEN  16
#define MM_SEAL_IV_LEN    12
#define MM_SEAL_TAG_LEN   16
#define MM_SEAL_KEY_LEN   32
#define MM_SEAL_HEAD_LEN  (1 + MM_SEAL_SALT_LEN + MM_SEAL_IV_LEN)
#define MM_SEAL_MAX_SECRET 256

/* the record key, in locked memory the caller frees with sodium_free() */
static uint8_t *mm_keystore_derive(const char *master, const uint8_t *salt) {
    uint8_t *key = sodium_malloc(MM_SEAL_KEY_LEN);

    if (key && !PKCS5_PBKDF2_HMAC(master, (int) strlen(master), salt, MM_SEAL_SALT_LEN,
                                  MM_KEYSTORE_ITERATIONS, EVP_sha256(), MM_SEAL_KEY_LEN, key)) {
        sodium_free(key);
        return NULL;
    }
    return key;
}

/* AES-256-GCM one way or the other; 0 on success (and, opening, a tag that
 * authenticates) */
static int mm_keystore_gcm(int seal, const uint8_t *key, const uint8_t *iv, const char *aad,
               const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n, ok;

    ok = ctx != NULL
         && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv, seal)
         && EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *) aad, (int) strlen(aad))
         && EVP_CipherUpdate(ctx, out, &n, in, (int) len)
         && (seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, MM_SEAL_TAG_LEN, tag))
         && EVP_CipherFinal_ex(ctx, out + n, &n)
         && (!seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, MM_SEAL_TAG_LEN, tag));
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -1;
}

char *mm_keystore_seal(const char *master, const char *account_id,
                       const uint8_t *secret, size_t len,
                       char *err, size_t errlen) {
    uint8_t raw[MM_SEAL_HEAD_LEN + MM_SEAL_MAX_SECRET + MM_SEAL_TAG_LEN], *key;
    char *record;

    if (master == NULL || strlen(master) < 16) {
        snprintf(err, errlen, "WALLET_ENCRYPTION_KEY must be at least 16 characters");
        return NULL;
    }
    if (len == 0 || len > MM_SEAL_MAX_SECRET) {
        snprintf(err, errlen, "a secret must be 1 to %d bytes", MM_SEAL_MAX_SECRET);
        return NULL;
    }

    raw[0] = MM_KEYSTORE_VERSION;
    randombytes_buf(raw + 1, MM_SEAL_SALT_LEN + MM_SEAL_IV_LEN);      /* fresh salt and IV */
    if ((key = mm_keystore_derive(master, raw + 1)) == NULL
        || mm_keystore_gcm(1, key, raw + 1 + MM_SEAL_SALT_LEN, account_id, secret, len,
               raw + MM_SEAL_HEAD_LEN, raw + MM_SEAL_HEAD_LEN + len)) {
        sodium_free(key);
        snprintf(err, errlen, "encryption failed");
        return NULL;
    }
    sodium_free(key);

    record = malloc(4 * ((MM_SEAL_HEAD_LEN + len + MM_SEAL_TAG_LEN + 2) / 3) + 1);
    if (record == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    EVP_EncodeBlock((uint8_t *) record, raw, (int) (MM_SEAL_HEAD_LEN + len + MM_SEAL_TAG_LEN));
    return record;
}

uint8_t *mm_keystore_open(const char *master, const char *account_id,
                          const char *record, size_t *len,
                          char *err, size_t errlen) {
    uint8_t raw[MM_SEAL_HEAD_LEN + MM_SEAL_MAX_SECRET + MM_SEAL_TAG_LEN + 3], *key, *secret;
    size_t rlen = strlen(record), pad;
    int n;

    pad = rlen >= 2 && record[rlen - 1] == '=' ? (record[rlen - 2] == '=' ? 2 : 1) : 0;
    if (rlen % 4 || rlen / 4 * 3 > sizeof(raw)
        || (n = EVP_DecodeBlock(raw, (const uint8_t *) record, (int) rlen)) < 0) {
        snprintf(err, errlen, "the key record is not base64");
        return NULL;
    }
    n -= (int) pad;
    if (n < MM_SEAL_HEAD_LEN + 1 + MM_SEAL_TAG_LEN) {
        snprintf(err, errlen, "the key record is too short");
        return NULL;
    }
    if (raw[0] != MM_KEYSTORE_VERSION) {
        snprintf(err, errlen, "the key record has unknown scheme version %u", raw[0]);
        return NULL;
    }

    *len = (size_t) n - MM_SEAL_HEAD_LEN - MM_SEAL_TAG_LEN;
    secret = sodium_malloc(*len + 16);       /* GCM's final may write a block */
    key = mm_keystore_derive(master, raw + 1);
    if (secret == NULL || key == NULL
        || mm_keystore_gcm(0, key, raw + 1 + MM_SEAL_SALT_LEN, account_id, raw + MM_SEAL_HEAD_LEN,
                           *len, secret, raw + MM_SEAL_HEAD_LEN + *len)) {
        sodium_free(key);
        sodium_free(secret);
        snprintf(err, errlen, "the key record does not authenticate "
                 "(tampered, another account's, or a different WALLET_ENCRYPTION_KEY)");
        return NULL;
    }
    sodium_free(key);
    return secret;
}
