-- One job queue for the slow work done off the update path (sched/mm_queue.h):
-- a row per job, its kind naming the handler (generate: the quiz engine;
-- wallet, withdraw: the chain thread), claimed under a lease so a dead
-- worker's job is taken over, ended by its holder only.  It replaces
-- generation_jobs and chain_jobs, whose rows move here; views of the same
-- names keep operators' queries working.
CREATE TABLE jobs (
    id                bigserial PRIMARY KEY,
    kind              text NOT NULL,
    user_id           bigint,
    chat_id           bigint,                     -- where its end is announced, if anywhere
    payload           jsonb NOT NULL DEFAULT '{}',
    dedupe            text,                       -- one open job per (kind, dedupe)
    priority          smallint NOT NULL DEFAULT 0,    -- lower first
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
CREATE UNIQUE INDEX jobs_one_open ON jobs (kind, dedupe)
    WHERE dedupe IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_open ON jobs (priority, id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_generate_topic ON jobs ((payload->>'topic')) WHERE kind = 'generate';

INSERT INTO jobs (id, kind, user_id, chat_id, payload, dedupe, priority, state, attempts, owner,
                  lease_until, result, error, created_at, finished_at)
SELECT id, 'generate', user_id, chat_id,
       jsonb_build_object('topic', topic, 'sdi', sdi, 'count', count),
       CASE WHEN user_id IS NOT NULL THEN 'user:' || user_id ELSE 'topup:' || sdi || ':' || topic END,
       CASE WHEN user_id IS NULL THEN 1 ELSE 0 END, state, attempts, owner, lease_until,
       jsonb_build_object('made', made, 'provider', provider), error, created_at, finished_at
FROM generation_jobs;

-- chain jobs keep their order after the generation jobs; a chain_done timer
-- still waiting names the job by its new id
CREATE TEMPORARY TABLE chain_job_offset ON COMMIT DROP AS
    SELECT coalesce(max(id), 0) AS n FROM generation_jobs;
INSERT INTO jobs (id, kind, user_id, chat_id, payload, dedupe, state, attempts, owner,
                  lease_until, result, error, created_at, finished_at)
SELECT c.id + o.n, c.kind, c.user_id, c.chat_id, c.payload,
       CASE WHEN c.kind = 'wallet' THEN 'user:' || c.user_id END, c.state, c.attempts, c.owner,
       c.lease_until, c.result, c.error, c.created_at, c.finished_at
FROM chain_jobs c, chain_job_offset o;
UPDATE timers SET payload = jsonb_set(payload, '{job}',
                                      to_jsonb((payload->>'job')::bigint + o.n))
FROM chain_job_offset o WHERE kind = 'chain_done';
SELECT setval('jobs_id_seq', greatest((SELECT max(id) FROM jobs), 1));

DROP TABLE generation_jobs;
DROP TABLE chain_jobs;

CREATE VIEW generation_jobs AS
SELECT id, user_id, chat_id, payload->>'topic' AS topic, (payload->>'sdi')::smallint AS sdi,
       (payload->>'count')::smallint AS count, state, attempts, owner, lease_until,
       coalesce((result->>'made')::integer, 0) AS made, result->>'provider' AS provider, error,
       created_at, finished_at
FROM jobs WHERE kind = 'generate';

CREATE VIEW chain_jobs AS
SELECT id, kind, user_id, chat_id, payload, state, attempts, owner, lease_until, result, error,
       created_at, finished_at
FROM jobs WHERE kind IN ('wallet', 'withdraw');
