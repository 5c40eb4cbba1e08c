//! The outbound mapping of a SCIM application: which of the tenant's user data fills which
//! attribute of the user sent there. A rule reads the SCIM resource (`scim:name.givenName`, or
//! a path alone), an internal attribute the tenant's mappers derived (`attribute:department`),
//! or scimhub's id (`id`), and writes one target attribute path (`title`, `name.givenName`,
//! `urn:…:enterprise:2.0:User:department`). The defaults send what Entra ID's SCIM apps get:
//! userName, name, displayName, emails and active, with scimhub's id as externalId.
//!
//! As text (the CLI and the dashboard's editor), a mapping is one `target = source` rule per
//! line; blank lines and lines starting with `#` are ignored.

use scim::mapping::{parse_claim, ClaimSource};
use scim::path::AttrPath;
use scim::schema::USER_RESOURCE;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::db::user::UserRecord;

/// The core User schema's URN.
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// Target attributes no rule may write: the target's own (`id`, `meta`), the envelope
/// (`schemas`), and what scimhub never sends (`password`, `groups`, which groups carry).
const RESERVED_TARGETS: [&str; 5] = ["id", "meta", "schemas", "password", "groups"];

/// One rule: the target attribute and where its value comes from, both as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The attribute path written at the target.
    pub target: String,
    /// `id`, `attribute:<internal attribute>`, or `[scim:]<SCIM attribute path>` (or `email`).
    pub source: String,
}

impl Rule {
    fn new(target: &str, source: &str) -> Rule {
        Rule { target: target.to_owned(), source: source.to_owned() }
    }
}

/// What the defaults send.
pub fn default_rules() -> Vec<Rule> {
    vec![
        Rule::new("userName", "scim:userName"),
        Rule::new("name", "scim:name"),
        Rule::new("displayName", "scim:displayName"),
        Rule::new("emails", "scim:emails"),
        Rule::new("active", "scim:active"),
        Rule::new("externalId", "id"),
    ]
}

/// Where a rule's value comes from, read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// scimhub's id of the user.
    Id,
    /// An internal attribute the tenant's mappers derive.
    Attribute(String),
    /// A SCIM attribute path of the stored resource.
    Scim(ClaimSource),
}

/// Why a mapping was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// A rule that does not parse or check; `line` counts from 1 (in the text form).
    #[error("line {line} ({text}): {message}")]
    Rule {
        /// The rule's line.
        line: usize,
        /// The rule as written.
        text: String,
        /// What is wrong.
        message: String,
    },
    /// No rule writes `userName`, which every SCIM service provider requires.
    #[error("no rule fills userName, which every SCIM application requires (e.g. userName = scim:userName)")]
    NoUserName,
}

/// The rules of the text form, unchecked (see [`check`]).
pub fn parse_text(text: &str) -> Result<Vec<Rule>, MappingError> {
    let mut rules = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((target, source)) = line.split_once('=') else {
            return Err(MappingError::Rule {
                line: index + 1,
                text: line.to_owned(),
                message: "write a rule as `target = source`, e.g. `title = scim:title`".into(),
            });
        };
        rules.push(Rule::new(target.trim(), source.trim()));
    }
    Ok(rules)
}

/// The text form of `rules`.
pub fn to_text(rules: &[Rule]) -> String {
    rules.iter().map(|r| format!("{} = {}\n", r.target, r.source)).collect()
}

/// Reads a rule's source; the message says what is wrong. `attributes` are the internal
/// attributes the tenant's mappers fill.
fn parse_source(source: &str, attributes: &[String]) -> Result<Source, String> {
    if source.eq_ignore_ascii_case("id") {
        return Ok(Source::Id);
    }
    if let Some(name) = source.strip_prefix("attribute:").map(str::trim) {
        return match attributes.iter().find(|a| a.as_str() == name) {
            Some(_) => Ok(Source::Attribute(name.to_owned())),
            None if attributes.is_empty() => Err(format!("\"{name}\" is not an attribute: the tenant has no mappers")),
            None => {
                Err(format!("\"{name}\" is not an attribute the tenant's mappers fill ({})", attributes.join(", ")))
            }
        };
    }
    let path = source.strip_prefix("scim:").unwrap_or(source).trim();
    // The stored userName and active are SCIM attributes like any other here.
    parse_claim(path).map(Source::Scim)
}

