/*
 * Signing throughput of the chain layer: raw Ed25519 signatures of a
 * 32-byte hash, and the whole path a payout takes before the network —
 * JSON description -> Borsh -> SHA-256 -> signature -> SignedTransaction
 * bytes -> base64 — for a NEAR transfer and for an ft_transfer with
 * storage_deposit.  One core; prints one line per case.
 *
 *   make bench-sign && build/bench/near_sign_bench [seconds]
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "chain/mm_near_tx.h"

static double now(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *transfer =
    "{\"signer_id\":\"quizbot.near\",\"secret_key\":\"ed25519:111111111111111111111111111111114zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS\","
    "\"receiver_id\":\"user5127384901.quizbot.near\",\"nonce\":\"85000000000042\","
    "\"block_hash\":\"2fGYErCeD3qzAAmzCBCUEi1UJwme1SdmnhqCGcQ645Bs\","
    "\"actions\":[{\"Transfer\":{\"deposit\":\"1820000000000000000000\"}}]}";

static const char *ft =
    "{\"signer_id\":\"quizbot.near\",\"secret_key\":\"ed25519:111111111111111111111111111111114zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS\","
    "\"receiver_id\":\"token.near\",\"nonce\":\"85000000000043\","
    "\"block_hash\":\"2fGYErCeD3qzAAmzCBCUEi1UJwme1SdmnhqCGcQ645Bs\","
    "\"actions\":[{\"FunctionCall\":{\"method_name\":\"storage_deposit\",\"args\":\"eyJhY2NvdW50X2lkIjoidXNlcjUxMjczODQ5MDEucXVpemJvdC5uZWFyIiwicmVnaXN0cmF0aW9uX29ubHkiOnRydWV9\",\"gas\":\"30000000000000\",\"deposit\":\"1250000000000000000000\"}},"
    "{\"FunctionCall\":{\"method_name\":\"ft_transfer\",\"args\":\"eyJyZWNlaXZlcl9pZCI6InVzZXI1MTI3Mzg0OTAxLnF1aXpib3QubmVhciIsImFtb3VudCI6IjEwMDAwMDAiLCJtZW1vIjoicXVpeiByZXdhcmQifQ==\",\"gas\":\"30000000000000\",\"deposit\":\"1\"}}]}";

static void full_path(const char *name, const char *text, double seconds) {
    json_t *desc = json_loads(text, 0, NULL);
    mm_near_signed_tx tx;
    unsigned char b64[4096];
    char err[256];
    long n = 0;
    double t0 = now(), t;

    do {
        for (int i = 0; i < 100; i++, n++) {
            if (mm_near_sign_json(desc, &tx, err, sizeof(err)) != 0) {
                fprintf(stderr, "%s: %s\n", name, err);
                exit(1);
            }
            EVP_EncodeBlock(b64, tx.bytes.data, (int) tx.bytes.len);
            mm_near_signed_tx_free(&tx);
        }
    } while ((t = now() - t0) < seconds);
    printf("%-34s %9.0f /s  %7.1f us each\n", name, n / t, t / n * 1e6);
    json_decref(desc);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 2.0, t0, t;
    unsigned char pk[32], sk[64], hash[32] = { 1 }, sig[64];
    long n = 0;

    if (sodium_init() < 0)
        return 1;
    crypto_sign_keypair(pk, sk);
    t0 = now();
    do {
        for (int i = 0; i < 100; i++, n++)
            crypto_sign_detached(sig, NULL, hash, sizeof(hash), sk);
    } while ((t = now() - t0) < seconds);
    printf("%-34s %9.0f /s  %7.1f us each\n", "ed25519 signature of a tx hash", n / t, t / n * 1e6);

    full_path("transfer: JSON to signed base64", transfer, seconds);
    full_path("ft_transfer + storage_deposit", ft, seconds);
    return 0;
}
