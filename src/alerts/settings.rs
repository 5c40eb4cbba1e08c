//! What a tenant is warned about and where: thresholds (each optional: `None` turns its rule
//! off) and the channels. Domain types and validation, no SQL.

/// A tenant's alert rules and channels as an administrator sets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Alert when at least this percentage of the identity provider's authenticated requests
    /// failed (status 400 or above) over the window.
    pub error_rate_percent: Option<i64>,
    /// The error-rate window, in minutes.
    pub error_window_minutes: i64,
    /// Fewer requests than this in the window never raise an error-rate alert (one failed
    /// request out of two is no trend).
    pub error_min_requests: i64,
    /// Alert when the identity provider sent no request for this many hours.
    pub silence_hours: Option<i64>,
    /// Alert when a secret's grace period ends within this many days.
    pub expiry_days: Option<i64>,
    /// Alert when an outbound application's oldest failing change is this many minutes old, or
    /// it has dead letters.
    pub outbound_minutes: Option<i64>,
    /// The addresses alert e-mail goes to.
    pub email_to: Vec<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            error_rate_percent: None,
            error_window_minutes: 15,
            error_min_requests: 10,
            silence_hours: None,
            expiry_days: None,
            outbound_minutes: None,
            email_to: Vec::new(),
        }
    }
}

/// Why alert settings were refused; each names its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// A number outside its range.
    #[error("{field} must be a whole number from {min} to {max}")]
    Range {
        /// The setting.
        field: &'static str,
        /// The smallest accepted.
        min: i64,
        /// The largest accepted.
        max: i64,
    },
    /// Not an e-mail address.
    #[error("\"{0}\" is not an e-mail address")]
    Email(String),
    /// Too many addresses.
    #[error("at most {MAX_RECIPIENTS} e-mail addresses")]
    TooManyRecipients,
    /// Not an absolute http(s) URL.
    #[error("the webhook URL must be an absolute https:// (or http://) URL")]
    WebhookUrl,
}

impl Invalid {
    /// The setting the refusal is about (a form field's name).
    pub fn field(&self) -> &'static str {
        match self {
            Invalid::Range { field, .. } => field,
            Invalid::Email(_) | Invalid::TooManyRecipients => "email_to",
            Invalid::WebhookUrl => "webhook_url",
        }
    }
}

/// The most addresses one tenant's alerts go to.
pub const MAX_RECIPIENTS: usize = 10;

fn in_range(field: &'static str, value: i64, min: i64, max: i64) -> Result<(), Invalid> {
    (min..=max).contains(&value).then_some(()).ok_or(Invalid::Range { field, min, max })
}

impl Rules {
    /// Checks every threshold's range and every address; addresses are trimmed and
    /// de-duplicated.
    pub fn checked(mut self) -> Result<Rules, Invalid> {
        if let Some(percent) = self.error_rate_percent {
            in_range("error_rate_percent", percent, 1, 100)?;
        }
        in_range("error_window_minutes", self.error_window_minutes, 1, 24 * 60)?;
        in_range("error_min_requests", self.error_min_requests, 1, 1_000_000)?;
        if let Some(hours) = self.silence_hours {
            in_range("silence_hours", hours, 1, 24 * 90)?;
        }
        if let Some(days) = self.expiry_days {
            in_range("expiry_days", days, 1, 365)?;
        }
        if let Some(minutes) = self.outbound_minutes {
            in_range("outbound_minutes", minutes, 1, 7 * 24 * 60)?;
        }
        let mut addresses: Vec<String> = Vec::new();
        for address in self.email_to.iter().flat_map(|a| a.split(',')).map(str::trim).filter(|a| !a.is_empty()) {
            address.parse::<lettre::Address>().map_err(|_| Invalid::Email(address.to_owned()))?;
            if !addresses.iter().any(|known| known.eq_ignore_ascii_case(address)) {
                addresses.push(address.to_owned());
            }
        }
        if addresses.len() > MAX_RECIPIENTS {
            return Err(Invalid::TooManyRecipients);
        }
        self.email_to = addresses;
        Ok(self)
    }

    /// Whether any rule is on.
    pub fn any_rule(&self) -> bool {
        self.error_rate_percent.is_some()
            || self.silence_hours.is_some()
            || self.expiry_days.is_some()
            || self.outbound_minutes.is_some()
    }
}

/// Checks a webhook URL and returns its origin (`https://hooks.slack.com`), what is shown of it:
/// the URL itself is a credential (Slack and Teams put their token in its path or query).
pub fn webhook_origin(url: &str) -> Result<String, Invalid> {
    let parsed = url::Url::parse(url).map_err(|_| Invalid::WebhookUrl)?;
    let fine = matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() && parsed.username().is_empty();
    if !fine || parsed.password().is_some() {
        return Err(Invalid::WebhookUrl);
    }
    Ok(parsed.origin().ascii_serialization())
}

/// A tenant's stored alert settings: the rules and the channels as far as they may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The rules and addresses.
    pub rules: Rules,
    /// The webhook's origin, when one is set (its full URL is sealed).
    pub webhook_origin: Option<String>,
    /// When alerts were first set for the tenant (ms): a silence rule counts from here when the
    /// identity provider has never sent anything.
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_addresses_are_checked() {
        let rules = Rules { error_rate_percent: Some(0), ..Rules::default() };
        assert_eq!(rules.checked().map_err(|e| e.field()), Err("error_rate_percent"));
        let rules = Rules { silence_hours: Some(24 * 91), ..Rules::default() };
        assert_eq!(rules.checked().map_err(|e| e.field()), Err("silence_hours"));
        let rules = Rules { email_to: vec!["ops@example.com, not an address".into()], ..Rules::default() };
        assert_eq!(rules.checked(), Err(Invalid::Email("not an address".into())));
        let rules =
            Rules { email_to: vec!["ops@example.com,OPS@example.com, noc@example.org".into()], ..Rules::default() };
        assert_eq!(rules.checked().map(|r| r.email_to), Ok(vec!["ops@example.com".into(), "noc@example.org".into()]));
    }

    #[test]
    fn a_webhook_url_shows_only_its_origin() {
        assert_eq!(
            webhook_origin("https://hooks.slack.com/services/T0/B0/secret").as_deref(),
            Ok("https://hooks.slack.com")
        );
        assert_eq!(webhook_origin("https://user:pw@example.com/x"), Err(Invalid::WebhookUrl));
        assert_eq!(webhook_origin("ftp://example.com/x"), Err(Invalid::WebhookUrl));
        assert_eq!(webhook_origin("/relative"), Err(Invalid::WebhookUrl));
    }
}