/// Reads a rule's target path.
fn parse_target(target: &str) -> Result<AttrPath, String> {
    let path = AttrPath::parse(target).map_err(|e| e.detail)?;
    if path.urn.is_none() && RESERVED_TARGETS.iter().any(|r| r.eq_ignore_ascii_case(&path.attr)) {
        return Err(format!("scimhub does not send \"{}\"", path.attr));
    }
    Ok(path)
}

/// Checks every rule of a mapping against the tenant's internal `attributes`: targets parse,
/// are not reserved, appear once, and one of them is `userName`; sources name a SCIM attribute
/// path, an internal attribute, or `id`.
pub fn check(rules: &[Rule], attributes: &[String]) -> Result<(), MappingError> {
    let mut seen: Vec<String> = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        let refuse = |message: String| MappingError::Rule {
            line: index + 1,
            text: format!("{} = {}", rule.target, rule.source),
            message,
        };
        let target = parse_target(&rule.target).map_err(refuse)?;
        parse_source(&rule.source, attributes).map_err(refuse)?;
        let key = target.to_string().to_lowercase();
        if seen.contains(&key) {
            return Err(refuse(format!("another rule already fills {target}")));
        }
        seen.push(key);
    }
    match seen.iter().any(|t| t == "username") {
        true => Ok(()),
        false => Err(MappingError::NoUserName),
    }
}

/// Puts `value` at `path` of the user being built: under its URN for an extension (listed in
/// `schemas`), inside its parent for a sub-attribute.
fn put(user: &mut Map<String, Value>, path: &AttrPath, value: Value) {
    let container = match path.urn.as_deref().filter(|urn| !urn.eq_ignore_ascii_case(USER_SCHEMA)) {
        Some(urn) => {
            if let Some(Value::Array(schemas)) = user.get_mut("schemas") {
                if !schemas.iter().any(|s| s.as_str() == Some(urn)) {
                    schemas.push(Value::String(urn.to_owned()));
                }
            }
            match user.entry(urn.to_owned()).or_insert_with(|| json!({})) {
                Value::Object(extension) => extension,
                _ => return,
            }
        }
        None => user,
    };
    match &path.sub_attr {
        Some(sub) => {
            if let Value::Object(parent) = container.entry(path.attr.clone()).or_insert_with(|| json!({})) {
                parent.insert(sub.clone(), value);
            }
        }
        None => {
            container.insert(path.attr.clone(), value);
        }
    }
}

/// The user as the application receives it under `rules` (checked before they were stored; a
/// rule that no longer reads, after a mapper was removed, sends nothing). A rule whose source
/// has no value for this user leaves its target out.
pub fn render(rules: &[Rule], record: &UserRecord) -> Value {
    // The columns are the truth for userName and active (a client may never have sent active).
    let mut resource = record.resource.clone();
    if let Some(obj) = resource.as_object_mut() {
        obj.insert("userName".into(), Value::String(record.user_name.clone()));
        obj.insert("active".into(), Value::Bool(record.active));
    }
    let mut user = Map::new();
    user.insert("schemas".into(), json!([USER_SCHEMA]));
    for rule in rules {
        let (Ok(target), Ok(source)) = (parse_target(&rule.target), parse_source_unchecked(&rule.source)) else {
            continue;
        };
        let value = match source {
            Source::Id => Some(Value::String(record.id.clone())),
            Source::Attribute(name) => record.attributes.get(&name).cloned(),
            Source::Scim(claim) => scim::mapping::read(&resource, &USER_RESOURCE, &claim),
        };
        if let Some(value) = value.filter(|v| !v.is_null()) {
            put(&mut user, &target, value);
        }
    }
    Value::Object(user)
}

