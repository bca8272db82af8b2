-- Custodial wallets and the payout ledger (the NEAR chain layer).

-- One wallet per Telegram user.  The sealed key is stored before the
-- creating transaction is sent, so a crash never loses the key of an
-- account that exists; state says how far creation got.
CREATE TABLE wallets (
    telegram_user_id  bigint PRIMARY KEY,
    account_id        text NOT NULL UNIQUE,
    public_key        text NOT NULL,
    sealed_key        text NOT NULL,              -- mm_keystore record, never plaintext
    state             text NOT NULL DEFAULT 'creating'
                      CHECK (state IN ('creating', 'active', 'failed')),
    create_tx_hash    text UNIQUE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Every reward is one row, keyed by what it pays for: the same purpose can
-- never pay the same recipient the same token twice.  A row moves
--   pending -> signed (hash and bytes kept before sending) -> paid | failed
-- and only a transaction proven dead is replaced (rejected -> pending).
CREATE TABLE payouts (
    id                bigserial PRIMARY KEY,
    purpose           text NOT NULL,              -- e.g. quiz:42:rank:1
    recipient         text NOT NULL,              -- NEAR account id
    token             text NOT NULL,              -- 'NEAR' or the NEP-141 contract
    amount            numeric(39, 0) NOT NULL CHECK (amount > 0),
    state             text NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'signed', 'paid', 'failed', 'rejected')),
    tx_hash           text UNIQUE,
    signed_tx         text,
    signer_id         text,
    nonce             numeric(20, 0),
    block_hash        text,
    attempts          integer NOT NULL DEFAULT 0,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (purpose, recipient, token),
    CHECK (state NOT IN ('signed', 'paid') OR (tx_hash IS NOT NULL AND signed_tx IS NOT NULL))
);

CREATE INDEX payouts_unfinished ON payouts (state, updated_at) WHERE state IN ('pending', 'signed');
