-- Wallets in the bot: requests the chain thread runs for a player (open
-- the wallet, creating it if needed; send a withdrawal), and withdrawals
-- the player confirmed.  A payout whose signer_id is set is paid from that
-- account — the player's own wallet; NULL means the operator's account.

CREATE TABLE chain_jobs (
    id                bigserial PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('wallet', 'withdraw')),
    user_id           bigint NOT NULL,
    chat_id           bigint NOT NULL,
    payload           jsonb NOT NULL DEFAULT '{}',
    state             text NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    owner             text,
    lease_until       timestamptz,
    result            jsonb,
    error             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz
);
CREATE UNIQUE INDEX chain_jobs_one_open ON chain_jobs (user_id, kind)
    WHERE state IN ('queued', 'running') AND kind = 'wallet';
CREATE INDEX chain_jobs_open ON chain_jobs (id) WHERE state IN ('queued', 'running');

-- A withdrawal waits for the player's confirmation (a button bound to
-- its nonce, valid 5 minutes), then becomes one payout from the wallet,
-- purpose 'withdraw:<id>'.
CREATE TABLE withdrawals (
    id                bigserial PRIMARY KEY,
    user_id           bigint NOT NULL,
    chat_id           bigint NOT NULL,
    account_id        text NOT NULL,              -- the player's wallet
    recipient         text NOT NULL,
    token             text NOT NULL,              -- 'NEAR' or the NEP-141 contract
    amount            numeric(39, 0) NOT NULL CHECK (amount > 0),
    shown             text NOT NULL,              -- "1.5 NEAR", as confirmed
    nonce             integer NOT NULL,
    state             text NOT NULL DEFAULT 'awaiting'
                      CHECK (state IN ('awaiting', 'confirmed', 'cancelled')),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX withdrawals_by_user ON withdrawals (user_id, created_at);
CREATE INDEX payouts_by_account ON payouts (recipient, id);
CREATE INDEX payouts_by_signer ON payouts (signer_id, id) WHERE signer_id IS NOT NULL;
