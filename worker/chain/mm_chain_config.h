/*
 * The chain settings of the worker's bot surface (wallets, withdrawals),
 * read with the rest of the configuration.  Unset NEAR_WALLET_ADDRESS
 * leaves wallets off; set, everything they need must be there.
 */

#ifndef MM_CHAIN_CONFIG_H
#define MM_CHAIN_CONFIG_H

#include <stddef.h>

#define MM_TOKENS_MAX 8

typedef struct mm_token {
    char symbol[16];            /* what players type: NEAR, USDC, ... */
    char contract[72];          /* NEP-141 account id; "" for NEAR itself */
    int decimals;
} mm_token;

typedef struct mm_chain_cfg {
    int enabled;
    const char *master;             /* NEAR_WALLET_ADDRESS */
    const char *master_key;         /* NEAR_WALLET_PRIVATE_KEY */
    const char *seal_key;           /* WALLET_ENCRYPTION_KEY */
    const char *rpc;                /* NEAR_RPC_ENDPOINT */
    const char *fallbacks;          /* NEAR_RPC_FALLBACKS */
    const char *api_key;            /* FASTNEAR_API_KEY */
    const char *network;            /* testnet | mainnet: explorer links */
    const char *initial_balance;    /* yoctoNEAR for a new wallet, or NULL */
    long backoff_ms;                /* NEAR_RPC_BACKOFF_MS, 0: the client's */
    long timeout_ms;                /* NEAR_RPC_TIMEOUT_MS, 0: 15 s / 30 s */
    mm_token tokens[MM_TOKENS_MAX]; /* NEAR first, then NEAR_TOKENS */
    int ntokens;
} mm_chain_cfg;

/* From the environment; -1 with err naming the setting at fault. */
int mm_chain_config_load(mm_chain_cfg *c, char *err, size_t errlen);

/* The token a player named (case-insensitive symbol), or NULL. */
const mm_token *mm_chain_token(const mm_chain_cfg *c, const char *symbol);

/* "1.5" with at most decimals digits after the point, > 0 and at most
 * 2^128 - 1 base units, into base units as decimal text (out: 48 bytes);
 * -1 with why. */
int mm_amount_parse(const char *text, int decimals, char out[48], char *why, size_t whylen);

/* base units (decimal text) as a number of whole tokens, trailing zeros
 * dropped: "1500000000000000000000000", 24 -> "1.5" (out: 64 bytes). */
void mm_amount_format(const char *units, int decimals, char out[64]);

#endif /* MM_CHAIN_CONFIG_H */
