-- Change notifications between processes on one database, SQLite dialect. Keep in step with
-- migrations/postgres/0016_change_notifications.sql.

-- Nothing to create: a SQLite database has one server process, and the changes other programs
-- (the CLI) make reach its caches when they expire (--cache-ttl-ms). The version is kept so
-- both dialects number their migrations alike.
SELECT 1;
