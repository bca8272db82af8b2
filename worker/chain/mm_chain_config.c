#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "chain/mm_chain_config.h"
#include "mm_utf8.h"
#include "chain/mm_near_key.h"

/* NEAR_TOKENS: SYMBOL=contract:decimals, comma-separated */
static int mm_tokens_load(mm_chain_cfg *c, const char *list, char *err, size_t errlen) {
    char copy[1024], *save;

    snprintf(c->tokens[0].symbol, sizeof(c->tokens[0].symbol), "NEAR");
    c->tokens[0].decimals = 24;
    c->ntokens = 1;
    if (list == NULL)
        return 0;
    snprintf(copy, sizeof(copy), "%s", list);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        mm_token *k = &c->tokens[c->ntokens];
        char *eq = strchr(t, '='), *colon = eq ? strrchr(eq, ':') : NULL;
        int dec;

        while (isspace((unsigned char) *t))
            t++;
        if (c->ntokens == MM_TOKENS_MAX || eq == NULL || colon == NULL || eq == t
            || eq - t >= (long) sizeof(k->symbol) || colon - eq - 1 >= (long) sizeof(k->contract)) {
            snprintf(err, errlen, "NEAR_TOKENS must be SYMBOL=contract:decimals, comma-separated "
                     "(at most %d)", MM_TOKENS_MAX - 1);
            return -1;
        }
        snprintf(k->symbol, sizeof(k->symbol), "%.*s", (int) (eq - t), t);
        snprintf(k->contract, sizeof(k->contract), "%.*s", (int) (colon - eq - 1), eq + 1);
        dec = atoi(colon + 1);
        if (!mm_near_account_id_valid(k->contract) || dec < 0 || dec > 38
            || strspn(colon + 1, "0123456789") != strlen(colon + 1) || !colon[1]) {
            snprintf(err, errlen, "NEAR_TOKENS: \"%s\" needs a valid contract account id and "
                     "0-38 decimals", k->symbol);
            return -1;
        }
        k->decimals = dec;
        for (char *s = k->symbol; *s; s++)
            *s = (char) toupper((unsigned char) *s);
        c->ntokens++;
    }
    return 0;
}

/* NEAR_SIGNER_KEYS: at most 64 ed25519 secret keys, comma-separated (the
 * payer's pool, chain/mm_payer.c); 0, or -1 naming the item at fault only
 * by its place. */
static int mm_chain_signer_keys(const char *text, char *err, size_t errlen) {
    mm_near_public_key pk;
    char item[256];

    for (int n = 1; text && *text; n++) {
        size_t len = strcspn(text, ",");
        uint8_t *sk = NULL;

        if (n <= 64 && len < sizeof(item)) {
            memcpy(item, text, len);
            item[len] = '\0';
            sk = mm_near_secret_key_parse(item, &pk);
            sodium_memzero(item, sizeof(item));
        }
        if (sk == NULL)
            return snprintf(err, errlen, "NEAR_SIGNER_KEYS: item %d is not an ed25519 secret key "
                            "(at most 64, comma-separated)", n), -1;
        mm_near_secret_key_free(sk);
        text += len + (text[len] == ',');
    }
    return 0;
}

