/*
 * The chain settings of the worker's bot surface (wallets, withdrawals),
 * read with the rest of the configuration.  Unset NEAR_WALLET_ADDRESS
 * leaves wallets off; set, everything they need must be there.
 */

#ifndef MM_CHAIN_CONFIG_H
#define MM_CHAIN_CONFIG_H

#include <stddef.h>

#include "mm_config.h"

/* The chain loader: reads the NEAR settings into cfg->chain (the types are
 * in mm_config.h) and checks them together: NEAR_TOKENS parsed, and with
 * wallets (the bot) once NEAR_WALLET_ADDRESS is set, everything wallets
 * need (then chain.enabled).  0, or -1 with err naming the setting at
 * fault.  The command-line tools check what each of them needs. */
int mm_chain_config(mm_config *cfg, int wallets, char *err, size_t errlen);

/* The token a player named (case-insensitive symbol), or NULL. */
const mm_token *mm_chain_token(const mm_chain_cfg *c, const char *symbol);

/* "1.5" with at most decimals digits after the point, > 0 and at most
 * 2^128 - 1 base units, into base units as decimal text (out: 48 bytes);
 * -1 with err. */
int mm_amount_parse(const char *text, int decimals, char out[48], char *err, size_t errlen);

/* base units (decimal text) as a number of whole tokens, trailing zeros
 * dropped: "1500000000000000000000000", 24 -> "1.5" (out: 64 bytes). */
void mm_amount_format(const char *units, int decimals, char out[64]);

#endif /* MM_CHAIN_CONFIG_H */
