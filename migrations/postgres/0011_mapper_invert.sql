-- A Boolean mapper may store the opposite of its claim's value (Entra ID's Not([IsSoftDeleted])),
-- PostgreSQL dialect. Keep in step with migrations/sqlite/0011_mapper_invert.sql.
ALTER TABLE attribute_mapper ADD COLUMN invert BOOLEAN NOT NULL DEFAULT FALSE;
