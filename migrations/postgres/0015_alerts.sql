-- Alerts per tenant (docs/architecture.md, "Alerts"), PostgreSQL dialect. Keep in step with
-- migrations/sqlite/0015_alerts.sql.

-- What a tenant is warned about and where. A NULL threshold turns its rule off; no row at all
-- means no alerts. A webhook URL is a credential (Slack's and Teams' carry their token in it):
-- it is sealed (`sealed`) with the signing secret, and only its origin is kept in clear to show.
CREATE TABLE alert_setting (
    tenant_id             TEXT PRIMARY KEY REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    error_rate_percent    BIGINT,
    error_window_minutes  BIGINT NOT NULL,
    error_min_requests    BIGINT NOT NULL,
    silence_hours         BIGINT,
    expiry_days           BIGINT,
    outbound_minutes      BIGINT,
    webhook_origin        TEXT,
    webhook_sealed_url    TEXT,
    webhook_sealed_secret TEXT,
    email_to              TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

-- An alert: a rule that fired for a subject (a credential, an application; '' for the tenant
-- itself) and, once its condition cleared, when it resolved. At most one open alert per rule and
-- subject, whichever process evaluates: that is the de-duplication.
CREATE TABLE alert (
    alert_id    TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenant (tenant_id) ON DELETE CASCADE,
    rule        TEXT NOT NULL CHECK (rule IN ('error_rate', 'silence', 'secret_expiry', 'outbound_failing')),
    subject     TEXT NOT NULL,
    summary     TEXT NOT NULL,
    opened_at   BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE UNIQUE INDEX alert_open ON alert (tenant_id, rule, subject) WHERE resolved_at IS NULL;
CREATE INDEX alert_by_tenant ON alert (tenant_id, opened_at);

-- The messages an alert's opening and resolution owe each channel: written with the alert's
-- change, deleted once sent, retried with backoff until then (a restart or an unreachable
-- receiver loses none).
CREATE TABLE alert_notice (
    notice_id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id        TEXT NOT NULL REFERENCES alert (alert_id) ON DELETE CASCADE,
    channel         TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
    event           TEXT NOT NULL CHECK (event IN ('opened', 'resolved')),
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT
);
CREATE INDEX alert_notice_due ON alert_notice (next_attempt_at);
