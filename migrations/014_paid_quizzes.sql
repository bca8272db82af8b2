-- Paid quizzes: a prize pool in NEAR or a NEP-141 token, moved from the
-- creator's bot wallet to the operator before the quiz goes live, paid per
-- rank when it ends.  Amounts are base units (numeric(39,0)); the prize of
-- each rank is fixed at creation (quizzes.prize_split: an array of decimal
-- strings, rank 1 first), never recomputed from prose.
ALTER TABLE quizzes ADD COLUMN prize_symbol      text;       -- NEAR, or the token's symbol
ALTER TABLE quizzes ADD COLUMN prize_decimals    smallint;
ALTER TABLE quizzes ADD COLUMN split_name        text
    CHECK (split_name IN ('wta', 'top3', 'top5', 'top10', 'custom'));
ALTER TABLE quizzes ADD COLUMN fee_amount        numeric(39, 0) NOT NULL DEFAULT 0;
ALTER TABLE quizzes ADD COLUMN funding_payout_id bigint;     -- the row that moves pool + fee
ALTER TABLE quizzes ADD COLUMN funding_at        timestamptz; -- when ✅ Create asked for it
ALTER TABLE quizzes ADD COLUMN results_message   bigint;     -- the group's ranking message (outbox id)
ALTER TABLE quizzes ADD COLUMN results_digest    text;       -- what it shows now (unchanged: no edit)
ALTER TABLE quizzes ADD CONSTRAINT quizzes_prize_whole
    CHECK (prize_token IS NULL OR (prize_amount > 0 AND prize_split IS NOT NULL
                                   AND prize_symbol IS NOT NULL AND prize_decimals IS NOT NULL));

-- Each winner's prize, next to their place.
ALTER TABLE quiz_results ADD COLUMN prize        numeric(39, 0);
ALTER TABLE quiz_results ADD COLUMN prize_rank   integer;    -- their place among the eligible
ALTER TABLE quiz_results ADD COLUMN payout_id    bigint;
ALTER TABLE quiz_results ADD COLUMN eligible     boolean;

-- A payout's end is told to a chat (a payout_done timer in the same
-- statement that makes it final), and a prize waits for its winner's
-- wallet to be active on chain before it is paid.
ALTER TABLE payouts ADD COLUMN notify_chat    bigint;
ALTER TABLE payouts ADD COLUMN recipient_user bigint;
CREATE INDEX payouts_of_quiz ON payouts ((split_part(purpose, ':', 2)))
    WHERE purpose LIKE 'quiz:%';
