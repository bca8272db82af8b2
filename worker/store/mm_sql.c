/*
 * The catalog: every statement the worker runs, named once, with the number
 * of parameters it takes.  Parameters are listed in mm_sql.h; the columns of
 * statements that return several are named there too.
 */

#include "store/mm_sql.h"

/* A quiz with its group, creator, card and counts (MM_QUIZ_* of mm_sql.h) */
#define MM_QUIZ_COLS \
    "z.id, z.chat_id, z.creator_id, z.topic, z.notes, z.question_count, z.seconds, " \
    "coalesce(z.start_delay_s, 0), z.duration_s, " \
    "coalesce((extract(epoch FROM z.starts_at) * 1000)::bigint, 0), " \
    "coalesce((extract(epoch FROM z.ends_at) * 1000)::bigint, 0), z.status, " \
    "coalesce(z.card_message_id, o.tg_message_id, 0), coalesce(g.title, ''), " \
    "(SELECT count(*) FROM play_sessions p WHERE p.quiz_id = z.id), coalesce(z.error, ''), " \
    "coalesce(u.first_name, ''), " \
    "(SELECT count(*) FROM quiz_questions qq WHERE qq.quiz_id = z.id), z.card_pinned, " \
    "coalesce(g.can_pin, false), coalesce(z.prize_token, ''), coalesce(z.prize_symbol, ''), " \
    "coalesce(z.prize_decimals, 0), coalesce(z.prize_amount::text, ''), " \
    "coalesce(z.prize_split::text, '[]'), z.fee_amount::text, z.members_only, " \
    "coalesce((SELECT o.tg_message_id FROM outbox o WHERE o.id = z.results_message), 0), " \
    "coalesce(z.split_name, '') " \
    "FROM quizzes z LEFT JOIN groups g ON g.chat_id = z.chat_id " \
    "LEFT JOIN users u ON u.id = z.creator_id LEFT JOIN outbox o ON o.id = z.card_outbox_id"

/* The columns of a run (practice, or a quiz attempt with its quiz z), in
 * the order of mm_sql.h's MM_SESSION_* */
#define MM_SESSION_COLS \
    "s.id, s.topic, s.target_sdi, s.question_count, s.current_seq, s.streak, s.best_streak, " \
    "s.points, s.correct_count, s.user_id, s.state, coalesce(s.quiz_id, 0), " \
    "coalesce(s.seconds, 0), coalesce((extract(epoch FROM z.ends_at) * 1000)::bigint, 0)"

/* A player's place in a quiz's ranking (MM_RESULT_*) */
#define MM_RESULT_COLS \
    "coalesce(r.rank, 0), r.user_id, coalesce(u.first_name, ''), r.correct, r.answered, " \
    "r.took_ms, r.flagged, coalesce((extract(epoch FROM r.first_correct_at) * 1000)::bigint, 0) " \
    "FROM quiz_results r LEFT JOIN users u ON u.id = r.user_id"

/* The operator's unfinished payouts (a player's withdrawal is signed with
 * their key); a prize waits for its winner's wallet to be active on chain.
 * Shared by payouts run (PAYOUTS_UNPAID) and the worker's payer (PAYER_DUE). */
