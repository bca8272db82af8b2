/*
 * A custodial wallet for a Telegram user: a sub-account of the operator's
 * account, user<telegram id>.<operator>, created with CreateAccount +
 * Transfer (the initial balance) + AddKey (the user's full-access key) in
 * one transaction, then checked on chain.  The new key is sealed (see
 * mm_keystore.h) and handed to persist() BEFORE anything is sent, so a
 * crash after sending never loses the key of an account that exists.
 */

#ifndef MM_NEAR_WALLET_H
#define MM_NEAR_WALLET_H

#include <hiredis/hiredis.h>

#include "chain/mm_near_rpc.h"
#include "chain/mm_near_send.h"

#define MM_NEAR_INITIAL_BALANCE  "1820000000000000000000"   /* 0.00182 NEAR: 182 bytes */

typedef struct mm_near_wallet {
    char account_id[72];
    char public_key[64];
    char *sealed;          /* the key record; malloc'd */
    char hash[48];         /* the creating transaction */
} mm_near_wallet;

/* Stores the sealed key where it survives us; 0 on success. */
typedef int (*mm_near_persist_pt)(const mm_near_wallet *wallet, void *data);

/* user<id>.<master>; -1 when that is not a valid account id */
int mm_near_wallet_account(long long telegram_id, const char *master, char *out, size_t len);

mm_send_rc mm_near_create_wallet(redisContext *redis, mm_near_rpc *rpc, const char *master,
                                 const char *master_key, const char *wallet_key,
                                 long long telegram_id, const char *initial_balance,
                                 mm_near_persist_pt persist, void *data,
                                 mm_near_wallet *wallet, char *reason, size_t reasonlen);

/* The steps of mm_near_create_wallet, for a caller that keeps the wallet
 * between them (the bot's wallets table): a new key, sealed, for the
 * user's account id (0, or -1 with reason) ... */
int mm_near_wallet_key(const char *master, const char *wallet_key, long long telegram_id,
                       mm_near_wallet *wallet, char *reason, size_t reasonlen);

/* ... and the account created on chain with wallet->public_key; safe to
 * repeat with the same key: an account that exists with it is success. */
mm_send_rc mm_near_wallet_send(redisContext *redis, mm_near_rpc *rpc, const char *master,
                               const char *master_key, mm_near_wallet *wallet,
                               const char *initial_balance, char *reason, size_t reasonlen);

/* 1 when wallet's public key is on its account (asked up to tries times,
 * a second apart: a fresh account may lag), else 0. */
int mm_near_wallet_on_chain(mm_near_rpc *rpc, const mm_near_wallet *wallet, int tries);

void mm_near_wallet_free(mm_near_wallet *wallet);

#endif /* MM_NEAR_WALLET_H */
