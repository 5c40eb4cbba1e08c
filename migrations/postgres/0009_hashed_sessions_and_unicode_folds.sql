-- Administrator sessions stored by hash, and Unicode-normalised name folds; PostgreSQL dialect.
-- Keep in step with migrations/sqlite/0009_hashed_sessions_and_unicode_folds.sql.

-- A session is now stored under the SHA-256 (hex) of its id, like every other secret. Rows
-- stored under clear ids can no longer be found: remove them (administrators sign in again once).
DELETE FROM admin_session;

-- userName uniqueness and the displayName filter now compare NFC, then lower case
-- (`scim::text::fold`). SQL cannot normalise the way the server does, and only non-ASCII text
-- can fold differently, so those users and groups are queued here; the server refolds them at
-- start-up (`db::user::refold_queued`) and empties the queue.
CREATE TABLE unicode_refold (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
-- Characters and bytes differ exactly for non-ASCII text.
INSERT INTO unicode_refold (kind, id)
    SELECT 'user', user_id FROM scim_user WHERE octet_length(user_name) <> char_length(user_name);
INSERT INTO unicode_refold (kind, id)
    SELECT 'group', group_id FROM scim_group WHERE octet_length(display_name) <> char_length(display_name);
