-- Deposits that fund quizzes: a transaction hash is credited once.
CREATE TABLE deposits (
    tx_hash           text PRIMARY KEY,
    telegram_user_id  bigint NOT NULL,
    signer_id         text NOT NULL,
    token             text NOT NULL,              -- 'NEAR' or the NEP-141 contract
    amount            numeric(39, 0) NOT NULL CHECK (amount > 0),
    verified_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX deposits_by_user ON deposits (telegram_user_id, verified_at);
