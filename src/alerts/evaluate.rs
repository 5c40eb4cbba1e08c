//! One evaluation round: for every tenant with alert settings, which rules fire now and for
//! what; then alerts are opened for new findings and resolved for findings that cleared, each
//! with the messages it owes (written in the same transaction). The round is idempotent and
//! safe to run in several processes at once: an alert opens once per rule and subject
//! (`alert_open`), and resolves once.

use std::collections::{HashMap, HashSet};

use app::components::when::relative;

use crate::alerts::settings::Stored;
use crate::alerts::Rule;
use crate::clock::rfc3339_ms;
use crate::db::alert::{self, Channel, Opening};
use crate::db::outbound::AppQueue;
use crate::db::{self, Db};
use crate::state::AppState;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A rule firing for a subject, with the sentence its alert carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// What it is about ('' for the tenant).
    pub subject: String,
    /// What happened.
    pub summary: String,
}

/// Evaluates every tenant's rules once and opens and resolves alerts to match.
pub async fn all_tenants(state: &AppState) -> Result<(), sqlx::Error> {
    // The log rows of requests answered so far count, written or still queued.
    state.flush_logs().await;
    let db = &state.db;
    let now = state.clock.now_ms();
    let tenants = alert::all_settings(db).await?;
    let mut open: HashMap<String, Vec<alert::Alert>> = HashMap::new();
    for found in alert::open(db, None).await? {
        open.entry(found.tenant_id.clone()).or_default().push(found);
    }
    let queues = if tenants.iter().any(|t| t.stored.rules.outbound_minutes.is_some()) {
        db::outbound::queues(db).await?
    } else {
        Vec::new()
    };
    let mut boundaries = LogBoundaries::default();
    for tenant in &tenants {
        let open = open.remove(&tenant.tenant_id).unwrap_or_default();
        if tenant.disabled {
            // A disabled tenant's identity provider is refused on purpose: its rules rest, and
            // its open alerts stay as they are until it is enabled again.
            continue;
        }
        let (tenant_id, stored) = (tenant.tenant_id.as_str(), &tenant.stored);
        let findings = findings(db, tenant_id, stored, &queues, &mut boundaries, now).await?;
        reconcile(db, tenant_id, &findings, open, &channels(stored), now).await?;
    }
    // Tenants whose alerts were switched off: their open alerts resolve, with no message to send.
    for alerts in open.into_values() {
        for stale in alerts {
            alert::resolve(db, &stale.id, &[], now).await?;
        }
    }
    Ok(())
}

/// Where a tenant's messages go.
pub fn channels(stored: &Stored) -> Vec<Channel> {
    let mut channels = Vec::new();
    if stored.webhook_origin.is_some() {
        channels.push(Channel::Webhook);
    }
    if !stored.rules.email_to.is_empty() {
        channels.push(Channel::Email);
    }
    channels
}

async fn reconcile(
    db: &Db,
    tenant_id: &str,
    findings: &[Finding],
    open: Vec<alert::Alert>,
    channels: &[Channel],
    now: i64,
) -> Result<(), sqlx::Error> {
    let firing: HashSet<(Rule, &str)> = findings.iter().map(|f| (f.rule, f.subject.as_str())).collect();
    let already: HashSet<(Rule, &str)> = open.iter().map(|a| (a.rule, a.subject.as_str())).collect();
    for finding in findings.iter().filter(|f| !already.contains(&(f.rule, f.subject.as_str()))) {
        let opening = Opening { tenant_id, rule: finding.rule, subject: &finding.subject, summary: &finding.summary };
        if alert::open_alert(db, opening, channels, now).await? {
            tracing::info!(tenant_id, rule = finding.rule.as_str(), subject = finding.subject, "alert opened");
        }
    }
    for cleared in open.iter().filter(|a| !firing.contains(&(a.rule, a.subject.as_str()))) {
        if alert::resolve(db, &cleared.id, channels, now).await? {
            tracing::info!(tenant_id, rule = cleared.rule.as_str(), subject = cleared.subject, "alert resolved");
        }
    }
    Ok(())
}

