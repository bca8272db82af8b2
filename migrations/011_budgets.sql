-- Daily budgets count the last day's generation jobs, per player and in all.
CREATE INDEX jobs_kind_created ON jobs (kind, created_at);
CREATE INDEX wallets_created ON wallets (created_at);
