/*
 * The catalog: every statement the worker runs, named once, with the number
 * of parameters it takes.  Parameters are listed in mm_sql.h; the columns of
 * statements that return several are named there too.
 */

#include "store/mm_sql.h"

const mm_sql_stmt mm_sql_stmts[MM_SQL_COUNT] = {
    [MM_SQL_FENCE_DEDUPE] = { "fence_dedupe", 3,
        /* FOR SHARE holds off a new owner's epoch bump until we commit */
        "INSERT INTO processed_updates (update_id) SELECT $1 WHERE EXISTS "
        "(SELECT 1 FROM partition_epochs WHERE partition = $2 AND epoch = $3 FOR SHARE) "
        "ON CONFLICT DO NOTHING RETURNING 1" },
    [MM_SQL_FENCE] = { "fence", 2,
        "SELECT 1 FROM partition_epochs WHERE partition = $1 AND epoch = $2 FOR SHARE" },
    [MM_SQL_IS_PROCESSED] = { "is_processed", 1,
        "SELECT 1 FROM processed_updates WHERE update_id = $1" },
    [MM_SQL_EPOCH_CLAIM] = { "epoch_claim", 2,
        "INSERT INTO partition_epochs (partition, epoch) VALUES ($1, $2) "
        "ON CONFLICT (partition) DO UPDATE "
        "SET epoch = GREATEST(partition_epochs.epoch, EXCLUDED.epoch) RETURNING epoch" },
    [MM_SQL_USER_ENSURE] = { "user_ensure", 4,
        "INSERT INTO users (id, first_name, username, language_code) "
        "VALUES ($1, coalesce($2, ''), $3, $4) ON CONFLICT (id) DO UPDATE "
        "SET first_name = EXCLUDED.first_name, username = EXCLUDED.username, "
        "language_code = EXCLUDED.language_code, updated_at = now() "
        "WHERE (users.first_name, users.username, users.language_code) IS DISTINCT FROM "
        "(EXCLUDED.first_name, EXCLUDED.username, EXCLUDED.language_code)" },
    [MM_SQL_USER_GET] = { "user_get", 1,
        "SELECT sdi, points_total, answers_total, answers_correct, runs_finished, "
        "best_streak, first_name FROM users WHERE id = $1" },
    [MM_SQL_SESSION_ACTIVE] = { "session_active", 1,
        "SELECT id, topic, target_sdi, question_count, current_seq, streak, best_streak, "
        "points, correct_count FROM play_sessions WHERE user_id = $1 AND state = 'active' "
        "FOR UPDATE" },
    [MM_SQL_SESSION_NEW] = { "session_new", 5,
        "INSERT INTO play_sessions (user_id, chat_id, topic, target_sdi, question_count) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id" },
    [MM_SQL_PICK_QUESTIONS] = { "pick_questions", 4,
        /* unseen first, then closest to the target SDI, random among equals */
        "SELECT q.id FROM questions q WHERE q.status = 'active' AND q.source <> 'maze' "
        "AND ($1::text IS NULL OR q.topic = $1) ORDER BY "
        "EXISTS (SELECT 1 FROM answers a WHERE a.user_id = $3 AND a.question_id = q.id), "
        "abs(q.sdi - $2::int) / 2, random() LIMIT $4" },
    /* --- daily budgets (sched/mm_budget.c) --- */
    [MM_SQL_BUDGET_WALLETS] = { "budget_wallets", 0,
        "SELECT count(*) FROM wallets WHERE created_at > now() - interval '1 day'" },
    [MM_SQL_BUDGET_GENERATIONS_USER] = { "budget_generations_user", 1,
        "SELECT count(*) FROM jobs WHERE kind = 'generate' AND user_id = $1 "
        "AND created_at > now() - interval '1 day'" },
    [MM_SQL_BUDGET_GENERATIONS] = { "budget_generations", 0,
        "SELECT count(*) FROM jobs WHERE kind = 'generate' "
        "AND created_at > now() - interval '1 day'" },
    [MM_SQL_STILL_ACTIVE] = { "still_active", 1,
        "SELECT id FROM questions WHERE id = ANY($1::bigint[]) AND status = 'active'" },
    [MM_SQL_QUESTION_ADD] = { "question_add", 11,
        "INSERT INTO questions (topic, question, options, correct, explanation, sdi, sdi_prior, "
        "source, content_hash, model, prompt_hash, sdi_claimed) "
        "VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11) "
        "ON CONFLICT (content_hash) DO NOTHING RETURNING id" },
    [MM_SQL_QUESTION_BY_HASH] = { "question_by_hash", 1,
        "SELECT id FROM questions WHERE content_hash = $1" },
    [MM_SQL_TOPICS] = { "topics", 0,
        /* the bank's and operators' topics; generated ones are asked for by name */
        "SELECT topic FROM questions WHERE status = 'active' AND source <> 'maze' "
        "AND model IS NULL GROUP BY topic ORDER BY topic" },
    [MM_SQL_SQ_ADD] = { "sq_add", 5,
        "INSERT INTO session_questions (session_id, seq, question_id, perm, nonce) "
        "VALUES ($1, $2, $3, $4, $5)" },
    [MM_SQL_SQ_GET] = { "sq_get", 2,
        "SELECT q.question, q.options, q.correct, q.explanation, q.sdi, sq.perm, sq.nonce, "
        "o.tg_message_id, (extract(epoch FROM coalesce(o.sent_at, sq.asked_at)) * 1000)::bigint, "
        "q.id "
        "FROM session_questions sq JOIN questions q ON q.id = sq.question_id "
        "LEFT JOIN outbox o ON o.id = sq.outbox_id WHERE sq.session_id = $1 AND sq.seq = $2" },
    [MM_SQL_SESSION_END] = { "session_end", 2,
        "UPDATE play_sessions SET state = $2, finished_at = now() WHERE id = $1" },
    [MM_SQL_USER_RUN_DONE] = { "user_run_done", 2,
        "UPDATE users SET sdi = $2, runs_finished = runs_finished + 1, updated_at = now() "
        "WHERE id = $1" },
    [MM_SQL_OUTBOX_ADD] = { "outbox_add", 5,
        "INSERT INTO outbox (chat_id, method, params, owner, lease_until) "
        "VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond') RETURNING id" },
    /* = ANY() keeps these index lookups; a join with unnest() was planned as
     * a scan of the whole outbox */
    [MM_SQL_OUTBOX_SENT] = { "outbox_sent", 2,
        "UPDATE outbox SET sent_at = now(), "
        "tg_message_id = ($2::bigint[])[array_position($1::bigint[], id)] "
        "WHERE id = ANY($1::bigint[])" },
    [MM_SQL_OUTBOX_FAILED] = { "outbox_failed", 2,
        "UPDATE outbox SET failed_at = now(), "
        "last_error = ($2::text[])[array_position($1::bigint[], id)] "
        "WHERE id = ANY($1::bigint[])" },
    [MM_SQL_OUTBOX_CLAIM] = { "outbox_claim", 2,
        "UPDATE outbox SET owner = $1, lease_until = now() + $2 * interval '1 millisecond' "
        "WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL "
        "AND lease_until < now() ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED) "
        "RETURNING id, chat_id, method, params::text" },
    [MM_SQL_OUTBOX_EXTEND] = { "outbox_extend", 3,
        "UPDATE outbox SET lease_until = now() + $3 * interval '1 millisecond' "
        "WHERE id = $1 AND owner = $2 AND sent_at IS NULL AND failed_at IS NULL" },
    [MM_SQL_TIMER_CANCEL] = { "timer_cancel", 2,
        "DELETE FROM timers WHERE kind = $1 AND payload = $2::jsonb" },
    [MM_SQL_TIMERS_DUE] = { "timers_due", 0,
        "SELECT id, chat_id, kind, payload::text FROM timers WHERE due_at <= now() "
        "ORDER BY due_at LIMIT 200 FOR UPDATE SKIP LOCKED" },
    [MM_SQL_TIMERS_DROP] = { "timers_drop", 1,
        "DELETE FROM timers WHERE id = ANY($1::bigint[])" },
    [MM_SQL_BOARD_ALL] = { "board_all", 0,
        "SELECT id, points_total FROM users WHERE points_total > 0" },
    [MM_SQL_BOARD_WEEK] = { "board_week", 0,
        "SELECT user_id, sum(points) FROM points_ledger "
        "WHERE created_at >= date_trunc('week', now()) GROUP BY user_id "
        "HAVING sum(points) > 0" },
    [MM_SQL_USER_NAMES] = { "user_names", 1,
        "SELECT id, first_name, username FROM users WHERE id = ANY($1::bigint[])" },
    [MM_SQL_TURN_GET] = { "turn_get", 2,
        "SELECT s.id, s.topic, s.target_sdi, s.question_count, s.current_seq, s.streak, "
        "s.best_streak, s.points, s.correct_count, s.user_id, s.state, "
        "q.question, q.options, q.correct, q.explanation, q.sdi, sq.perm, sq.nonce, "
        "o.tg_message_id, (extract(epoch FROM coalesce(o.sent_at, sq.asked_at)) * 1000)::bigint, "
        "q.id FROM play_sessions s "
        "JOIN session_questions sq ON sq.session_id = s.id AND sq.seq = $2 "
        "JOIN questions q ON q.id = sq.question_id LEFT JOIN outbox o ON o.id = sq.outbox_id "
        "WHERE s.id = $1 FOR UPDATE OF s" },
    /* $1 session, $2 seq, $3 user, $4 question, $5 chosen, $6 correct, $7 elapsed ms,
     * $8 points, $9 received ms, $10 reason, $11 streak, $12 best streak, $13 run points,
     * $14 run correct, $15 timer payload, $16 correct as 0/1, $17 chat, $18 feedback
     * editMessageText params or NULL, $19 owner, $20 lease ms, $21 the timer's kind -> one
     * row (the feedback's
     * outbox id) if the answer is new.  One statement: the answer, its points, the
     * player's totals, the run, the timer and the feedback. */
    [MM_SQL_SETTLE] = { "settle", 21,
        "WITH a AS (INSERT INTO answers (session_id, seq, user_id, question_id, chosen, correct, "
        "  elapsed_ms, points, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "  to_timestamp($9::double precision / 1000)) ON CONFLICT DO NOTHING RETURNING 1), "
        "p AS (INSERT INTO points_ledger (user_id, points, reason) SELECT $3, $8, $10 FROM a "
        "  WHERE $8::int > 0 ON CONFLICT (reason) DO NOTHING), "
        "u AS (UPDATE users SET points_total = points_total + $8, "
        "  answers_total = answers_total + 1, answers_correct = answers_correct + $16, "
        "  best_streak = greatest(best_streak, $11), updated_at = now() "
        "  WHERE id = $3 AND EXISTS (SELECT 1 FROM a)), "
        "s AS (UPDATE play_sessions SET current_seq = $2 + 1, streak = $11, best_streak = $12, "
        "  points = $13, correct_count = $14 WHERE id = $1 AND EXISTS (SELECT 1 FROM a)), "
        "t AS (DELETE FROM timers WHERE kind = $21 AND payload = $15::jsonb "
        "  AND EXISTS (SELECT 1 FROM a)), "
        "e AS (INSERT INTO outbox (chat_id, method, params, owner, lease_until) "
        "  SELECT $17, 'editMessageText', $18::jsonb, $19, "
        "  now() + $20 * interval '1 millisecond' FROM a WHERE $18::text IS NOT NULL "
        "  RETURNING id) "
        "SELECT (SELECT id FROM e) FROM a" },
    /* $1 session, $2 seq, $3 chat, $4 sendMessage params, $5 owner, $6 lease ms,
     * $7 timer payload, $8 timer due in ms, $9 the timer's kind -> the outbox id */
    [MM_SQL_ASK] = { "ask", 9,
        "WITH o AS (INSERT INTO outbox (chat_id, method, params, owner, lease_until) "
        "  VALUES ($3, 'sendMessage', $4, $5, now() + $6 * interval '1 millisecond') "
        "  RETURNING id), "
        "q AS (UPDATE session_questions SET outbox_id = (SELECT id FROM o), asked_at = now() "
        "  WHERE session_id = $1 AND seq = $2), "
        "t AS (INSERT INTO timers (chat_id, kind, payload, due_at) VALUES ($3, $9, $7, "
        "  now() + $8 * interval '1 millisecond') ON CONFLICT (kind, payload) DO NOTHING) "
        "SELECT id FROM o" },
    [MM_SQL_QUESTIONS_EXPORT] = { "questions_export", 1,
        "SELECT row_to_json(x)::text FROM (SELECT topic, question, options, correct, "
        "explanation, sdi, source FROM questions WHERE status = 'active' "
        "AND ($1::text IS NULL OR topic = $1) AND source <> 'maze' ORDER BY id) x" },
    /* one report per player and question; the question is hidden once
     * $4 distinct players reported it (and no moderator approved it since) */
    [MM_SQL_REPORT] = { "report", 4,
        /* only the question of the presser's own run */
        "WITH q AS (SELECT sq.question_id FROM session_questions sq "
        "  JOIN play_sessions s ON s.id = sq.session_id "
        "  WHERE sq.session_id = $1 AND sq.seq = $2 AND s.user_id = $3), "
        "r AS (INSERT INTO question_reports (question_id, user_id) SELECT question_id, $3 FROM q "
        "  ON CONFLICT DO NOTHING RETURNING question_id), "
        "n AS (SELECT count(*) + (SELECT count(*) FROM r) AS c FROM question_reports "
        "  WHERE question_id = (SELECT question_id FROM q)), "
        "h AS (UPDATE questions SET status = 'hidden' WHERE id = (SELECT question_id FROM q) "
        "  AND status = 'active' AND (SELECT c FROM n) >= $4 RETURNING id) "
        "SELECT (SELECT count(*) FROM r), (SELECT c FROM n), (SELECT count(*) FROM h) FROM q" },
    [MM_SQL_REVIEW_LIST] = { "review_list", 0,
        "SELECT row_to_json(x)::text FROM (SELECT q.id, q.topic, q.question, q.options, "
        "q.correct, q.explanation, q.sdi, q.source, q.status, count(r.user_id) AS reports "
        "FROM questions q JOIN question_reports r ON r.question_id = q.id "
        "WHERE q.status <> 'rejected' GROUP BY q.id ORDER BY count(r.user_id) DESC, q.id) x" },
    /* approve: active again with its reports cleared; reject: never served */
    [MM_SQL_REVIEW_SET] = { "review_set", 2,
        "WITH u AS (UPDATE questions SET status = $2 WHERE id = $1 RETURNING id), "
        "d AS (DELETE FROM question_reports WHERE question_id = $1 AND $2 = 'active') "
        "SELECT id FROM u" },
    [MM_SQL_TOPIC_TEXTS] = { "topic_texts", 1,
        "SELECT id, question, content_hash FROM questions WHERE topic = $1 AND source <> 'maze' "
        "AND status <> 'rejected' ORDER BY id DESC" },
    /* few-shot items: the bank's own, of the topic first, nearest the SDI */
    [MM_SQL_EXAMPLES] = { "examples", 2,
        "SELECT json_build_object('question', question, 'options', options, 'correct_index', "
        "correct, 'explanation', explanation, 'sdi', sdi)::text FROM questions "
        "WHERE status = 'active' AND source <> 'maze' AND model IS NULL "
        "ORDER BY topic = $1 DESC, abs(sdi - $2::int), random() LIMIT 2" },
    /* --- the job queue: one table, a kind per handler (sched/mm_queue.h) --- */
    [MM_SQL_JOB_ADD] = { "job_add", 6,
        "INSERT INTO jobs (kind, user_id, chat_id, payload, dedupe, priority) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id" },
    /* the first open job of these kinds nobody holds (a dead worker's lease expires) */
    [MM_SQL_JOB_CLAIM] = { "job_claim", 3,
        "UPDATE jobs SET state = 'running', owner = $1, attempts = attempts + 1, "
        "lease_until = now() + $2 * interval '1 millisecond' WHERE id = ("
        "  SELECT id FROM jobs WHERE state IN ('queued', 'running') AND kind = ANY($3::text[]) "
        "  AND (state = 'queued' OR lease_until < now()) ORDER BY priority, id "
        "  FOR UPDATE SKIP LOCKED LIMIT 1) "
        "RETURNING id, kind, user_id, chat_id, payload::text, attempts" },
    [MM_SQL_JOB_EXTEND] = { "job_extend", 3,
        "UPDATE jobs SET lease_until = now() + $3 * interval '1 millisecond' "
        "WHERE id = $1 AND owner = $2 AND state = 'running'" },
    /* only the holder ends it; the end is announced in the job's chat by a timer */
    [MM_SQL_JOB_END] = { "job_end", 6,
        "WITH j AS (UPDATE jobs SET state = $3, result = $4::jsonb, error = $5, "
        "  finished_at = now() WHERE id = $1 AND owner = $2 AND state = 'running' "
        "  RETURNING id, chat_id) "
        "INSERT INTO timers (chat_id, kind, payload, due_at) SELECT chat_id, $6, "
        "  jsonb_build_object('job', id), now() FROM j WHERE chat_id IS NOT NULL "
        "  AND $6::text IS NOT NULL ON CONFLICT DO NOTHING RETURNING id" },
    /* a finished job's end, claimed for announcing in its own chat: once */
    [MM_SQL_JOB_ANNOUNCE] = { "job_announce", 3,
        "UPDATE jobs SET announced_at = now() WHERE id = $1 AND chat_id = $2 AND kind = $3 "
        "AND state IN ('done', 'failed') AND announced_at IS NULL "
        "RETURNING kind, state, coalesce(result::text, '{}'), coalesce(error, ''), user_id, "
        "chat_id, payload::text" },
    [MM_SQL_JOB_GET] = { "job_get", 1,
        "SELECT kind, state, coalesce(result::text, '{}'), coalesce(error, ''), user_id, chat_id, "
        "payload::text FROM jobs WHERE id = $1" },
    /* topics players asked the engine for, most played in the window first */
    [MM_SQL_TOPUP_TOPICS] = { "topup_topics", 2,
        "SELECT s.topic, round(avg(s.target_sdi))::int FROM play_sessions s "
        "WHERE s.started_at > now() - $1 * interval '1 second' AND EXISTS (SELECT 1 FROM "
        "jobs j WHERE j.kind = 'generate' AND j.payload->>'topic' = s.topic) "
        /* a top-up that failed is not tried again for an hour */
        "AND NOT EXISTS (SELECT 1 FROM jobs f WHERE f.kind = 'generate' "
        "AND f.payload->>'topic' = s.topic AND f.user_id IS NULL AND f.state = 'failed' "
        "AND f.finished_at > now() - interval '1 hour') "
        "GROUP BY s.topic ORDER BY count(*) DESC LIMIT $2" },
    [MM_SQL_TOPIC_STOCK] = { "topic_stock", 1,
        "SELECT count(*) FROM questions WHERE topic = $1 AND status = 'active'" },
    [MM_SQL_CALIBRATE_READ] = { "calibrate_read", 2,
        "SELECT q.id, q.sdi_prior, q.sdi, count(*), avg(a.correct::int), "
        "percentile_disc(0.5) WITHIN GROUP (ORDER BY a.elapsed_ms) "
        "FROM answers a JOIN questions q ON q.id = a.question_id "
        "WHERE a.question_id IN (SELECT DISTINCT question_id FROM answers "
        "  WHERE received_at > now() - $1 * interval '1 second') AND q.source <> 'maze' "
        "GROUP BY q.id HAVING count(*) >= $2" },
    [MM_SQL_CALIBRATE_SET] = { "calibrate_set", 5,
        "UPDATE questions SET sdi = $2, plays = $3, correct_rate = $4, median_ms = $5 "
        "WHERE id = $1" },
    /* --- wallets in the bot (bot/mm_wallet.c, chain/mm_chain_jobs.c) --- */
    [MM_SQL_WALLET_GET] = { "wallet_get", 1,
        "SELECT state, account_id, public_key, sealed_key FROM wallets "
        "WHERE telegram_user_id = $1" },
    [MM_SQL_WALLET_ADD] = { "wallet_add", 4,
        "INSERT INTO wallets (telegram_user_id, account_id, public_key, sealed_key) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING" },
    [MM_SQL_WALLET_ACTIVE] = { "wallet_active", 2,
        "UPDATE wallets SET state = 'active', create_tx_hash = coalesce($2, create_tx_hash), "
        "updated_at = now() WHERE telegram_user_id = $1" },
    [MM_SQL_WALLET_HISTORY] = { "wallet_history", 2,
        "SELECT CASE WHEN signer_id = $1 THEN 'out' ELSE 'in' END, token, amount::text, "
        "CASE WHEN signer_id = $1 THEN recipient ELSE purpose END, state, coalesce(tx_hash, ''), "
        "to_char(created_at, 'YYYY-MM-DD') FROM payouts WHERE recipient = $1 OR signer_id = $1 "
        "ORDER BY id DESC LIMIT $2" },
    /* a new request replaces one still awaiting confirmation; at most $9 a day */
    [MM_SQL_WITHDRAW_ADD] = { "withdraw_add", 9,
        "WITH c AS (UPDATE withdrawals SET state = 'cancelled' WHERE user_id = $1 "
        "  AND state = 'awaiting'), "
        "n AS (SELECT count(*) AS c FROM withdrawals WHERE user_id = $1 AND state = 'confirmed' "
        "  AND created_at > now() - interval '1 day') "
        "INSERT INTO withdrawals (user_id, chat_id, account_id, recipient, token, amount, shown, "
        "nonce) SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM n WHERE n.c < $9 RETURNING id" },
    /* confirmed once, within 5 minutes, by the player who asked: the payout
     * from their wallet and the job that sends it, in the same statement */
    [MM_SQL_WITHDRAW_CONFIRM] = { "withdraw_confirm", 3,
        "WITH w AS (UPDATE withdrawals SET state = 'confirmed' WHERE id = $1 AND user_id = $2 "
        "  AND nonce = $3 AND state = 'awaiting' AND created_at > now() - interval '5 minutes' "
        "  RETURNING id, user_id, chat_id, account_id, recipient, token, amount, shown), "
        "p AS (INSERT INTO payouts (purpose, recipient, token, amount, signer_id) "
        "  SELECT 'withdraw:' || id, recipient, token, amount, account_id FROM w RETURNING id), "
        "j AS (INSERT INTO jobs (kind, user_id, chat_id, payload) "
        "  SELECT 'withdraw', user_id, chat_id, jsonb_build_object('withdrawal', w.id, "
        "  'payout', (SELECT id FROM p)) FROM w) "
        "SELECT id, shown, recipient FROM w" },
    [MM_SQL_WITHDRAW_CANCEL] = { "withdraw_cancel", 3,
        "UPDATE withdrawals SET state = 'cancelled' WHERE id = $1 AND user_id = $2 "
        "AND nonce = $3 AND state = 'awaiting' RETURNING id" },
    [MM_SQL_WITHDRAW_KEY] = { "withdraw_key", 1,
        "SELECT k.account_id, k.sealed_key FROM payouts p JOIN wallets k "
        "ON k.account_id = p.signer_id WHERE p.id = $1 AND k.state = 'active'" },
    [MM_SQL_PAYOUT_GET] = { "payout_get", 1,
        "SELECT state, coalesce(tx_hash, ''), coalesce(last_error, ''), recipient, token, "
        "amount::text FROM payouts WHERE id = $1" },
    [MM_SQL_WITHDRAW_STALLED] = { "withdraw_stalled", 0,
        "SELECT id FROM payouts WHERE signer_id IS NOT NULL AND state IN ('pending', 'signed') "
        "AND updated_at < now() - interval '1 minute' AND next_attempt_at <= now() "
        "ORDER BY next_attempt_at, id LIMIT 20" },
    /* --- the payout ledger: one row per (purpose, recipient, token) --- */
    /* the existing row wins: the same reward is recorded once */
    [MM_SQL_PAYOUT_ADD] = { "payout_add", 4,
        "WITH ins AS (INSERT INTO payouts (purpose, recipient, token, amount) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (purpose, recipient, token) DO NOTHING "
        "RETURNING id) "
        "SELECT id FROM ins UNION ALL SELECT id FROM payouts "
        "WHERE purpose = $1 AND recipient = $2 AND token = $3 LIMIT 1" },
    /* stored before the transaction can be sent (mm_near_pay's hook) */
    [MM_SQL_PAYOUT_SIGNED] = { "payout_signed", 4,
        "UPDATE payouts SET state = 'signed', tx_hash = $2, signed_tx = $3, nonce = $4, "
        "attempts = attempts + 1, updated_at = now() "
        "WHERE id = $1 AND state IN ('pending', 'signed')" },
    [MM_SQL_PAYOUT_PAID] = { "payout_paid", 1,
        "UPDATE payouts SET state = 'paid', last_error = NULL, updated_at = now() WHERE id = $1" },
    [MM_SQL_PAYOUT_FAILED] = { "payout_failed", 2,
        "UPDATE payouts SET state = 'failed', last_error = $2, updated_at = now() WHERE id = $1" },
    [MM_SQL_PAYOUT_RESIGN] = { "payout_resign", 2,
        "UPDATE payouts SET state = 'pending', tx_hash = NULL, signed_tx = NULL, nonce = NULL, "
        "last_error = $2, updated_at = now() WHERE id = $1" },
    /* still unsettled: behind the others, later each time (1 .. 32 minutes) */
    [MM_SQL_PAYOUT_NOTE] = { "payout_note", 2,
        "UPDATE payouts SET last_error = $2, updated_at = now(), unsettled = unsettled + 1, "
        "next_attempt_at = now() + interval '1 minute' * power(2, least(unsettled, 5)) "
        "WHERE id = $1" },
    [MM_SQL_PAYOUT_TO_PAY] = { "payout_to_pay", 1,
        "SELECT state, recipient, token, amount::text, tx_hash, signed_tx, attempts "
        "FROM payouts WHERE id = $1 AND state IN ('pending', 'signed')" },
    [MM_SQL_PAYOUT_ATTEMPTS] = { "payout_attempts", 1,
        "SELECT attempts, state FROM payouts WHERE id = $1" },
    /* the operator's payouts; a player's withdrawal is signed with their key */
    [MM_SQL_PAYOUTS_UNPAID] = { "payouts_unpaid", 0,
        "SELECT id FROM payouts WHERE state IN ('pending', 'signed') "
        "AND signer_id IS NULL ORDER BY next_attempt_at, id" },
    /* a session lock: it dies with a crashed worker's connection */
    [MM_SQL_PAYOUT_LOCK] = { "payout_lock", 1,
        "SELECT pg_try_advisory_lock(726172, $1::integer)" },
    [MM_SQL_PAYOUT_UNLOCK] = { "payout_unlock", 1,
        "SELECT pg_advisory_unlock(726172, $1::integer)" },
    /* credited once: the transaction hash is the key */
    [MM_SQL_DEPOSIT_ADD] = { "deposit_add", 5,
        "INSERT INTO deposits (tx_hash, telegram_user_id, signer_id, token, amount) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING" },
    /* --- the sender's leases, the maintenance's prune --- */
    /* replies a live sender holds (queued behind flood limits, or in flight) keep their
     * lease, so no sweep takes them while they wait */
    [MM_SQL_OUTBOX_RENEW] = { "outbox_renew", 3,
        "UPDATE outbox SET lease_until = now() + $3 * interval '1 millisecond' "
        "WHERE id = ANY($1::bigint[]) AND owner = $2 AND sent_at IS NULL AND failed_at IS NULL "
        "RETURNING id" },
    /* one batch per statement, so no lock is long */
    [MM_SQL_PRUNE_PROCESSED] = { "prune_processed", 2,
        "DELETE FROM processed_updates WHERE update_id IN (SELECT update_id "
        "FROM processed_updates WHERE processed_at < now() - $1 * interval '1 hour' LIMIT $2)" },
    [MM_SQL_PRUNE_OUTBOX] = { "prune_outbox", 2,
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox "
        "WHERE (sent_at IS NOT NULL OR failed_at IS NOT NULL) "
        "AND coalesce(sent_at, failed_at) < now() - $1 * interval '1 day' LIMIT $2)" },
    [MM_SQL_PRUNE_JOBS] = { "prune_jobs", 2,
        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ('done', 'failed') "
        "AND finished_at < now() - $1 * interval '1 day' LIMIT $2)" },
    /* payouts rows are never deleted: only the bytes nothing will send again */
    [MM_SQL_PRUNE_SIGNED_TX] = { "prune_signed_tx", 2,
        "UPDATE payouts SET signed_tx = NULL WHERE id IN (SELECT id FROM payouts "
        "WHERE signed_tx IS NOT NULL AND state IN ('paid', 'failed') "
        "AND updated_at < now() - $1 * interval '1 day' LIMIT $2)" },
};