/// The first log id of each window start, searched once per round and window length.
#[derive(Default)]
struct LogBoundaries(HashMap<i64, i64>);

impl LogBoundaries {
    async fn at(&mut self, db: &Db, since: i64) -> Result<i64, sqlx::Error> {
        if let Some(id) = self.0.get(&since) {
            return Ok(*id);
        }
        let id = alert::first_log_id_at(db, since).await?;
        self.0.insert(since, id);
        Ok(id)
    }
}

async fn findings(
    db: &Db,
    tenant_id: &str,
    stored: &Stored,
    queues: &[AppQueue],
    boundaries: &mut LogBoundaries,
    now: i64,
) -> Result<Vec<Finding>, sqlx::Error> {
    let rules = &stored.rules;
    let mut found = Vec::new();
    if let Some(percent) = rules.error_rate_percent {
        let since = now - rules.error_window_minutes * MINUTE_MS;
        let (total, failed) = alert::requests_since(db, tenant_id, boundaries.at(db, since).await?, since).await?;
        if total >= rules.error_min_requests && failed * 100 >= percent * total {
            found.push(Finding {
                rule: Rule::ErrorRate,
                subject: String::new(),
                summary: format!(
                    "{failed} of {total} SCIM requests ({} %) failed in the last {} minutes (alert at {percent} %).",
                    failed * 100 / total.max(1),
                    rules.error_window_minutes
                ),
            });
        }
    }
    if let Some(hours) = rules.silence_hours {
        let last = alert::last_request_at(db, tenant_id).await?;
        let since = last.unwrap_or(stored.created_at);
        if now - since >= hours * HOUR_MS {
            let summary = match last {
                Some(at) => format!(
                    "No request from the identity provider for {} hours, since {} (alert after {hours} hours).",
                    (now - at) / HOUR_MS,
                    rfc3339_ms(at)
                ),
                None => format!(
                    "The identity provider has sent no request since alerts were set, {hours} hours ago or more."
                ),
            };
            found.push(Finding { rule: Rule::Silence, subject: String::new(), summary });
        }
    }
    if let Some(days) = rules.expiry_days {
        for credential in db::credential::list_active(db, tenant_id, now).await? {
            let Some(expires_at) = credential.expires_at.filter(|at| *at <= now + days * DAY_MS) else { continue };
            found.push(Finding {
                rule: Rule::SecretExpiry,
                subject: credential.id.clone(),
                summary: format!(
                    "A {} stops working at {} ({}); give the identity provider the new one before then.",
                    match credential.kind {
                        db::credential::Kind::Bearer => "previous Secret Token",
                        db::credential::Kind::ClientSecret => "previous client secret",
                    },
                    rfc3339_ms(expires_at),
                    relative(now - expires_at)
                ),
            });
        }
    }
    if let Some(minutes) = rules.outbound_minutes {
        for queue in queues.iter().filter(|q| q.tenant_id == tenant_id) {
            let status = &queue.status;
            let stuck =
                status.failing > 0 && status.oldest_pending_at.is_some_and(|at| now - at >= minutes * MINUTE_MS);
            if status.dead == 0 && !stuck {
                continue;
            }
            found.push(Finding {
                rule: Rule::OutboundFailing,
                subject: queue.app_id.clone(),
                summary: format!(
                    "Application \"{}\": {} failing{}, {} on the dead-letter list.",
                    queue.application,
                    if status.failing == 1 { "1 change".to_owned() } else { format!("{} changes", status.failing) },
                    status
                        .oldest_pending_at
                        .map(|at| format!(", the oldest from {}", relative(now - at)))
                        .unwrap_or_default(),
                    status.dead
                ),
            });
        }
    }
    Ok(found)
}
