/*
 * The operator's payer: the running worker pays what the ledger holds for
 * the operator (signer_id NULL: prizes, `payouts add`), continuously, with
 * many transactions waiting for finality at once.
 *
 *   due row --lock, read again--> signed? --yes--> the same bytes again --+
 *                                    | no                                 |
 *        key k's lease: nonce (INCR), sign, commit hash+bytes, send NONE  |
 *                                    |                                    |
 *                                    v                                    |
 *             in flight (the row's lock held) <---------------------------+
 *               | poll by hash: final -> paid | failed, then unlock
 *               | unknown -> the same bytes again (refused + unknown: re-signed later)
 *               +- not final for a minute -> a note, its turn later, unlock
 *
 * A pool of full-access keys (NEAR_SIGNER_KEYS, else the main key) on the
 * operator's account, each with its Redis lease and nonce cache: a key's
 * transactions are signed and sent under its lease, one after another with
 * increasing nonces, so they reach the node in nonce order; up to
 * NEAR_PAYER_INFLIGHT of them per key then wait for finality together.
 * Paid once: a row is held by its session's advisory lock for as long as
 * it is in flight (a crash releases it with the connection), hash and bytes
 * are committed before anything is sent, and a new transaction is signed
 * for a row only after the chain proved the old one dead (refused and
 * unknown by hash).  Started when NEAR_WALLET_ADDRESS is set.
 */

#ifndef MM_PAYER_H
#define MM_PAYER_H

#include <stdint.h>

#include "chain/mm_chain_config.h"
#include "chain/mm_ledger.h"
#include "chain/mm_near_key.h"
#include "chain/mm_near_rpc.h"
#include "mm_loop.h"

#define MM_PAYER_KEYS_MAX   64

typedef struct mm_payer_key {
    uint8_t *sk;                /* locked memory (sodium_malloc), for the thread's life */
    mm_near_public_key pk;
    char public_key[64];
    int inflight;
} mm_payer_key;

typedef struct mm_payer_tx {
    long long id;               /* the payout row, locked by our session */
    int key;                    /* the signing key's index; -1: bytes signed earlier */
    char hash[48];
    char *signed_b64;           /* malloc'd */
    long long sent_ms, poll_ms;
} mm_payer_tx;

typedef struct mm_payer {
    mm_loop loop;
    const mm_chain_cfg *cfg;
    mm_near_rpc rpc;
    mm_payer_key keys[MM_PAYER_KEYS_MAX];
    int nkeys, next_key;
    mm_payer_tx *tx;            /* in flight */
    int ntx, cap;
    long long *due;             /* ids read, not yet tried */
    int ndue, next_due;
    long long read_at;          /* the next read of due rows, monotonic ms */
    const void *session;        /* the connection our row locks live in */
    int backend;
    char block58[48];           /* a final block hash, reused for a while */
    long long block_ms;
    double final_ms;            /* how long finality takes, averaged */
    mm_ledger_stats st;
    long long report_at;
} mm_payer;

/* Parses NEAR_SIGNER_KEYS (or, unset, NEAR_WALLET_PRIVATE_KEY) into keys
 * (locked memory each); the count, or -1 with err naming the bad item. */
int mm_payer_keys(const mm_chain_cfg *cfg, mm_payer_key *keys, int max, char *err,
                  size_t errlen);
void mm_payer_keys_free(mm_payer_key *keys, int n);

/* Sets p up as the "payer" loop (Redis and PostgreSQL; not started): its
 * keys are parsed when the thread starts, which ends at once, logged, if
 * they do not parse. */
void mm_payer_init(mm_payer *p, mm_ctx *ctx);

#endif /* MM_PAYER_H */
