//! Audit entries in words, as the dashboard lists them.

use serde_json::Value;

/// The first eight characters of the entry's credential id, as the credentials table shows it.
fn credential_prefix(detail: &Value) -> String {
    text(detail, "credentialId").chars().take(8).collect()
}

/// An audit entry in words.
pub(super) fn audit_summary(action: &str, detail: &Value) -> String {
    let grace = |d: &Value| match d["graceSecs"].as_u64().unwrap_or(0) {
        0 if d["superseded"].as_u64().unwrap_or(0) == 0 => String::new(),
        0 => "; the previous one was revoked".to_owned(),
        secs => format!("; the previous one works for {} more", grace_words(secs)),
    };
    match action {
        "scim_settings.update" => {
            let Some(changes) = detail["changes"].as_object() else {
                return "Updated the SCIM settings".to_owned();
            };
            // In the form's order, whatever order the JSON object keeps.
            let parts: Vec<String> =
                ["enabled", "profile", "azureTenantId", "remoteTokenAuth", "linkUsersBy", "requiredAttributes"]
                    .into_iter()
                    .filter_map(|field| Some((field, changes.get(field)?)))
                    .map(|(field, change)| {
                        let (from, to) = (&change["from"], &change["to"]);
                        match field {
                            "enabled" => {
                                format!("endpoint {}", if to.as_bool() == Some(true) { "enabled" } else { "disabled" })
                            }
                            "profile" => format!("profile {} → {}", profile_word(from), profile_word(to)),
                            "azureTenantId" => match to.as_str() {
                                Some(id) => format!("Azure tenant ID set to {id}"),
                                None => "Azure tenant ID removed".to_owned(),
                            },
                            "linkUsersBy" => match to.as_str() {
                                Some("off") | None => "user linking on creation off".to_owned(),
                                Some(by) => format!("user linking on creation by {by}"),
                            },
                            "requiredAttributes" => match to.as_array().map(Vec::as_slice) {
                                Some([]) | None => "no attributes required".to_owned(),
                                Some(list) => format!(
                                    "required attributes: {}",
                                    list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
                                ),
                            },
                            _ => format!(
                                "remote token authentication {}",
                                if to.as_bool() == Some(true) { "on" } else { "off" }
                            ),
                        }
                    })
                    .collect();
            format!("Updated the SCIM settings: {}", parts.join("; "))
        }
        "scim_secret.rotate" => format!("Generated a new SCIM secret token{}", grace(detail)),
        "client_secret.rotate" => format!(
            "Generated a new client secret for {}{}",
            detail["clientId"].as_str().unwrap_or("the OAuth client"),
            grace(detail)
        ),
        "scim_secret.revoke" => format!("Revoked {} SCIM secret token(s)", detail["revoked"].as_u64().unwrap_or(0)),
        "client_secret.revoke" => format!("Revoked {} client secret(s)", detail["revoked"].as_u64().unwrap_or(0)),
        "scim_secret.end_grace" => {
            format!("Ended the grace period of the previous SCIM secret token (ID {})", credential_prefix(detail))
        }
        "client_secret.end_grace" => {
            format!("Ended the grace period of the previous client secret (ID {})", credential_prefix(detail))
        }
        "directory.reset" => format!(
            "Reset the directory: deleted {} user(s) and {} group(s)",
            detail["users"].as_u64().unwrap_or(0),
            detail["groups"].as_u64().unwrap_or(0)
        ),
        "tenant.create" => format!(
            "Created the tenant \"{}\" ({}, {} profile)",
            text(detail, "name"),
            text(detail, "displayName"),
            profile_word(&detail["profile"])
        ),
        "tenant.rename" => {
            format!("Renamed the display name from \"{}\" to \"{}\"", text(detail, "from"), text(detail, "to"))
        }
        "tenant.disable" => format!("Disabled the tenant \"{}\"", text(detail, "name")),
        "tenant.enable" => format!("Enabled the tenant \"{}\"", text(detail, "name")),
        "tenant.delete" => format!(
            "Deleted the tenant \"{}\" and all its data ({} user(s))",
            text(detail, "name"),
            detail["users"].as_u64().unwrap_or(0)
        ),
        "admin.grant" => format!(
            "Granted {} {} {} administration",
            text(detail, "kind"),
            text(detail, "principal"),
            if detail["readOnly"].as_bool() == Some(true) { "read-only" } else { "full" }
        ),
        "admin.revoke" => {
            format!("Removed the administration right of {} {}", text(detail, "kind"), text(detail, "principal"))
        }
        "signing_key.rotate" => format!("Rotated the token signing key (new key {})", text(detail, "kid")),
        "mapper.create" => format!("Added the mapper {}", mapper_words(detail)),
        "mapper.update" => format!("Changed the mapper {}", mapper_words(detail)),
        "mapper.delete" => format!("Deleted the mapper {}", mapper_words(detail)),
        "mapper.azure_defaults" => {
            let names: Vec<&str> =
                detail["created"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            format!("Applied the Microsoft Entra ID defaults: created {}", names.join(", "))
        }
        "mapper.import" => format!(
            "Imported {} mapper(s){}",
            detail["count"].as_u64().unwrap_or(0),
            if detail["replace"].as_bool() == Some(true) { ", replacing the previous ones" } else { "" }
        ),
        "log_retention.update" => {
            let to = &detail["to"];
            let days = to["days"].as_u64().map_or("no age limit".to_owned(), |d| format!("{d} days"));
            let rows = to["rows"].as_u64().map_or("no count limit".to_owned(), |r| format!("{r} rows"));
            format!("Set the provisioning log retention to {days}, {rows}")
        }
        "user.deactivate" => format!("Deactivated the user \"{}\" by hand", text(detail, "userName")),
        "user.delete" => format!("Deleted the user \"{}\" by hand", text(detail, "userName")),
        "alerts.set" => alert_words(detail),
        "alerts.off" => "Switched the alerts off".to_owned(),
        "admin.break_glass" => "Signed in with a break-glass link (scimhub admin login-link)".to_owned(),
        "api_token.create" => {
            let reach = match detail["tenants"].as_array() {
                Some(tenants) if !tenants.is_empty() => {
                    let names: Vec<&str> = tenants.iter().filter_map(Value::as_str).collect();
                    format!("tenants {}", names.join(", "))
                }
                _ => "the platform".to_owned(),
            };
            let read_only = if detail["readOnly"].as_bool() == Some(true) { ", read-only" } else { "" };
            format!("Made the API token \"{}\" for {reach}{read_only}", text(detail, "name"))
        }
        "api_token.revoke" => format!("Revoked the API token {}", text(detail, "tokenId")),
        other => other.to_owned(),
    }
}

/// Saved alert settings in words: the rules that are on, then the channels.
fn alert_words(detail: &Value) -> String {
    let on = |key: &str, words: &dyn Fn(u64) -> String| detail[key].as_u64().map(words);
    let rules: Vec<String> = [
        on("errorRatePercent", &|p| {
            format!("error rate ≥ {p} % over {} min", detail["errorWindowMinutes"].as_u64().unwrap_or(0))
        }),
        on("silenceHours", &|h| format!("silence after {h} h")),
        on("expiryDays", &|d| format!("secrets ending within {d} days")),
        on("outboundMinutes", &|m| format!("applications failing for {m} min")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let emails = detail["emailTo"].as_array().map_or(0, Vec::len);
    format!(
        "Set the alerts: {}; webhook {}; {emails} e-mail address(es)",
        if rules.is_empty() { "no rule on".to_owned() } else { rules.join(", ") },
        detail["webhook"].as_str().unwrap_or("none")
    )
}

/// A mapper in words: `"first name" (firstName ← name.givenName, String)`.
fn mapper_words(detail: &Value) -> String {
    format!(
        "\"{}\" ({} ← {}, {})",
        text(detail, "name"),
        text(detail, "userAttribute"),
        text(detail, "claim"),
        text(detail, "jsonType")
    )
}

/// A string field of an audit detail ("" when absent).
fn text<'a>(detail: &'a Value, key: &str) -> &'a str {
    detail[key].as_str().unwrap_or_default()
}

fn profile_word(v: &Value) -> &'static str {
    match v.as_str() {
        Some("azure") => "Azure",
        _ => "Generic",
    }
}

