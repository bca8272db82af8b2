/*
 * mm-worker near sign: offline signing for operators, and the door our
 * tests use to compare with near-api-js.  Reads one JSON transaction
 * description on standard input (see mm_near_tx.h), prints
 * {"hash":"<base58>","signed_tx_base64":"…"}.  No network.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "mm_base58.h"
#include "mm_near_cli.h"
#include "mm_near_tx.h"

#define MM_NEAR_INPUT_MAX  (1 << 20)

/* jansson's copies of the input hold the secret key: wipe them on free */
static void *wiping_malloc(size_t n) {
    size_t *p = malloc(sizeof(size_t) + n);

    if (p == NULL)
        return NULL;
    *p = n;
    return p + 1;
}

static void wiping_free(void *q) {
    size_t *p = q;

    if (p == NULL)
        return;
    sodium_memzero(q, p[-1]);
    free(p - 1);
}

static int sign(void) {
    char *input, err[256];
    size_t len = 0, n;
    json_error_t jerr;
    json_t *desc, *result;
    mm_near_signed_tx tx;
    char hash[MM_BASE58_SIZE(32)];
    unsigned char *b64;
    int rc = 1;

    input = sodium_malloc(MM_NEAR_INPUT_MAX + 1);
    if (input == NULL) {
        fprintf(stderr, "near sign: out of memory\n");
        return 1;
    }
    while ((n = fread(input + len, 1, MM_NEAR_INPUT_MAX + 1 - len, stdin)) > 0)
        len += n;
    if (len > MM_NEAR_INPUT_MAX) {
        fprintf(stderr, "near sign: input is larger than %d bytes\n", MM_NEAR_INPUT_MAX);
        sodium_free(input);
        return 1;
    }

    json_set_alloc_funcs(wiping_malloc, wiping_free);
    desc = json_loadb(input, len, JSON_REJECT_DUPLICATES, &jerr);
    sodium_free(input);
    if (desc == NULL) {
        fprintf(stderr, "near sign: input is not JSON (line %d: %s)\n", jerr.line, jerr.text);
        return 1;
    }

    if (mm_near_sign_json(desc, &tx, err, sizeof(err)) != 0) {
        fprintf(stderr, "near sign: %s\n", err);
        json_decref(desc);
        return 1;
    }
    json_decref(desc);

    mm_base58_encode(tx.hash, sizeof(tx.hash), hash);
    b64 = malloc(4 * ((tx.bytes.len + 2) / 3) + 1);
    if (b64 != NULL) {
        EVP_EncodeBlock(b64, tx.bytes.data, (int) tx.bytes.len);
        result = json_pack("{s:s, s:s}", "hash", hash, "signed_tx_base64", (char *) b64);
        if (result && json_dumpf(result, stdout, JSON_COMPACT) == 0) {
            fputc('\n', stdout);
            rc = 0;
        }
        json_decref(result);
        free(b64);
    }
    if (rc)
        fprintf(stderr, "near sign: out of memory\n");
    mm_near_signed_tx_free(&tx);
    return rc;
}

int mm_near_cli(int argc, char **argv) {
    if (sodium_init() < 0) {
        fprintf(stderr, "near: libsodium failed to initialise\n");
        return 1;
    }
    if (argc == 1 && strcmp(argv[0], "sign") == 0)
        return sign();
    fprintf(stderr, "usage: mm-worker near sign < transaction.json\n");
    return 2;
}
