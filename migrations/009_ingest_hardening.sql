-- Bounded tables: the maintenance leaseholder prunes in batches (engine/mm_jobs.c,
-- MM_RETENTION_* settings).  These indexes find the old rows without a scan.
CREATE INDEX processed_updates_at ON processed_updates (processed_at);
CREATE INDEX outbox_done ON outbox ((coalesce(sent_at, failed_at)))
    WHERE sent_at IS NOT NULL OR failed_at IS NOT NULL;
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('done', 'failed');
CREATE INDEX payouts_signed_tx_kept ON payouts (updated_at)
    WHERE signed_tx IS NOT NULL AND state IN ('paid', 'failed');

-- A paid (or failed) payout's signed bytes are only needed while it may be sent
-- again; after a week they may be cleared.  Its hash stays, and a signed row
-- still keeps both.
ALTER TABLE payouts DROP CONSTRAINT payouts_check;
ALTER TABLE payouts ADD CONSTRAINT payouts_signed_kept
    CHECK (state <> 'signed' OR (tx_hash IS NOT NULL AND signed_tx IS NOT NULL));
ALTER TABLE payouts ADD CONSTRAINT payouts_paid_hash CHECK (state <> 'paid' OR tx_hash IS NOT NULL);