/// A grace period in words ("1 hour", "7 days", "90 seconds").
pub(super) fn grace_words(secs: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match secs {
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3600 == 0 => plural(s / 3600, "hour"),
        s if s % 60 == 0 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn management_actions_read_as_sentences() {
        use serde_json::json;
        let said = |action: &str, detail: Value| audit_summary(action, &detail);
        assert_eq!(
            said("tenant.create", json!({ "name": "acme", "displayName": "Acme Corp", "profile": "azure" })),
            "Created the tenant \"acme\" (Acme Corp, Azure profile)"
        );
        assert_eq!(
            said("admin.grant", json!({ "kind": "email", "principal": "it@acme.test", "readOnly": true })),
            "Granted email it@acme.test read-only administration"
        );
        assert_eq!(
            said("tenant.delete", json!({ "name": "acme", "users": 3 })),
            "Deleted the tenant \"acme\" and all its data (3 user(s))"
        );
        assert_eq!(said("tenant.disable", json!({ "name": "acme" })), "Disabled the tenant \"acme\"");
    }

    #[test]
    fn grace_periods_read_as_words() {
        assert_eq!(grace_words(3600), "1 hour");
        assert_eq!(grace_words(7 * 86_400), "7 days");
        assert_eq!(grace_words(120), "2 minutes");
        assert_eq!(grace_words(61), "61 seconds");
    }
}
