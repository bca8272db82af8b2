-- The AI quiz engine: where a generated question came from, its difficulty
-- before anyone played it and what players made of it since, and the
-- generation jobs behind quizzes on topics the bank lacks.

ALTER TABLE questions
    ADD COLUMN model        text,               -- the provider's model, for generated ones
    ADD COLUMN prompt_hash  text,               -- sha256 of the prompt that made it
    ADD COLUMN sdi_claimed  smallint,           -- what the model said, unadjusted
    ADD COLUMN sdi_prior    smallint,           -- the SDI before any play (engine/mm_difficulty.c)
    ADD COLUMN plays        integer NOT NULL DEFAULT 0,
    ADD COLUMN correct_rate real,
    ADD COLUMN median_ms    integer;
UPDATE questions SET sdi_prior = sdi;
ALTER TABLE questions ALTER COLUMN sdi_prior SET NOT NULL;

-- calibration reads the answers of recently played questions
CREATE INDEX answers_by_question ON answers (question_id);
CREATE INDEX answers_by_time ON answers (received_at);

-- A quiz on a topic the bank lacks (user_id set), or a top-up of a popular
-- topic (user_id NULL).  The engine thread runs it outside any update's
-- transaction and announces the end through a timer into the chat's
-- partition, so the bot's reply is exactly-once like any other.
CREATE TABLE generation_jobs (
    id                bigserial PRIMARY KEY,
    user_id           bigint,
    chat_id           bigint,
    topic             text NOT NULL,
    sdi               smallint NOT NULL CHECK (sdi BETWEEN 1 AND 10),
    count             smallint NOT NULL CHECK (count BETWEEN 1 AND 20),
    state             text NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    owner             text,
    lease_until       timestamptz,
    made              integer NOT NULL DEFAULT 0,
    provider          text,
    error             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz
);
-- one open request per player, one open top-up per topic and SDI
CREATE UNIQUE INDEX generation_jobs_player ON generation_jobs (user_id)
    WHERE user_id IS NOT NULL AND state IN ('queued', 'running');
CREATE UNIQUE INDEX generation_jobs_topup ON generation_jobs (topic, sdi)
    WHERE user_id IS NULL AND state IN ('queued', 'running');
CREATE INDEX generation_jobs_open ON generation_jobs (id)
    WHERE state IN ('queued', 'running');
