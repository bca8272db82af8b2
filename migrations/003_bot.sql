-- The bot: players, questions, practice runs, answers, points, and the
-- bookkeeping that makes handling exactly-once (processed updates, the
-- outbox of replies, durable timers, partition fencing).

CREATE TABLE users (
    id                bigint PRIMARY KEY,             -- Telegram user id
    first_name        text NOT NULL DEFAULT '',
    username          text,
    language_code     text,
    sdi               smallint NOT NULL DEFAULT 3 CHECK (sdi BETWEEN 1 AND 10),
    points_total      bigint NOT NULL DEFAULT 0,
    answers_total     integer NOT NULL DEFAULT 0,
    answers_correct   integer NOT NULL DEFAULT 0,
    runs_finished     integer NOT NULL DEFAULT 0,
    best_streak       integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- The question bank: the shipped offline bank, procedural "maze" questions
-- and, later, validated LLM output.  options holds exactly four strings.
CREATE TABLE questions (
    id                bigserial PRIMARY KEY,
    topic             text NOT NULL,
    question          text NOT NULL CHECK (char_length(question) BETWEEN 1 AND 300),
    options           text[] NOT NULL CHECK (array_length(options, 1) = 4),
    correct           smallint NOT NULL CHECK (correct BETWEEN 0 AND 3),
    explanation       text NOT NULL DEFAULT '' CHECK (char_length(explanation) <= 200),
    sdi               smallint NOT NULL CHECK (sdi BETWEEN 1 AND 10),
    source            text NOT NULL,                  -- bank | import | maze | provider
    status            text NOT NULL DEFAULT 'active'
                      CHECK (status IN ('active', 'hidden', 'rejected')),
    content_hash      text NOT NULL UNIQUE,           -- sha256 of the normalised text
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX questions_pick ON questions (topic, sdi) WHERE status = 'active' AND source <> 'maze';

-- One practice run.  current_seq is the question on screen (1-based); the
-- run is 'active' until every question is answered or timed out.
CREATE TABLE play_sessions (
    id                bigserial PRIMARY KEY,
    user_id           bigint NOT NULL REFERENCES users (id),
    chat_id           bigint NOT NULL,
    mode              text NOT NULL DEFAULT 'practice',
    topic             text NOT NULL,
    target_sdi        smallint NOT NULL,
    question_count    smallint NOT NULL,
    current_seq       smallint NOT NULL DEFAULT 1,
    streak            integer NOT NULL DEFAULT 0,
    best_streak       integer NOT NULL DEFAULT 0,
    points            integer NOT NULL DEFAULT 0,
    correct_count     integer NOT NULL DEFAULT 0,
    state             text NOT NULL DEFAULT 'active'
                      CHECK (state IN ('active', 'finished', 'cancelled')),
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz
);
-- at most one running practice run per player
CREATE UNIQUE INDEX play_sessions_one_active ON play_sessions (user_id)
    WHERE state = 'active';

-- The questions of a run as delivered: the option order shown to this
-- player, and a nonce that binds an answer to this very delivery.
CREATE TABLE session_questions (
    session_id        bigint NOT NULL REFERENCES play_sessions (id),
    seq               smallint NOT NULL,
    question_id       bigint NOT NULL REFERENCES questions (id),
    perm              smallint[] NOT NULL,            -- shown position -> bank option
    nonce             integer NOT NULL,
    outbox_id         bigint,                         -- the message that asked it
    asked_at          timestamptz,
    PRIMARY KEY (session_id, seq)
);

CREATE TABLE answers (
    session_id        bigint NOT NULL,
    seq               smallint NOT NULL,
    user_id           bigint NOT NULL,
    question_id       bigint NOT NULL,
    chosen            smallint,                       -- bank option index; NULL = timed out
    correct           boolean NOT NULL,
    elapsed_ms        integer NOT NULL,
    points            integer NOT NULL,
    received_at       timestamptz NOT NULL,           -- the edge's receive time
    UNIQUE (session_id, seq),
    FOREIGN KEY (session_id, seq) REFERENCES session_questions (session_id, seq)
);
CREATE INDEX answers_by_user ON answers (user_id, question_id);

-- Every point ever awarded, so totals and weekly boards can be rebuilt.
CREATE TABLE points_ledger (
    id                bigserial PRIMARY KEY,
    user_id           bigint NOT NULL REFERENCES users (id),
    points            integer NOT NULL,
    reason            text NOT NULL,                  -- answer:<session>:<seq>
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (reason)
);
CREATE INDEX points_ledger_weekly ON points_ledger (created_at, user_id);

-- Telegram may deliver an update twice; its effects are committed once.
CREATE TABLE processed_updates (
    update_id         bigint PRIMARY KEY,
    processed_at      timestamptz NOT NULL DEFAULT now()
);

-- Replies, written in the same transaction as the state they report and
-- sent afterwards; a worker that dies leaves them to another after the lease.
CREATE TABLE outbox (
    id                bigserial PRIMARY KEY,
    chat_id           bigint NOT NULL,
    method            text NOT NULL,
    params            jsonb NOT NULL,
    owner             text NOT NULL,
    lease_until       timestamptz NOT NULL,
    sent_at           timestamptz,
    failed_at         timestamptz,
    tg_message_id     bigint,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_unsent ON outbox (lease_until) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Durable timers: fired into the chat's partition, exactly once in effect.
CREATE TABLE timers (
    id                bigserial PRIMARY KEY,
    chat_id           bigint NOT NULL,
    kind              text NOT NULL,
    payload           jsonb NOT NULL,
    due_at            timestamptz NOT NULL,
    UNIQUE (kind, payload)
);
CREATE INDEX timers_due ON timers (due_at);

-- Fencing for partition leases: a handler commits only while its lease's
-- epoch is the newest one, so a stalled ex-owner cannot interleave.
CREATE TABLE partition_epochs (
    partition         integer PRIMARY KEY,
    epoch             bigint NOT NULL
);
