-- Payouts that keep failing wait their turn: each unsettled attempt moves
-- next_attempt_at back (1, 2, 4 … 32 minutes), and the sweeps read rows in
-- that order, so twenty failing rows can never hold every place forever.
ALTER TABLE payouts ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE payouts ADD COLUMN unsettled integer NOT NULL DEFAULT 0;
CREATE INDEX payouts_next_attempt ON payouts (next_attempt_at, id)
    WHERE state IN ('pending', 'signed');
