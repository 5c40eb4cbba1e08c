-- A Boolean mapper may store the opposite of its claim's value (Entra ID's Not([IsSoftDeleted])),
-- SQLite dialect. Keep in step with migrations/postgres/0011_mapper_invert.sql.
ALTER TABLE attribute_mapper ADD COLUMN invert INTEGER NOT NULL DEFAULT 0;
