-- expected: safe
-- case: an index on an existing empty table
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE INDEX idx_archive_kind ON archive (kind);
