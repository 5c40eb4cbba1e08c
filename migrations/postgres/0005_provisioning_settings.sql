-- Advanced SCIM settings of a tenant, postgres dialect. Keep in step with migrations/sqlite/0005_provisioning_settings.sql.
--
-- link_users_by: NULL (off), 'userName', 'email' or 'externalId' — how a POST /Users that meets an
-- existing user without an identity-provider link adopts it instead of answering 409.
-- required_attributes: a JSON array of SCIM attribute paths every user must carry, NULL for none.
ALTER TABLE tenant ADD COLUMN link_users_by TEXT CHECK (link_users_by IN ('userName', 'email', 'externalId'));
ALTER TABLE tenant ADD COLUMN required_attributes TEXT;
