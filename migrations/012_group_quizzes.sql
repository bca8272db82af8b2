-- Group quizzes: the groups the bot is in, their admins, the creation
-- wizard's state, the quizzes with their frozen questions, and the
-- attempts (a run of mode 'quiz', one per player and quiz) whose answers
-- are the answers table's rows.  Prize fields and the 'funding' state are
-- the seams the paid quizzes fill.

-- Groups the bot is in, as my_chat_member told it.
CREATE TABLE groups (
    chat_id           bigint PRIMARY KEY,
    title             text NOT NULL DEFAULT '',
    type              text NOT NULL,                  -- group | supergroup
    bot_status        text NOT NULL,                  -- member | administrator | left | kicked
    can_pin           boolean NOT NULL DEFAULT false, -- the bot may pin messages
    admins_at         timestamptz,                    -- when group_admins was read
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Each group's admins, from getChatAdministrators (read again after 10 min).
CREATE TABLE group_admins (
    chat_id           bigint NOT NULL REFERENCES groups (chat_id) ON DELETE CASCADE,
    user_id           bigint NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

-- What a group's member was told once (e.g. that only admins create quizzes).
CREATE TABLE group_notices (
    chat_id           bigint NOT NULL,
    user_id           bigint NOT NULL,
    what              text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, user_id, what)
);

-- A creator's wizard in progress (one per user; a day old, it is gone).
-- step names what the next answer is for; nonce binds the buttons of the
-- step on screen, so a double press or an old button does nothing twice.
CREATE TABLE wizards (
    user_id           bigint PRIMARY KEY,
    chat_id           bigint NOT NULL,                -- the group it is for
    step              text NOT NULL,
    data              jsonb NOT NULL DEFAULT '{}',
    nonce             integer NOT NULL,
    quiz_id           bigint,                         -- once the questions are being made
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE quizzes (
    id                bigserial PRIMARY KEY,
    chat_id           bigint NOT NULL,                -- the group
    creator_id        bigint NOT NULL,
    topic             text NOT NULL,
    notes             text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 2000),
    question_count    smallint NOT NULL CHECK (question_count BETWEEN 1 AND 50),
    seconds           smallint NOT NULL CHECK (seconds BETWEEN 10 AND 300),
    start_delay_s     integer,                        -- wizard: start this long after creation
    duration_s        integer NOT NULL CHECK (duration_s BETWEEN 60 AND 604800),
    starts_at         timestamptz,                    -- set when it is created (announced)
    ends_at           timestamptz,
    status            text NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'funding', 'scheduled', 'active', 'ended',
                                        'closed', 'cancelled')),
    error             text,                           -- why a draft was cancelled
    -- the paid quiz's seams
    prize_token       text,
    prize_amount      numeric(39, 0),
    prize_split       jsonb,                          -- amounts per rank, as numbers
    members_only      boolean NOT NULL DEFAULT false,
    -- the group's card, edited at most every 30 s
    card_message_id   bigint,
    card_outbox_id    bigint,
    card_edited_at    timestamptz,
    card_pinned       boolean NOT NULL DEFAULT false,
    card_players      integer,                        -- what the card shows now
    card_status       text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    announced_at      timestamptz,
    started_at        timestamptz,
    ended_at          timestamptz,
    closed_at         timestamptz,
    cancelled_at      timestamptz
);
CREATE INDEX quizzes_by_group ON quizzes (chat_id, status);
CREATE INDEX quizzes_by_creator ON quizzes (creator_id, created_at);

-- A quiz's questions, chosen or generated at creation and then frozen.
CREATE TABLE quiz_questions (
    quiz_id           bigint NOT NULL REFERENCES quizzes (id),
    seq               smallint NOT NULL,
    question_id       bigint NOT NULL REFERENCES questions (id),
    PRIMARY KEY (quiz_id, seq)
);

-- An attempt is a run of mode 'quiz': one per player and quiz (the key,
-- not a check), its questions in the player's own order.
ALTER TABLE play_sessions ADD COLUMN quiz_id bigint REFERENCES quizzes (id);
ALTER TABLE play_sessions ADD COLUMN seconds smallint;            -- per question; NULL: the bot's
ALTER TABLE play_sessions ADD COLUMN flagged boolean NOT NULL DEFAULT false;
ALTER TABLE play_sessions DROP CONSTRAINT play_sessions_state_check;
ALTER TABLE play_sessions ADD CONSTRAINT play_sessions_state_check
    CHECK (state IN ('active', 'finished', 'cancelled', 'stopped', 'expired'));
CREATE UNIQUE INDEX play_sessions_one_attempt ON play_sessions (quiz_id, user_id)
    WHERE quiz_id IS NOT NULL;
CREATE INDEX play_sessions_of_quiz ON play_sessions (quiz_id, state) WHERE quiz_id IS NOT NULL;

-- An answer faster than MM_MIN_ANSWER_MS is kept and marked.
ALTER TABLE answers ADD COLUMN fast boolean NOT NULL DEFAULT false;

-- The ranking, written once when the quiz ends.
CREATE TABLE quiz_results (
    quiz_id           bigint NOT NULL REFERENCES quizzes (id),
    user_id           bigint NOT NULL,
    session_id        bigint NOT NULL,
    correct           integer NOT NULL,
    answered          integer NOT NULL,
    first_correct_at  timestamptz,
    first_answer_at   timestamptz,
    took_ms           bigint NOT NULL,
    flagged           boolean NOT NULL,
    rank              integer,                        -- NULL: no correct answer, unranked
    PRIMARY KEY (quiz_id, user_id)
);

-- Points earned in a group's quizzes count on that group's boards.
ALTER TABLE points_ledger ADD COLUMN group_id bigint;
CREATE INDEX points_ledger_group ON points_ledger (group_id, created_at) WHERE group_id IS NOT NULL;

-- A quiz's attempts and their answers by the names the design uses: views
-- over the runs of mode 'quiz' (one table of runs keeps one answer path).
CREATE VIEW quiz_attempts AS
    SELECT id, quiz_id, user_id, chat_id, state, flagged, started_at, finished_at
    FROM play_sessions WHERE quiz_id IS NOT NULL;
CREATE VIEW quiz_answers AS
    SELECT a.session_id AS attempt_id, s.quiz_id, a.seq, a.user_id, a.question_id, a.chosen,
           a.correct, a.fast, a.elapsed_ms, a.received_at
    FROM answers a JOIN play_sessions s ON s.id = a.session_id WHERE s.quiz_id IS NOT NULL;