int mm_chain_config(mm_config *cfg, int wallets, char *err, size_t errlen) {
    mm_chain_cfg *c = &cfg->chain;

    memset(c, 0, sizeof(*c));
    if (mm_config_read(cfg, MM_CFG_CHAIN, err, errlen))
        return -1;
    if (strcmp(c->network, "testnet") && strcmp(c->network, "mainnet")) {
        snprintf(err, errlen, "NEAR_NETWORK must be testnet or mainnet");
        return -1;
    }
    if (mm_tokens_load(c, c->tokens_text, err, errlen))
        return -1;
    if (c->master == NULL || !wallets)
        return 0;                       /* no wallets on this bot, or not this command's */
    if (!mm_near_account_id_valid(c->master)) {
        snprintf(err, errlen, "NEAR_WALLET_ADDRESS is not a valid account id");
        return -1;
    }
    if (c->master_key == NULL || c->rpc == NULL) {
        snprintf(err, errlen, "NEAR_WALLET_ADDRESS needs NEAR_WALLET_PRIVATE_KEY and "
                 "NEAR_RPC_ENDPOINT");
        return -1;
    }
    if (c->seal_key == NULL || strlen(c->seal_key) < 32) {
        snprintf(err, errlen, "WALLET_ENCRYPTION_KEY must be set, at least 32 characters "
                 "(it seals every wallet key)");
        return -1;
    }
    if (c->initial_balance
        && strspn(c->initial_balance, "0123456789") != strlen(c->initial_balance)) {
        snprintf(err, errlen, "NEAR_INITIAL_BALANCE must be yoctoNEAR as an integer");
        return -1;
    }
    if (mm_chain_signer_keys(c->signer_keys, err, errlen))
        return -1;
    c->enabled = 1;
    return 0;
}

const mm_token *mm_chain_token(const mm_chain_cfg *c, const char *symbol) {
    for (int i = 0; i < c->ntokens; i++)
        if (!strcasecmp(c->tokens[i].symbol, symbol))
            return &c->tokens[i];
    return NULL;
}

/* 2^128 - 1, the largest amount NEAR's Balance (u128) holds */
#define MM_U128_MAX "340282366920938463463374607431768211455"

int mm_amount_parse(const char *text, int decimals, char out[48], char *err, size_t errlen) {
    const char *dot = strchr(text, '.');
    size_t whole = dot ? (size_t) (dot - text) : strlen(text), frac = dot ? strlen(dot + 1) : 0;
    size_t n = 0;

    if ((whole == 0 && frac == 0) || strspn(text, "0123456789") != whole
        || (dot && strspn(dot + 1, "0123456789") != frac) || (dot && frac == 0)) {
        snprintf(err, errlen, "\"%.*s\" is not an amount (digits, one point: 1.5)",
                 (int) mm_utf8_cut(text, strlen(text), 40), text);
        return -1;
    }
    if ((int) frac > decimals) {
        snprintf(err, errlen, "at most %d digits after the point", decimals);
        return -1;
    }
    /* whole digits, then the fraction padded to decimals: exact, no floats;
     * at most u128::MAX base units (39 digits), all a transfer can carry */
    for (size_t i = 0; i < whole + (size_t) decimals; i++) {
        char d = i < whole ? text[i] : i - whole < frac ? dot[1 + i - whole] : '0';
        if (n == 0 && d == '0')
            continue;
        if (n == sizeof(MM_U128_MAX) - 1) {
            snprintf(err, errlen, "the amount is too large");
            return -1;
        }
        out[n++] = d;
    }
    out[n] = '\0';
    if (n == 0) {
        snprintf(err, errlen, "the amount must be more than 0");
        return -1;
    }
    if (n == sizeof(MM_U128_MAX) - 1 && strcmp(out, MM_U128_MAX) > 0) {
        snprintf(err, errlen, "the amount is too large");
        return -1;
    }
    return 0;
}

void mm_amount_format(const char *units, int decimals, char out[64]) {
    size_t len = strlen(units), pad = len < (size_t) decimals + 1 ? decimals + 1 - len : 0;
    size_t n = 0, point, end;
    char digits[96];

    if (len + pad >= sizeof(digits)) {
        snprintf(out, 64, "?");
        return;
    }
    /* at least one digit before the point */
    memset(digits, '0', pad);
    memcpy(digits + pad, units, len + 1);
    len += pad;
    point = len - (size_t) decimals;
    for (size_t i = 0; i < point && n < 40; i++)
        out[n++] = digits[i];
    for (end = len; end > point && digits[end - 1] == '0'; end--)
        ;
    if (end > point) {
        out[n++] = '.';
        for (size_t i = point; i < end && n < 63; i++)
            out[n++] = digits[i];
    }
    out[n] = '\0';
}