#define MM_SQL_UNPAID_WHERE                                                                 \
    "state IN ('pending', 'signed') AND signer_id IS NULL "                                 \
    "AND (recipient_user IS NULL OR EXISTS (SELECT 1 FROM wallets w "                       \
    "  WHERE w.telegram_user_id = p.recipient_user AND w.state = 'active'))"

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
        "SELECT " MM_SESSION_COLS " FROM play_sessions s LEFT JOIN quizzes z ON z.id = s.quiz_id "
        "WHERE s.user_id = $1 AND s.state = 'active' FOR UPDATE OF s" },
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
        "SELECT count(*) FROM jobs WHERE kind IN ('generate', 'quiz') "
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
    /* a reply's lease runs from its insert (clock_timestamp), not from its
     * transaction's start: a long transaction must not hand the sender a
     * lease already spent (the sender counts it from when it gets the row) */
    [MM_SQL_OUTBOX_ADD] = { "outbox_add", 5,
        "INSERT INTO outbox (chat_id, method, params, owner, lease_until) "
        "VALUES ($1, $2, $3, $4, clock_timestamp() + $5 * interval '1 millisecond') "
        "RETURNING id" },
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
    /* fired: due again in $2 s unless its handler's transaction takes it */
    [MM_SQL_TIMERS_FIRED] = { "timers_fired", 2,
        "UPDATE timers SET due_at = now() + $2 * interval '1 second' "
        "WHERE id = ANY($1::bigint[])" },
    /* in the handler's transaction: undone if the handler fails */
    [MM_SQL_TIMER_TAKE] = { "timer_take", 1,
        "DELETE FROM timers WHERE id = $1" },
    [MM_SQL_BOARD_ALL] = { "board_all", 0,
        "SELECT id, points_total FROM users WHERE points_total > 0" },
    [MM_SQL_BOARD_WEEK] = { "board_week", 0,
        "SELECT user_id, sum(points) FROM points_ledger "
        "WHERE created_at >= date_trunc('week', now()) GROUP BY user_id "
        "HAVING sum(points) > 0" },
    [MM_SQL_USER_NAMES] = { "user_names", 1,
        "SELECT id, first_name, username FROM users WHERE id = ANY($1::bigint[])" },
    [MM_SQL_TURN_GET] = { "turn_get", 2,
        "SELECT " MM_SESSION_COLS ", q.question, q.options, q.correct, q.explanation, q.sdi, "
        "sq.perm, sq.nonce, "
        "o.tg_message_id, (extract(epoch FROM coalesce(o.sent_at, sq.asked_at)) * 1000)::bigint, "
        "q.id FROM play_sessions s LEFT JOIN quizzes z ON z.id = s.quiz_id "
        "JOIN session_questions sq ON sq.session_id = s.id AND sq.seq = $2 "
        "JOIN questions q ON q.id = sq.question_id LEFT JOIN outbox o ON o.id = sq.outbox_id "
        "WHERE s.id = $1 FOR UPDATE OF s" },
    /* $1 session, $2 seq, $3 user, $4 question, $5 chosen, $6 correct, $7 elapsed ms,
     * $8 points, $9 received ms, $10 reason, $11 streak, $12 best streak, $13 run points,
     * $14 run correct, $15 timer payload, $16 correct as 0/1, $17 chat, $18 feedback
     * editMessageText params or NULL, $19 owner, $20 lease ms, $21 the timer's kind, $22 the
     * answer was faster than a person can read (it flags the run) -> one row (the feedback's
     * outbox id) if the answer is new.  One statement: the answer, its points, the
     * player's totals, the run, the timer and the feedback. */
    [MM_SQL_SETTLE] = { "settle", 22,
        "WITH a AS (INSERT INTO answers (session_id, seq, user_id, question_id, chosen, correct, "
        "  elapsed_ms, points, received_at, fast) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "  to_timestamp($9::double precision / 1000), $22) ON CONFLICT DO NOTHING RETURNING 1), "
        "p AS (INSERT INTO points_ledger (user_id, points, reason) SELECT $3, $8, $10 FROM a "
        "  WHERE $8::int > 0 ON CONFLICT (reason) DO NOTHING), "
        "u AS (UPDATE users SET points_total = points_total + $8, "
        "  answers_total = answers_total + 1, answers_correct = answers_correct + $16, "
        "  best_streak = greatest(best_streak, $11), updated_at = now() "
        "  WHERE id = $3 AND EXISTS (SELECT 1 FROM a)), "
        "s AS (UPDATE play_sessions SET current_seq = $2 + 1, streak = $11, best_streak = $12, "
        "  points = $13, correct_count = $14, flagged = flagged OR $22 "
        "  WHERE id = $1 AND EXISTS (SELECT 1 FROM a)), "
        "t AS (DELETE FROM timers WHERE kind = $21 AND payload = $15::jsonb "
        "  AND EXISTS (SELECT 1 FROM a)), "
        "e AS (INSERT INTO outbox (chat_id, method, params, owner, lease_until) "
        "  SELECT $17, 'editMessageText', $18::jsonb, $19, "
        "  clock_timestamp() + $20 * interval '1 millisecond' FROM a WHERE $18::text IS NOT NULL "
        "  RETURNING id) "
        "SELECT (SELECT id FROM e) FROM a" },
    /* $1 session, $2 seq, $3 chat, $4 sendMessage params, $5 owner, $6 lease ms,
     * $7 timer payload, $8 timer due in ms, $9 the timer's kind -> the outbox id */
    [MM_SQL_ASK] = { "ask", 9,
        "WITH o AS (INSERT INTO outbox (chat_id, method, params, owner, lease_until) "
        "  VALUES ($3, 'sendMessage', $4, $5, clock_timestamp() + $6 * interval '1 millisecond') "
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
    /* final: told to the row's chat, if it has one, by a timer of kind $2 ($3) */
    [MM_SQL_PAYOUT_PAID] = { "payout_paid", 2,
        "WITH u AS (UPDATE payouts SET state = 'paid', last_error = NULL, updated_at = now() "
        "  WHERE id = $1 RETURNING id, notify_chat) "
        "INSERT INTO timers (chat_id, kind, payload, due_at) SELECT notify_chat, $2, "
        "jsonb_build_object('payout', id), now() FROM u WHERE notify_chat IS NOT NULL "
        "ON CONFLICT DO NOTHING" },
    [MM_SQL_PAYOUT_FAILED] = { "payout_failed", 3,
        "WITH u AS (UPDATE payouts SET state = 'failed', last_error = $2, updated_at = now() "
        "  WHERE id = $1 RETURNING id, notify_chat) "
        "INSERT INTO timers (chat_id, kind, payload, due_at) SELECT notify_chat, $3, "
        "jsonb_build_object('payout', id), now() FROM u WHERE notify_chat IS NOT NULL "
        "ON CONFLICT DO NOTHING" },
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
    /* (a prize waits for its winner's wallet to be active on chain) */
    [MM_SQL_PAYOUTS_UNPAID] = { "payouts_unpaid", 0,
        "SELECT id FROM payouts p WHERE " MM_SQL_UNPAID_WHERE " ORDER BY next_attempt_at, id" },
    /* a session lock: it dies with a crashed worker's connection (ids past 2^31
     * share a key with one 2^31 lower: a row then waits, never fails) */
    [MM_SQL_PAYOUT_LOCK] = { "payout_lock", 1,
        "SELECT pg_try_advisory_lock(726172, ($1::bigint & 2147483647)::integer)" },
    [MM_SQL_PAYOUT_UNLOCK] = { "payout_unlock", 1,
        "SELECT pg_advisory_unlock(726172, ($1::bigint & 2147483647)::integer)" },
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
    /* --- groups, the wizard, group quizzes --- */
    /* -> the bot's status before (left when the group is new) */
    [MM_SQL_GROUP_SEEN] = { "group_seen", 5,
        "WITH old AS (SELECT bot_status FROM groups WHERE chat_id = $1) "
        "INSERT INTO groups (chat_id, title, type, bot_status, can_pin) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (chat_id) DO UPDATE "
        "SET title = EXCLUDED.title, type = EXCLUDED.type, bot_status = EXCLUDED.bot_status, "
        "can_pin = EXCLUDED.can_pin, updated_at = now() "
        "RETURNING coalesce((SELECT bot_status FROM old), 'left')" },
    /* a group's message: the bot is in it (a group from before it kept groups) */
    [MM_SQL_GROUP_TOUCH] = { "group_touch", 3,
        "INSERT INTO groups (chat_id, title, type, bot_status) VALUES ($1, $2, $3, 'member') "
        "ON CONFLICT (chat_id) DO UPDATE SET title = EXCLUDED.title, type = EXCLUDED.type, "
        "bot_status = CASE WHEN groups.bot_status IN ('left', 'kicked') THEN 'member' "
        "  ELSE groups.bot_status END, updated_at = now() "
        "WHERE groups.title <> EXCLUDED.title OR groups.bot_status IN ('left', 'kicked')" },
    [MM_SQL_GROUP_GET] = { "group_get", 1,
        "SELECT title, type, bot_status, can_pin, "
        "coalesce(admins_at > now() - interval '10 minutes', false), admins_at "
        "FROM groups WHERE chat_id = $1" },
    /* the admin list as getChatAdministrators gave it, and when */
    [MM_SQL_GROUP_ADMINS_SET] = { "group_admins_set", 2,
        "WITH d AS (DELETE FROM group_admins WHERE chat_id = $1 "
        "  AND NOT (user_id = ANY($2::bigint[]))), "
        "i AS (INSERT INTO group_admins (chat_id, user_id) SELECT $1, unnest($2::bigint[]) "
        "  WHERE EXISTS (SELECT 1 FROM groups WHERE chat_id = $1) ON CONFLICT DO NOTHING) "
        "UPDATE groups SET admins_at = now() WHERE chat_id = $1" },
    /* a row when this is the first time */
    [MM_SQL_NOTICE_ONCE] = { "notice_once", 3,
        "INSERT INTO group_notices (chat_id, user_id, what) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING" },
    [MM_SQL_GROUP_IS_ADMIN] = { "group_is_admin", 2,
        "SELECT 1 FROM group_admins WHERE chat_id = $1 AND user_id = $2" },
    /* groups the bot is in, with whether the user is (as far as we know) an admin */
    /* groups where $1 is an admin, or may be (the list is old, read again):
     * a fresh list without them rules a group out before the limit */
    [MM_SQL_GROUPS_FOR] = { "groups_for", 1,
        "SELECT chat_id, title, fresh, admin FROM (SELECT g.chat_id, g.title, "
        "  coalesce(g.admins_at > now() - interval '10 minutes', false) AS fresh, "
        "  EXISTS (SELECT 1 FROM group_admins a WHERE a.chat_id = g.chat_id "
        "    AND a.user_id = $1) AS admin "
        "  FROM groups g WHERE g.bot_status IN ('member', 'administrator') "
        "  AND g.type IN ('group', 'supergroup')) g "
        "WHERE admin OR NOT fresh ORDER BY admin DESC, title, chat_id LIMIT 20" },
    [MM_SQL_WIZARD_GET] = { "wizard_get", 1,
        "SELECT w.chat_id, w.step, w.data::text, w.nonce, coalesce(w.quiz_id, 0), "
        "coalesce(g.title, '') FROM wizards w LEFT JOIN groups g ON g.chat_id = w.chat_id "
        "WHERE w.user_id = $1 AND w.updated_at > now() - interval '1 day' FOR UPDATE OF w" },
    [MM_SQL_WIZARD_SET] = { "wizard_set", 6,
        "INSERT INTO wizards (user_id, chat_id, step, data, nonce, quiz_id) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE "
        "SET chat_id = EXCLUDED.chat_id, step = EXCLUDED.step, data = EXCLUDED.data, "
        "nonce = EXCLUDED.nonce, quiz_id = EXCLUDED.quiz_id, updated_at = now()" },
    [MM_SQL_WIZARD_DROP] = { "wizard_drop", 1,
        "DELETE FROM wizards WHERE user_id = $1" },
    /* quizzes announced in the last hour, and how long until one more may be:
     * an hour after the oldest of them, and 10 minutes after the newest */
    [MM_SQL_QUIZ_RATE] = { "quiz_rate", 1,
        "SELECT count(*), coalesce(ceil(extract(epoch FROM greatest("
        "  min(announced_at) + interval '1 hour', max(announced_at) + interval '10 minutes') "
        "  - now()))::int, 0) "
        "FROM quizzes WHERE creator_id = $1 AND announced_at > now() - interval '1 hour'" },
    /* $1 group, $2 creator, $3 topic, $4 notes, $5 questions, $6 seconds each,
     * $7 start this many seconds after it is announced (NULL: at $9), $8 open
     * for seconds, $9 start ms or NULL, $10 end ms (NULL: $8 after the start) */
    [MM_SQL_QUIZ_DRAFT] = { "quiz_draft", 10,
        "INSERT INTO quizzes (chat_id, creator_id, topic, notes, question_count, seconds, "
        "start_delay_s, duration_s, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "to_timestamp($9::double precision / 1000), to_timestamp($10::double precision / 1000)) "
        "RETURNING id" },
    [MM_SQL_QUIZ_GET] = { "quiz_get", 1, "SELECT " MM_QUIZ_COLS " WHERE z.id = $1" },
    [MM_SQL_QUIZ_LOCK] = { "quiz_lock", 1,
        "SELECT " MM_QUIZ_COLS " WHERE z.id = $1 FOR UPDATE OF z" },
    /* the questions, frozen; the count is what could be made */
    [MM_SQL_QUIZ_QUESTIONS_SET] = { "quiz_questions_set", 2,
        "WITH i AS (INSERT INTO quiz_questions (quiz_id, seq, question_id) "
        "  SELECT $1, n, id FROM unnest($2::bigint[]) WITH ORDINALITY AS t(id, n) "
        "  ON CONFLICT DO NOTHING) "
        "UPDATE quizzes SET question_count = cardinality($2::bigint[]) "
        "WHERE id = $1 AND status = 'draft'" },
    [MM_SQL_QUIZ_QUESTIONS] = { "quiz_questions", 1,
        "SELECT qq.seq, q.id, q.question, q.options[q.correct + 1], q.explanation "
        "FROM quiz_questions qq JOIN questions q ON q.id = qq.question_id "
        "WHERE qq.quiz_id = $1 ORDER BY qq.seq" },
    /* a draft with questions (a paid one: funded, its pool's row paid) goes
     * live: its times fixed (a delay counts from now), its start (if later),
     * end and card timers armed ($2, $3, $4 their kinds), its funding's
     * expiry ($5) gone */
    [MM_SQL_QUIZ_ANNOUNCE] = { "quiz_announce", 5,
        "WITH t AS (SELECT id, coalesce(starts_at, now() + coalesce(start_delay_s, 0) "
        "  * interval '1 second') AS s FROM quizzes q WHERE id = $1 "
        "  AND ((status = 'draft' AND prize_token IS NULL) OR (status = 'funding' AND EXISTS "
        "    (SELECT 1 FROM payouts f WHERE f.id = q.funding_payout_id AND f.state = 'paid'))) "
        "  AND EXISTS (SELECT 1 FROM quiz_questions qq WHERE qq.quiz_id = $1)), "
        "x AS (DELETE FROM timers WHERE kind = $5 "
        "  AND payload = jsonb_build_object('quiz', $1::bigint) AND EXISTS (SELECT 1 FROM t)), "
        "z AS (UPDATE quizzes q SET starts_at = greatest(t.s, now()), "
        "  ends_at = coalesce(q.ends_at, "
        "    greatest(t.s, now()) + q.duration_s * interval '1 second'), "
        "  status = CASE WHEN t.s > now() THEN 'scheduled' ELSE 'active' END, "
        "  started_at = CASE WHEN t.s > now() THEN NULL ELSE now() END, "
        "  announced_at = now() FROM t WHERE q.id = t.id "
        "  RETURNING q.id, q.chat_id, q.starts_at, q.ends_at, q.status), "
        "s AS (INSERT INTO timers (chat_id, kind, payload, due_at) SELECT chat_id, $2, "
        "  jsonb_build_object('quiz', id), starts_at FROM z WHERE status = 'scheduled' "
        "  ON CONFLICT DO NOTHING), "
        "e AS (INSERT INTO timers (chat_id, kind, payload, due_at) SELECT chat_id, $3, "
        "  jsonb_build_object('quiz', id), ends_at FROM z ON CONFLICT DO NOTHING), "
        "c AS (INSERT INTO timers (chat_id, kind, payload, due_at) SELECT chat_id, $4, "
        "  jsonb_build_object('quiz', id), now() + interval '2 seconds' FROM z "
        "  ON CONFLICT DO NOTHING) "
        "SELECT status FROM z" },
    [MM_SQL_QUIZ_CARD_SENT] = { "quiz_card_sent", 4,
        "UPDATE quizzes SET card_outbox_id = $2, card_edited_at = now(), card_players = $3, "
        "card_status = $4 WHERE id = $1" },
    /* the card's message (0 until sent), whether its send failed for good,
     * and whether it may be edited now (not in the last 30 s: group limits) */
    [MM_SQL_QUIZ_CARD_STATE] = { "quiz_card_state", 1,
        "SELECT coalesce(o.tg_message_id, 0), o.failed_at IS NOT NULL, "
        "z.card_edited_at IS NULL OR z.card_edited_at < now() - interval '30 seconds', "
        "coalesce(z.card_players, -1), coalesce(z.card_status, '') "
        "FROM quizzes z LEFT JOIN outbox o ON o.id = z.card_outbox_id WHERE z.id = $1" },
    [MM_SQL_QUIZ_CARD_EDITED] = { "quiz_card_edited", 4,
        "UPDATE quizzes SET card_edited_at = now(), card_message_id = $2, card_players = $3, "
        "card_status = $4 WHERE id = $1" },
    /* a card update $3 ms from now at the soonest, and not within 30 s of
     * the last; one pending at a time */
    [MM_SQL_QUIZ_CARD_LATER] = { "quiz_card_later", 3,
        "INSERT INTO timers (chat_id, kind, payload, due_at) SELECT chat_id, $2, "
        "jsonb_build_object('quiz', id), greatest(now() + $3 * interval '1 millisecond', "
        "  card_edited_at + interval '30 seconds') FROM quizzes WHERE id = $1 "
        "ON CONFLICT DO NOTHING" },
    [MM_SQL_QUIZ_PINNED] = { "quiz_pinned", 1,
        "UPDATE quizzes SET card_pinned = true WHERE id = $1" },
    [MM_SQL_QUIZ_OPEN] = { "quiz_open", 1,
        "UPDATE quizzes SET status = 'active', started_at = now() "
        "WHERE id = $1 AND status = 'scheduled' RETURNING id" },
    [MM_SQL_QUIZ_CANCEL] = { "quiz_cancel", 2,
        "WITH z AS (UPDATE quizzes SET status = 'cancelled', cancelled_at = now(), error = $2 "
        "  WHERE id = $1 AND status IN ('draft', 'funding', 'scheduled') RETURNING id), "
        "t AS (DELETE FROM timers WHERE payload = jsonb_build_object('quiz', $1::bigint) "
        "  AND EXISTS (SELECT 1 FROM z)) "
        "SELECT id FROM z" },
    /* one attempt per player, by the key; only while the quiz is open (its row
     * shared-locked: an end committing meanwhile is seen, and one starting
     * later finds the attempt and closes it) */
    [MM_SQL_QUIZ_ATTEMPT] = { "quiz_attempt", 3,
        "INSERT INTO play_sessions (user_id, chat_id, mode, topic, target_sdi, question_count, "
        "quiz_id, seconds) SELECT $2, $3, 'quiz', z.topic, 0, z.question_count, z.id, z.seconds "
        "FROM quizzes z WHERE z.id = $1 AND z.status = 'active' AND z.ends_at > now() "
        "FOR SHARE OF z ON CONFLICT DO NOTHING RETURNING id" },
    [MM_SQL_QUIZ_ATTEMPT_OF] = { "quiz_attempt_of", 2,
        "SELECT id, state FROM play_sessions WHERE quiz_id = $1 AND user_id = $2" },
    /* the attempts still open when the quiz ends: closed, their timers gone */
    [MM_SQL_QUIZ_CLOSE_RUNS] = { "quiz_close_runs", 2,
        "WITH s AS (UPDATE play_sessions SET state = 'expired', finished_at = now() "
        "  WHERE quiz_id = $1 AND state = 'active' RETURNING id), "
        "t AS (DELETE FROM timers WHERE kind = $2 "
        "  AND (payload->>'session')::bigint IN (SELECT id FROM s)) "
        "SELECT count(*) FROM s" },
    /* the ranking: correct answers, then the first correct answer's server
     * time, then the first answer's, then who started first; no correct
     * answer: listed, unranked */
    [MM_SQL_QUIZ_RANK] = { "quiz_rank", 1,
        "WITH a AS (SELECT s.id AS session_id, s.user_id, s.flagged, s.started_at, "
        "  coalesce(max(an.received_at), s.started_at) AS last_at, "
        "  count(*) FILTER (WHERE an.correct) AS correct, count(an.chosen) AS answered, "
        "  min(an.received_at) FILTER (WHERE an.correct) AS first_correct_at, "
        "  min(an.received_at) FILTER (WHERE an.chosen IS NOT NULL) AS first_answer_at "
        "  FROM play_sessions s LEFT JOIN answers an ON an.session_id = s.id "
        "  WHERE s.quiz_id = $1 GROUP BY s.id) "
        "INSERT INTO quiz_results (quiz_id, user_id, session_id, correct, answered, "
        "first_correct_at, first_answer_at, took_ms, flagged, rank) "
        "SELECT $1, user_id, session_id, correct, answered, first_correct_at, first_answer_at, "
        "(extract(epoch FROM last_at - started_at) * 1000)::bigint, flagged, "
        "CASE WHEN correct > 0 THEN row_number() OVER (ORDER BY correct DESC, "
        "first_correct_at NULLS LAST, first_answer_at NULLS LAST, session_id) END FROM a "
        "ON CONFLICT DO NOTHING" },
    /* points as the original gave them, once each by reason: +5 a correct
     * answer, +3 a player's first correct one, the creator +2 a player and +1
     * a correct answer; they count on the group's boards */
    [MM_SQL_QUIZ_POINTS] = { "quiz_points", 1,
        "WITH z AS (SELECT id, chat_id, creator_id FROM quizzes WHERE id = $1), "
        "c AS (SELECT a.session_id, a.seq, a.user_id FROM answers a "
        "  JOIN play_sessions s ON s.id = a.session_id WHERE s.quiz_id = $1 AND a.correct), "
        "r AS (SELECT user_id FROM quiz_results WHERE quiz_id = $1), "
        "p AS (SELECT user_id, 5 AS points, 'correct:' || session_id || ':' || seq AS why FROM c "
        "  UNION ALL SELECT DISTINCT user_id, 3, 'first:' || user_id FROM c "
        "  UNION ALL SELECT z.creator_id, 2, 'player:' || r.user_id FROM r, z "
        "  UNION ALL SELECT z.creator_id, 1, 'creator:' || session_id || ':' || seq FROM c, z), "
        "ins AS (INSERT INTO points_ledger (user_id, points, reason, group_id) "
        "  SELECT p.user_id, p.points, 'quiz:' || $1::bigint || ':' || p.why, z.chat_id FROM p, z "
        "  ON CONFLICT (reason) DO NOTHING RETURNING user_id, points, reason) "
        "UPDATE users u SET points_total = u.points_total + t.p, "
        "answers_correct = u.answers_correct + t.n, updated_at = now() "
        "FROM (SELECT user_id, sum(points) AS p, "
        "  count(*) FILTER (WHERE reason LIKE 'quiz:%:correct:%') AS n "
        "  FROM ins GROUP BY user_id) t "
        "WHERE u.id = t.user_id" },
    [MM_SQL_QUIZ_ENDED] = { "quiz_ended", 2,
        "UPDATE quizzes SET status = $2, ended_at = now(), "
        "closed_at = CASE WHEN $2 = 'closed' THEN now() END WHERE id = $1" },
    [MM_SQL_QUIZ_RESULTS] = { "quiz_results", 2,
        "SELECT " MM_RESULT_COLS " WHERE r.quiz_id = $1 ORDER BY r.rank NULLS LAST, r.user_id "
        "LIMIT $2" },
    [MM_SQL_QUIZ_RESULT_OF] = { "quiz_result_of", 2,
        "SELECT " MM_RESULT_COLS " WHERE r.quiz_id = $1 AND r.user_id = $2" },
    /* every player's answers in their own order, for their private summary */
    [MM_SQL_QUIZ_SHEETS] = { "quiz_sheets", 1,
        "SELECT s.user_id, coalesce(r.rank, 0), r.correct, sq.seq, q.question, "
        "q.options[q.correct + 1], q.options[a.chosen + 1], coalesce(a.correct, false), "
        "s.chat_id, s.question_count FROM play_sessions s "
        "JOIN quiz_results r ON r.session_id = s.id "
        "JOIN session_questions sq ON sq.session_id = s.id "
        "JOIN questions q ON q.id = sq.question_id "
        "LEFT JOIN answers a ON a.session_id = sq.session_id AND a.seq = sq.seq "
        "WHERE s.quiz_id = $1 ORDER BY s.user_id, sq.seq" },
    [MM_SQL_QUIZ_OF_CREATOR] = { "quiz_of_creator", 1,
        "SELECT z.id, z.topic, z.status, coalesce(g.title, ''), "
        "(SELECT count(*) FROM play_sessions p WHERE p.quiz_id = z.id), "
        "coalesce((extract(epoch FROM z.ends_at) * 1000)::bigint, 0) "
        "FROM quizzes z LEFT JOIN groups g ON g.chat_id = z.chat_id "
        "WHERE z.creator_id = $1 AND z.status <> 'draft' ORDER BY z.id DESC LIMIT 10" },
    [MM_SQL_QUIZ_OF_GROUP] = { "quiz_of_group", 1,
        "SELECT id FROM quizzes WHERE chat_id = $1 AND status = 'active' "
        "ORDER BY id DESC LIMIT 1" },
    [MM_SQL_QUIZ_LIST] = { "quiz_list", 2,
        "SELECT row_to_json(x)::text FROM (SELECT id, chat_id, creator_id, topic, "
        "question_count, seconds, status, starts_at, ends_at, "
        "(SELECT count(*) FROM play_sessions p WHERE p.quiz_id = z.id) AS players "
        "FROM quizzes z WHERE ($1::bigint IS NULL OR chat_id = $1) "
        "AND ($2::text IS NULL OR status = $2) ORDER BY id) x" },
    [MM_SQL_QUIZ_SHOW] = { "quiz_show", 1,
        "SELECT json_build_object('id', z.id, 'chat_id', z.chat_id, 'creator_id', z.creator_id, "
        "'topic', z.topic, 'notes', z.notes, 'status', z.status, "
        "'question_count', z.question_count, 'seconds', z.seconds, 'starts_at', z.starts_at, "
        "'ends_at', z.ends_at, 'created_at', z.created_at, 'ended_at', z.ended_at, "
        "'players', (SELECT count(*) FROM play_sessions p WHERE p.quiz_id = z.id), "
        "'error', z.error, 'prize', CASE WHEN z.prize_token IS NULL THEN NULL ELSE "
        "  json_build_object('token', z.prize_token, 'symbol', z.prize_symbol, "
        "  'decimals', z.prize_decimals, 'amount', z.prize_amount::text, 'split', z.prize_split, "
        "  'split_name', z.split_name, 'fee', z.fee_amount::text, "
        "  'members_only', z.members_only) END, "
        "'questions', coalesce((SELECT json_agg(json_build_object('seq', qq.seq, "
        "  'question', q.question, 'options', q.options, 'correct', q.correct, "
        "  'explanation', q.explanation) ORDER BY qq.seq) FROM quiz_questions qq "
        "  JOIN questions q ON q.id = qq.question_id WHERE qq.quiz_id = z.id), '[]'), "
        "'ranking', coalesce((SELECT json_agg(json_build_object('user_id', r.user_id, "
        "  'correct', r.correct, 'first_correct_ms', "
        "  (extract(epoch FROM r.first_correct_at) * 1000)::bigint, 'rank', r.rank, "
        "  'flagged', r.flagged, 'eligible', r.eligible, 'prize_rank', r.prize_rank, "
        "  'prize', r.prize::text) ORDER BY r.rank NULLS LAST, r.user_id) FROM quiz_results r "
        "  WHERE r.quiz_id = z.id), '[]'))::text FROM quizzes z WHERE z.id = $1" },
    /* ended early: answers from now on do not count, its end timer due now */
    /* ends at $3 (ms), the edge's receipt of the request to end: answers are
     * judged by theirs, so one received after it is refused however late the
     * end is processed */
    [MM_SQL_QUIZ_END_NOW] = { "quiz_end_now", 3,
        "WITH z AS (UPDATE quizzes "
        "  SET ends_at = least(ends_at, to_timestamp($3::double precision / 1000)) "
        "  WHERE id = $1 AND status = 'active' RETURNING id) "
        "UPDATE timers SET due_at = least(due_at, now()) WHERE kind = $2 "
        "AND payload = jsonb_build_object('quiz', $1::bigint) AND EXISTS (SELECT 1 FROM z) "
        "RETURNING id" },
    [MM_SQL_USER_SEEN] = { "user_seen", 1,
        "INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING" },
    /* a group's board: points earned in its quizzes, all time or since $2 */
    /* --- paid quizzes (bot/mm_prize_flow.c, chain/mm_chain_fund.c) --- */
    /* $1 quiz, $2 token ('NEAR' or the contract), $3 symbol, $4 decimals, $5 pool,
     * $6 per-rank amounts (JSON array of decimal strings), $7 split name, $8 fee,
     * $9 members only: the draft's prize, fixed here once */
    [MM_SQL_QUIZ_PRIZE_SET] = { "quiz_prize_set", 9,
        "UPDATE quizzes SET prize_token = $2, prize_symbol = $3, prize_decimals = $4, "
        "prize_amount = $5::numeric, prize_split = $6::jsonb, split_name = $7, "
        "fee_amount = $8::numeric, members_only = $9 WHERE id = $1 AND status = 'draft'" },
    /* ✅ Create: a paid draft waits for its pool; after an hour, $2's timer ends it */
    [MM_SQL_QUIZ_FUND_START] = { "quiz_fund_start", 3,
        "WITH z AS (UPDATE quizzes SET status = 'funding', funding_at = now(), "
        "  funding_payout_id = NULL WHERE id = $1 AND status = 'draft' "
        "  AND prize_token IS NOT NULL RETURNING id) "
        "INSERT INTO timers (chat_id, kind, payload, due_at) SELECT $3, $2, "
        "jsonb_build_object('quiz', id), now() + interval '1 hour' FROM z "
        "ON CONFLICT (kind, payload) DO UPDATE SET due_at = EXCLUDED.due_at RETURNING 1" },
    /* the ledger row that moves pool + fee from the creator's wallet ($3) to the
     * operator ($2), told to $4; one per funding attempt -> its id.  The quiz is
     * locked: a cancel committing meanwhile is seen (no row for a cancelled quiz),
     * and one committing later sees the row (FUND_DROP) */
    [MM_SQL_QUIZ_FUND_PAYOUT] = { "quiz_fund_payout", 4,
        "WITH z AS (SELECT id, prize_token, prize_amount + fee_amount AS amount, "
        "  'quiz:' || id || ':fund:' || floor(extract(epoch FROM funding_at) * 1000) AS purpose "
        "  FROM quizzes WHERE id = $1 AND status = 'funding' FOR UPDATE), "
        "i AS (INSERT INTO payouts (purpose, recipient, token, amount, signer_id, notify_chat) "
        "  SELECT purpose, $2, prize_token, amount, $3, $4 FROM z "
        "  ON CONFLICT (purpose, recipient, token) DO NOTHING RETURNING id), "
        "p AS (SELECT id FROM i UNION ALL SELECT p.id FROM payouts p, z "
        "  WHERE p.purpose = z.purpose AND p.recipient = $2 AND p.token = z.prize_token LIMIT 1), "
        "u AS (UPDATE quizzes SET funding_payout_id = (SELECT id FROM p) WHERE id = $1 "
        "  AND status = 'funding') "
        "SELECT id FROM p" },
    /* a funding quiz with its ledger row (MM_FUNDING_*) */
    [MM_SQL_QUIZ_FUNDING] = { "quiz_funding", 1,
        "SELECT z.status, coalesce(p.state, ''), coalesce(p.last_error, ''), "
        "coalesce(p.tx_hash, ''), coalesce((z.prize_amount + z.fee_amount)::text, ''), "
        "z.creator_id, coalesce(z.prize_token, ''), coalesce(z.prize_symbol, ''), "
        "coalesce(z.prize_decimals, 0), coalesce(p.id, 0) "
        "FROM quizzes z LEFT JOIN payouts p ON p.id = z.funding_payout_id WHERE z.id = $1" },
    /* funding refused or failed: a draft again (its fund timer gone) */
    [MM_SQL_QUIZ_UNFUND] = { "quiz_unfund", 2,
        "WITH z AS (UPDATE quizzes SET status = 'draft', funding_payout_id = NULL "
        "  WHERE id = $1 AND status = 'funding' RETURNING id) "
        "DELETE FROM timers WHERE kind = $2 AND payload = jsonb_build_object('quiz', $1::bigint) "
        "AND EXISTS (SELECT 1 FROM z)" },
    /* an hour of funding is over: a row never signed fails (the ledger will not
     * sign it any more), and the quiz is cancelled -> a row when it was */
    [MM_SQL_QUIZ_FUND_EXPIRE] = { "quiz_fund_expire", 1,
        "WITH f AS (SELECT id, state FROM payouts "
        "  WHERE id = (SELECT funding_payout_id FROM quizzes WHERE id = $1 FOR UPDATE) "
        "  FOR UPDATE), "
        "u AS (UPDATE payouts SET state = 'failed', last_error = 'funding time is over', "
        "  updated_at = now() WHERE id IN (SELECT id FROM f WHERE state = 'pending')), "
        "z AS (UPDATE quizzes SET status = 'cancelled', cancelled_at = now(), "
        "  error = 'not funded within an hour' WHERE id = $1 AND status = 'funding' "
        "  AND NOT EXISTS (SELECT 1 FROM f WHERE state IN ('signed', 'paid')) RETURNING id) "
        "SELECT id FROM z" },
    /* the prizes, in the end's transaction: the eligible (a right answer, not
     * flagged, not the creator, not in $2, the users no longer in a members-only
     * group) take the ranks' amounts in their order, one payout row each to their
     * wallet (user<id>.$3), told to the group; what no one takes goes back to the
     * creator's wallet in one row -> the number of prizes */
    [MM_SQL_QUIZ_PRIZES] = { "quiz_prizes", 3,
        "WITH z AS (SELECT id, chat_id, creator_id, prize_token, prize_split FROM quizzes "
        "  WHERE id = $1 AND prize_token IS NOT NULL), "
        "e AS (SELECT r.user_id, row_number() OVER (ORDER BY r.rank) AS place "
        "  FROM quiz_results r, z "
        "  WHERE r.quiz_id = $1 AND r.rank IS NOT NULL AND NOT r.flagged "
        "  AND r.user_id <> z.creator_id AND NOT (r.user_id = ANY($2::bigint[]))), "
        "w AS (SELECT e.user_id, e.place, (z.prize_split ->> (e.place::int - 1))::numeric AS prize "
        "  FROM e, z WHERE e.place <= jsonb_array_length(z.prize_split)), "
        "p AS (INSERT INTO payouts (purpose, recipient, token, amount, notify_chat, "
        "  recipient_user) SELECT 'quiz:' || $1 || ':rank:' || w.place, "
        "  'user' || w.user_id || '.' || $3, z.prize_token, w.prize, z.chat_id, w.user_id "
        "  FROM w, z "
        "  ON CONFLICT (purpose, recipient, token) DO NOTHING RETURNING id, recipient_user), "
        "r AS (UPDATE quiz_results q SET eligible = (q.user_id IN (SELECT user_id FROM e)), "
        "  prize_rank = (SELECT place FROM e WHERE e.user_id = q.user_id), "
        "  prize = (SELECT prize FROM w WHERE w.user_id = q.user_id), "
        "  payout_id = (SELECT id FROM p WHERE p.recipient_user = q.user_id) "
        "  WHERE q.quiz_id = $1), "
        "left_over AS (SELECT sum(s::numeric) AS amount FROM z, "
        "  jsonb_array_elements_text(z.prize_split) WITH ORDINALITY AS t(s, n) "
        "  WHERE n > (SELECT count(*) FROM w)), "
        "f AS (INSERT INTO payouts (purpose, recipient, token, amount, notify_chat, "
        "  recipient_user) SELECT 'quiz:' || $1 || ':refund', "
        "  'user' || z.creator_id || '.' || $3, z.prize_token, l.amount, z.chat_id, z.creator_id "
        "  FROM z, left_over l WHERE l.amount > 0 "
        "  ON CONFLICT (purpose, recipient, token) DO NOTHING) "
        "SELECT count(*) FROM w" },
    /* a funding given up: its row, if never signed, never will be (the row is
     * locked, so a signer committing meanwhile is seen) -> its state before */
    [MM_SQL_QUIZ_FUND_DROP] = { "quiz_fund_drop", 1,
        "WITH f AS (SELECT id, state FROM payouts "
        "  WHERE id = (SELECT funding_payout_id FROM quizzes WHERE id = $1 FOR UPDATE) "
        "  FOR UPDATE), "
        "u AS (UPDATE payouts SET state = 'failed', last_error = 'the quiz was cancelled', "
        "  updated_at = now() WHERE id IN (SELECT id FROM f WHERE state = 'pending')) "
        "SELECT state FROM f" },
    /* a paid quiz cancelled after it was funded: pool and fee back to its creator */
    [MM_SQL_QUIZ_REFUND_ALL] = { "quiz_refund_all", 2,
        "INSERT INTO payouts (purpose, recipient, token, amount, notify_chat, recipient_user) "
        "SELECT 'quiz:' || z.id || ':refund', 'user' || z.creator_id || '.' || $2, z.prize_token, "
        "z.prize_amount + z.fee_amount, z.chat_id, z.creator_id FROM quizzes z "
        "JOIN payouts f ON f.id = z.funding_payout_id AND f.state = 'paid' WHERE z.id = $1 "
        "ON CONFLICT (purpose, recipient, token) DO NOTHING" },
    /* the quiz's prize and refund rows, rank order, refund last */
    [MM_SQL_QUIZ_PAYOUTS] = { "quiz_payouts", 1,
        "SELECT p.id, coalesce(r.prize_rank, 0), coalesce(p.recipient_user, 0), "
        "coalesce(u.first_name, ''), p.amount::text, p.state, coalesce(p.tx_hash, ''), "
        "coalesce(p.last_error, ''), p.purpose LIKE '%:refund' FROM payouts p "
        "LEFT JOIN quiz_results r ON r.payout_id = p.id "
        "LEFT JOIN users u ON u.id = p.recipient_user "
        "WHERE split_part(p.purpose, ':', 2) = $1::text AND p.purpose LIKE 'quiz:%' "
        "AND p.purpose NOT LIKE 'quiz:%:fund:%' ORDER BY p.purpose LIKE '%:refund', r.prize_rank" },
    [MM_SQL_PAYOUT_PURPOSE] = { "payout_purpose", 1,
        "SELECT purpose, state, coalesce(tx_hash, ''), coalesce(last_error, ''), amount::text, "
        "coalesce(recipient_user, 0), token FROM payouts WHERE id = $1" },
    /* every prize and refund final: the quiz is closed -> a row when it just was */
    [MM_SQL_QUIZ_SETTLED] = { "quiz_settled", 1,
        "UPDATE quizzes SET status = 'closed', closed_at = now() WHERE id = $1 "
        "AND status = 'ended' AND NOT EXISTS (SELECT 1 FROM payouts p "
        "  WHERE split_part(p.purpose, ':', 2) = $1::text AND p.purpose LIKE 'quiz:%' "
        "  AND p.purpose NOT LIKE 'quiz:%:fund:%' AND p.state IN ('pending', 'signed')) "
        "RETURNING id" },
    /* the group's ranking message, to edit as prizes are paid, and a digest of
     * what it shows */
    [MM_SQL_QUIZ_RESULTS_SENT] = { "quiz_results_sent", 3,
        "UPDATE quizzes SET results_message = $2, results_digest = $3 WHERE id = $1" },
    /* -> a row when the message is to show something new */
    [MM_SQL_QUIZ_RESULTS_SHOWN] = { "quiz_results_shown", 2,
        "UPDATE quizzes SET results_digest = $2 WHERE id = $1 "
        "AND results_digest IS DISTINCT FROM $2 RETURNING id" },
    /* winners without an active wallet (one is opened for them) */
    [MM_SQL_QUIZ_WALLETLESS] = { "quiz_walletless", 1,
        "SELECT r.user_id FROM quiz_results r WHERE r.quiz_id = $1 AND r.payout_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM wallets w WHERE w.telegram_user_id = r.user_id "
        "  AND w.state = 'active')" },
    [MM_SQL_BOARD_GROUP] = { "board_group", 2,
        "SELECT l.user_id, coalesce(u.first_name, ''), sum(l.points) FROM points_ledger l "
        "LEFT JOIN users u ON u.id = l.user_id WHERE l.group_id = $1 "
        "AND ($2::bigint IS NULL OR l.created_at >= to_timestamp($2::double precision / 1000)) "
        "GROUP BY l.user_id, u.first_name HAVING sum(l.points) > 0 "
        "ORDER BY sum(l.points) DESC, l.user_id LIMIT 10" },
    /* --- deposit binding --- */
    /* a deposit to the operator funds the quiz its memo names, for that quiz's creator only */
    [MM_SQL_DEPOSIT_QUIZ] = { "deposit_quiz", 1,
        "SELECT creator_id FROM quizzes WHERE id = $1" },
    /* wallets whose creation was cut short or answered "not final yet" $1 s ago
     * or more: whether the account exists is asked again; and winners whose
     * wallet job failed before it stored a key (a prize waits for a wallet) */
    [MM_SQL_WALLETS_STALLED] = { "wallets_stalled", 1,
        "SELECT user_id FROM (SELECT telegram_user_id AS user_id, updated_at AS since "
        "  FROM wallets WHERE state = 'creating' "
        "UNION ALL SELECT p.recipient_user, min(p.created_at) FROM payouts p "
        "  WHERE p.state = 'pending' AND p.signer_id IS NULL AND p.recipient_user IS NOT NULL "
        "  AND NOT EXISTS (SELECT 1 FROM wallets w WHERE w.telegram_user_id = p.recipient_user) "
        "  GROUP BY p.recipient_user) s "
        "WHERE since < now() - $1 * interval '1 second' ORDER BY since LIMIT 20" },
    /* a transaction the bot itself sent (a prize, a refund, a withdrawal) */
    [MM_SQL_DEPOSIT_OURS] = { "deposit_ours", 1,
        "SELECT 1 FROM payouts WHERE tx_hash = $1" },
    /* --- operator payer (chain/mm_payer.c, cli/mm_cli_payouts.c) --- */
    /* PAYOUTS_UNPAID's rows, only those not waiting out a back-off */
    [MM_SQL_PAYER_DUE] = { "payer_due", 1,
        "SELECT id FROM payouts p WHERE " MM_SQL_UNPAID_WHERE " AND next_attempt_at <= now() "
        "ORDER BY next_attempt_at, id LIMIT $1" },
    /* a quiz's payouts are purposes quiz:<id>:... (index payouts_of_quiz) */
    [MM_SQL_PAYOUTS_LIST] = { "payouts_list", 2,
        "SELECT json_build_object('id', id, 'purpose', purpose, 'recipient', recipient, "
        "'token', token, 'amount', amount::text, 'state', state, 'tx_hash', tx_hash, "
        "'error', last_error)::text FROM payouts "
        "WHERE ($1::text IS NULL OR (split_part(purpose, ':', 2) = $1 AND purpose LIKE 'quiz:%')) "
        "AND ($2::text IS NULL OR state = $2) ORDER BY id" },
    /* only a failed row, whose transaction the caller proved never landed */
    [MM_SQL_PAYOUT_REQUEUE] = { "payout_requeue", 2,
        "UPDATE payouts SET state = 'pending', tx_hash = NULL, signed_tx = NULL, nonce = NULL, "
        "attempts = 0, unsettled = 0, next_attempt_at = now(), last_error = $2, "
        "updated_at = now() WHERE id = $1 AND state = 'failed' RETURNING id" },
};
