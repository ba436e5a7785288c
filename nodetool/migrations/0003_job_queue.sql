-- Jobs beyond one process: the graph a worker runs, who holds the job (worker, attempt) and
-- when it last said so, and whether a cancel was asked for while it ran.
ALTER TABLE nodetool_jobs ADD COLUMN graph TEXT;
ALTER TABLE nodetool_jobs ADD COLUMN worker TEXT;
ALTER TABLE nodetool_jobs ADD COLUMN attempt BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodetool_jobs ADD COLUMN heartbeat_at TEXT;
ALTER TABLE nodetool_jobs ADD COLUMN cancel_requested BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS nodetool_jobs_status ON nodetool_jobs (status);