/// A source read without checking an internal attribute's existence (a user's attributes are
/// what they are).
fn parse_source_unchecked(source: &str) -> Result<Source, String> {
    match source.strip_prefix("attribute:") {
        Some(name) => Ok(Source::Attribute(name.trim().to_owned())),
        None => parse_source(source, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> UserRecord {
        let mut attributes = Map::new();
        attributes.insert("department".into(), json!("Research"));
        UserRecord {
            id: "u-1".into(),
            user_name: "pia@contoso.com".into(),
            external_id: Some("entra-1".into()),
            display_name: Some("Pia".into()),
            active: true,
            resource: json!({
                "userName": "pia@contoso.com",
                "displayName": "Pia",
                "title": "Engineer",
                "name": { "givenName": "Pia", "familyName": "Lund" },
                "emails": [{ "value": "pia@home.example", "type": "home" },
                           { "value": "pia@contoso.com", "type": "work", "primary": true }],
            }),
            version: 1,
            created_at: 0,
            updated_at: 0,
            attributes,
            mapping_revision: 1,
        }
    }

    #[test]
    fn the_defaults_send_what_entra_sends_with_scimhubs_id() {
        let user = render(&default_rules(), &record());
        assert_eq!(user["userName"], "pia@contoso.com");
        assert_eq!(user["externalId"], "u-1");
        assert_eq!(user["active"], true, "active comes from the column even when never sent");
        assert_eq!(user["emails"].as_array().map(Vec::len), Some(2));
        assert_eq!(user["name"]["familyName"], "Lund");
        assert!(user.get("title").is_none());
        assert!(check(&default_rules(), &[]).is_ok());
    }

    #[test]
    fn rules_write_paths_extensions_and_internal_attributes() {
        let text = "userName = email\n# comment\n\nname.givenName = scim:name.givenName\n\
                    urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department = attribute:department\n\
                    title = title\nnickName = scim:nickName\nexternalId = id\n";
        let rules = parse_text(text).unwrap();
        assert_eq!(rules.len(), 6);
        check(&rules, &["department".to_owned()]).unwrap();
        let user = render(&rules, &record());
        let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        assert_eq!(user["userName"], "pia@contoso.com");
        assert_eq!(user["name"], json!({ "givenName": "Pia" }));
        assert_eq!(user[enterprise]["department"], "Research");
        assert_eq!(user["schemas"], json!([USER_SCHEMA, enterprise]));
        assert_eq!(user["title"], "Engineer");
        assert!(user.get("nickName").is_none(), "no value, no attribute");
        assert_eq!(parse_text(&to_text(&rules)).unwrap(), rules);
    }

    #[test]
    fn bad_rules_are_refused_naming_their_line() {
        let line_of = |text: &str, attributes: &[String]| match parse_text(text).and_then(|r| check(&r, attributes)) {
            Err(MappingError::Rule { line, .. }) => line,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(line_of("userName = userName\ntitle", &[]), 2);
        assert_eq!(line_of("userName = userName\nid = scim:title", &[]), 2);
        assert_eq!(line_of("userName = userName\npassword = scim:title", &[]), 2);
        assert_eq!(line_of("userName = userName\ntitle = scim:password", &[]), 2);
        assert_eq!(line_of("userName = userName\ntitle = scim:nosuch", &[]), 2);
        assert_eq!(line_of("userName = userName\ntitle = attribute:nosuch", &["department".into()]), 2);
        assert_eq!(line_of("userName = userName\nUSERNAME = email", &[]), 2);
        assert_eq!(line_of("userName = userName\nbad path! = title", &[]), 2);
        assert_eq!(check(&parse_text("title = title").unwrap(), &[]), Err(MappingError::NoUserName));
        let message = check(&parse_text("userName = userName\ntitle = attribute:x").unwrap(), &[]).unwrap_err();
        assert!(message.to_string().contains("no mappers"), "{message}");
    }
}
