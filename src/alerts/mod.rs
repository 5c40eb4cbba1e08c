//! Alerts per tenant: the rules an MSP sets (an error rate over a window, a silent identity
//! provider, a secret about to end, an outbound application failing), their evaluation, and the
//! messages they send when an alert opens and when it resolves (signed webhook, e-mail).
//! docs/architecture.md, "Alerts", says how they fit together.
//!
//! - `settings`: what a tenant is warned about and where, with its validation (no SQL);
//! - `evaluate`: which rules fire now, and the alerts opened and resolved to match;
//! - `notify`: the messages owed, sent with retries (webhook JSON Slack and Teams accept, SMTP).

pub mod evaluate;
pub mod manage;
pub mod notify;
pub mod settings;

use std::time::Duration;

use crate::state::AppState;

/// A rule an alert comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Too many of the identity provider's requests failed over the window.
    ErrorRate,
    /// No request from the identity provider for the set hours (a stopped or quarantined sync).
    Silence,
    /// A secret's grace period ends within the set days.
    SecretExpiry,
    /// An outbound application has been failing for the set minutes, or has dead letters.
    OutboundFailing,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 4] = [Rule::ErrorRate, Rule::Silence, Rule::SecretExpiry, Rule::OutboundFailing];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::ErrorRate => "error_rate",
            Rule::Silence => "silence",
            Rule::SecretExpiry => "secret_expiry",
            Rule::OutboundFailing => "outbound_failing",
        }
    }

    /// The rule a stored name names.
    pub fn parse(text: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|rule| rule.as_str() == text)
    }

    /// A short title for people.
    pub fn title(self) -> &'static str {
        match self {
            Rule::ErrorRate => "SCIM error rate",
            Rule::Silence => "Identity provider silent",
            Rule::SecretExpiry => "Secret ending",
            Rule::OutboundFailing => "Application failing",
        }
    }
}

/// Evaluates every tenant's rules and sends the messages owed, every `interval`, until the
/// process stops; errors of a round are logged and the next round tries again. Fails at once
/// when the SMTP relay or the sender address is unusable.
pub fn spawn(state: &AppState, interval: Duration) -> anyhow::Result<()> {
    let sender = notify::Sender::new(state)?;
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !state.runner.runs_jobs() {
                continue;
            }
            if let Err(e) = evaluate::all_tenants(&state).await {
                tracing::warn!(error = %e, "evaluating alerts failed");
            }
            if let Err(e) = sender.send_due(&state).await {
                tracing::warn!(error = %e, "sending alert messages failed");
            }
        }
    });
    Ok(())
}
