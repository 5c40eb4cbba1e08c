//! Attribute paths (RFC 7644 §3.10) and PATCH paths (RFC 7644 §3.5.2): parsing, canonical
//! printing and resolution against a resource type's schemas.
//!
//! Paths keep the case the client wrote; resolution against the schema is case-insensitive
//! (RFC 7643 §2.1), so `USERNAME` and `userName` address the same attribute.

use std::fmt;

use crate::error::ScimError;
use crate::filter::{self, Filter, FilterLimits};
use crate::schema::{AttributeDef, ResourceSchema, SchemaDef};

/// An attribute path: `[URI ":"] ATTRNAME *1subAttr` (RFC 7644 §3.10).
///
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value` has the urn
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, the attribute `manager` and the
/// sub-attribute `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN qualifying the attribute, as written (without the trailing `:`).
    pub urn: Option<String>,
    /// The top-level attribute name, as written.
    pub attr: String,
    /// The sub-attribute name, as written.
    pub sub_attr: Option<String>,
}

/// An attribute path resolved against a resource schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolved {
    /// The schema that owns the top-level attribute (the core schema for common attributes).
    pub(crate) owner: &'static SchemaDef,
    /// The top-level attribute.
    pub(crate) top: &'static AttributeDef,
    /// The sub-attribute, when the path names one.
    pub(crate) sub: Option<&'static AttributeDef>,
}

impl AttrPath {
    /// Parses an attribute path; a malformed one is a 400 `invalidPath`.
    pub fn parse(input: &str) -> Result<AttrPath, ScimError> {
        parse_attr_path(input).map_err(ScimError::invalid_path)
    }

    /// A path naming a top-level attribute with neither URN nor sub-attribute.
    pub fn simple(attr: &str) -> AttrPath {
        AttrPath { urn: None, attr: attr.to_string(), sub_attr: None }
    }

    /// Resolves against a resource schema: (top-level def, optional sub def). None if unknown.
    ///
    /// Unqualified names not in core/common fall back to a UNIQUE match in the extensions
    /// (Entra sends `manager` unqualified). A sub-attribute that the top-level attribute does not
    /// have makes the whole path unknown.
    pub fn resolve(&self, schema: &ResourceSchema) -> Option<(&'static AttributeDef, Option<&'static AttributeDef>)> {
        self.resolve_full(schema).map(|r| (r.top, r.sub))
    }

    /// The def of the addressed attribute (the sub def if any, else the top-level one).
    pub fn target_def(&self, schema: &ResourceSchema) -> Option<&'static AttributeDef> {
        self.resolve_full(schema).map(|r| r.sub.unwrap_or(r.top))
    }

    /// The URN of the schema that owns the attribute after resolution (core schema URN for
    /// core/common attributes), spelled as the schema defines it. None if the path is unknown.
    pub fn schema_urn(&self, schema: &ResourceSchema) -> Option<&'static str> {
        self.resolve_full(schema).map(|r| r.owner.id)
    }

    pub(crate) fn resolve_full(&self, schema: &ResourceSchema) -> Option<Resolved> {
        let core: &'static SchemaDef = schema.core;
        let (owner, top) = match &self.urn {
            Some(urn) => {
                let owner = schema.schema(urn)?;
                (owner, schema.attribute(Some(owner.id), &self.attr)?)
            }
            None => match schema.attribute(None, &self.attr) {
                Some(def) => (core, def),
                None => {
                    // Only an unambiguous extension attribute may go unqualified.
                    let mut found =
                        schema.extensions.iter().filter_map(|ext| ext.attribute(&self.attr).map(|def| (*ext, def)));
                    let first = found.next()?;
                    if found.next().is_some() {
                        return None;
                    }
                    first
                }
            },
        };
        let sub = match &self.sub_attr {
            Some(name) => Some(top.sub_attribute(name)?),
            None => None,
        };
        Some(Resolved { owner, top, sub })
    }
}

impl fmt::Display for AttrPath {
    /// Canonical form: `urn:...:attr.sub`, `name.givenName`, `userName`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.attr)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A PATCH operation's `path` (RFC 7644 §3.5.2): an attribute path, or a value path that selects
/// elements of a multi-valued attribute, optionally followed by a sub-attribute.
///
/// `emails[type eq "work"].value` parses to `attr` = `emails`, `filter` = `type eq "work"`,
/// `sub_attr` = `value`. Without a filter the sub-attribute lives in `attr.sub_attr` (and
/// `sub_attr` is None): `name.givenName` parses to `attr` = `name.givenName`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute addressed; its `sub_attr` is None when a filter is present.
    pub attr: AttrPath,
    /// The value filter selecting elements of a multi-valued attribute; its paths are
    /// relative to the elements (`type`, `value`).
    pub filter: Option<Filter>,
    /// The sub-attribute after the value filter (`.value` in `emails[type eq "work"].value`).
    pub sub_attr: Option<String>,
}

impl PatchPath {
    /// Parses a PATCH path; any error, including one in the value filter, is a 400
    /// `invalidPath`. Surrounding whitespace is ignored.
    // RFC 7644 §3.5.2: PATH = attrPath / valuePath [subAttr]
    //                  valuePath = attrPath "[" valFilter "]"
    pub fn parse(input: &str, limits: &FilterLimits) -> Result<PatchPath, ScimError> {
        if exceeds(input, limits.max_length) {
            return Err(ScimError::invalid_path(format!(
                "the path is longer than the limit of {} characters",
                limits.max_length
            )));
        }
        let s = input.trim();
        let Some(open) = s.find('[') else {
            return Ok(PatchPath { attr: AttrPath::parse(s)?, filter: None, sub_attr: None });
        };
        let attr = parse_attr_path(s.get(..open).unwrap_or_default().trim_end()).map_err(ScimError::invalid_path)?;
        if attr.sub_attr.is_some() {
            return Err(ScimError::invalid_path(format!(
                "a value filter '[...]' must follow an attribute name without a sub-attribute, not '{}'",
                excerpt(&attr.to_string())
            )));
        }
        let (filter, end) = filter::parse_bracketed(s, open, limits)
            .map_err(|detail| ScimError::invalid_path(format!("invalid value filter in path: {detail}")))?;
        let rest = s.get(end..).unwrap_or_default();
        let sub_attr = if rest.is_empty() {
            None
        } else if let Some(name) = rest.strip_prefix('.').filter(|name| is_attr_name(name)) {
            Some(name.to_string())
        } else {
            return Err(ScimError::invalid_path(format!(
                "unexpected '{}' after ']': only a sub-attribute such as '.value' may follow a value filter",
                excerpt(rest)
            )));
        };
        Ok(PatchPath { attr, filter: Some(filter), sub_attr })
    }
}

impl fmt::Display for PatchPath {
    /// Canonical form: `name.givenName`, `emails[type eq "work"].value`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Parses an attribute path, returning a message (without position) on error.
// RFC 7644 §3.10 (ABNF in RFC 7644 §3.4.2.2, figure 1):
//   attrPath = [URI ":"] ATTRNAME *1subAttr
//   subAttr  = "." ATTRNAME
// The URI is everything up to the last ':' (attribute names contain no ':').
pub(crate) fn parse_attr_path(input: &str) -> Result<AttrPath, String> {
    if input.is_empty() {
        return Err("the attribute path is empty".to_string());
    }
    let invalid = |why: String| format!("'{}' is not a valid attribute path: {why}", excerpt(input));
    let (urn, rest) = if starts_with_urn(input) {
        let colon = input.rfind(':').unwrap_or(0);
        let urn = input.get(..colon).unwrap_or_default();
        let rest = input.get(colon + 1..).unwrap_or_default();
        if !is_urn(urn) {
            return Err(invalid(format!("'{}' is not a schema URN", excerpt(urn))));
        }
        if rest.is_empty() {
            return Err(invalid("no attribute name after the schema URN".to_string()));
        }
        (Some(urn.to_string()), rest)
    } else {
        (None, input)
    };
    let (attr, sub) = match rest.split_once('.') {
        Some((attr, sub)) => (attr, Some(sub)),
        None => (rest, None),
    };
    for name in std::iter::once(attr).chain(sub) {
        if !is_attr_name(name) {
            return Err(invalid(format!(
                "'{}' is not an attribute name (a letter, then letters, digits, '-' or '_')",
                excerpt(name)
            )));
        }
    }
    Ok(AttrPath { urn, attr: attr.to_string(), sub_attr: sub.map(str::to_string) })
}

/// Whether `s` is an attribute name.
// RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar); nameChar = "-" / "_" / DIGIT / ALPHA.
// `$ref` (RFC 7643 §2.3.7) is the one reserved name outside that rule.
pub(crate) fn is_attr_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        _ => s.eq_ignore_ascii_case("$ref"),
    }
}

fn starts_with_urn(s: &str) -> bool {
    s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

/// A loose URN check (RFC 8141): `urn:` then at least one character, from the URN character
/// set, not ending in ':'. Resolution decides whether the schema exists.
fn is_urn(s: &str) -> bool {
    starts_with_urn(s)
        && s.len() > 4
        && !s.ends_with(':')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'*+,;=@/:".contains(&b))
}

/// Whether `s` has more than `max` characters (stops counting after `max + 1`).
pub(crate) fn exceeds(s: &str, max: usize) -> bool {
    s.len() > max && s.chars().nth(max).is_some()
}

/// At most 60 characters of `s`, for error messages.
pub(crate) fn excerpt(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or_default()),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ScimType;
    use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, GROUP_SCHEMA, USER_RESOURCE, USER_SCHEMA};

    fn limits() -> FilterLimits {
        FilterLimits::default()
    }

    #[test]
    fn simple_and_sub_attribute_paths() {
        let p = AttrPath::parse("name.givenName").unwrap();
        assert_eq!(p, AttrPath { urn: None, attr: "name".into(), sub_attr: Some("givenName".into()) });
        assert_eq!(p.to_string(), "name.givenName");
        assert_eq!(AttrPath::parse("userName").unwrap(), AttrPath::simple("userName"));
        assert_eq!(AttrPath::parse("members.$ref").unwrap().sub_attr.as_deref(), Some("$ref"));
        assert_eq!(AttrPath::parse("x509Certificates").unwrap().attr, "x509Certificates");
    }

    #[test]
    fn urn_is_everything_up_to_the_last_colon() {
        let input = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value";
        let p = AttrPath::parse(input).unwrap();
        assert_eq!(p.urn.as_deref(), Some(ENTERPRISE_USER_SCHEMA));
        assert_eq!(p.attr, "manager");
        assert_eq!(p.sub_attr.as_deref(), Some("value"));
        assert_eq!(p.to_string(), input);
        let p = AttrPath::parse("URN:ietf:params:scim:schemas:core:2.0:User:USERNAME").unwrap();
        assert_eq!(p.urn.as_deref(), Some("URN:ietf:params:scim:schemas:core:2.0:User"));
        assert_eq!(p.attr, "USERNAME", "the input's case is kept");
    }

    #[test]
    fn invalid_attribute_paths_are_invalid_path() {
        for bad in [
            "",
            "1abc",
            "user name",
            "name.",
            ".name",
            "name.givenName.x",
            "foo:bar",
            "urn:",
            "urn:x:",
            "urn:ietf:params:scim:schemas:core:2.0:User:",
            "emails[type eq \"work\"]",
            "na{me",
        ] {
            let err = AttrPath::parse(bad).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidPath), "{bad}");
            assert_eq!(err.status, 400);
            assert!(!err.detail.is_empty());
        }
        let err = AttrPath::parse("1abc").unwrap_err();
        assert!(err.detail.contains("'1abc' is not an attribute name"), "{}", err.detail);
    }

    #[test]
    fn resolves_core_common_and_extension_attributes() {
        let p = AttrPath::parse("userName").unwrap();
        let (top, sub) = p.resolve(&USER_RESOURCE).unwrap();
        assert_eq!(top.name, "userName");
        assert!(sub.is_none());
        assert_eq!(p.schema_urn(&USER_RESOURCE), Some(USER_SCHEMA));

        let p = AttrPath::parse("META.lastmodified").unwrap();
        assert_eq!(p.target_def(&USER_RESOURCE).unwrap().name, "lastModified");
        assert_eq!(p.schema_urn(&USER_RESOURCE), Some(USER_SCHEMA));

        // Entra sends `manager` unqualified: it resolves to the enterprise extension.
        let p = AttrPath::parse("manager").unwrap();
        assert_eq!(p.resolve(&USER_RESOURCE).unwrap().0.name, "manager");
        assert_eq!(p.schema_urn(&USER_RESOURCE), Some(ENTERPRISE_USER_SCHEMA));
        let p = AttrPath::parse("manager.value").unwrap();
        assert_eq!(p.target_def(&USER_RESOURCE).unwrap().name, "value");

        let p = AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeeNumber").unwrap();
        assert_eq!(p.target_def(&USER_RESOURCE).unwrap().name, "employeeNumber");
        assert_eq!(p.schema_urn(&USER_RESOURCE), Some(ENTERPRISE_USER_SCHEMA));

        let p = AttrPath::parse("urn:ietf:params:scim:schemas:core:2.0:User:id").unwrap();
        assert!(p.target_def(&USER_RESOURCE).unwrap().case_exact);

        assert_eq!(AttrPath::simple("members").schema_urn(&GROUP_RESOURCE), Some(GROUP_SCHEMA));
    }

    #[test]
    fn unknown_paths_do_not_resolve() {
        for p in [
            "nope",
            "name.nope",
            "userName.value",
            "urn:example:unknown:1.0:userName",
            "urn:ietf:params:scim:schemas:core:2.0:User:manager",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName",
        ] {
            let p = AttrPath::parse(p).unwrap();
            assert!(p.resolve(&USER_RESOURCE).is_none(), "{p}");
            assert!(p.schema_urn(&USER_RESOURCE).is_none(), "{p}");
        }
        assert!(AttrPath::simple("manager").resolve(&GROUP_RESOURCE).is_none());
        assert!(AttrPath::simple("userName").resolve(&GROUP_RESOURCE).is_none());
    }

    #[test]
    fn patch_path_without_filter() {
        let p = PatchPath::parse("name.givenName", &limits()).unwrap();
        assert_eq!(p.attr, AttrPath::parse("name.givenName").unwrap());
        assert!(p.filter.is_none() && p.sub_attr.is_none());
        assert_eq!(p.to_string(), "name.givenName");
        let p =
            PatchPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", &limits()).unwrap();
        assert_eq!(p.attr.target_def(&USER_RESOURCE).unwrap().name, "manager");
    }

    #[test]
    fn patch_path_members_value_filter_on_groups() {
        let p = PatchPath::parse("members[value eq \"2819c223-7f76-453a-919d-413861904646\"]", &limits()).unwrap();
        assert_eq!(p.attr, AttrPath::simple("members"));
        assert!(p.sub_attr.is_none());
        let members = p.attr.target_def(&GROUP_RESOURCE).unwrap();
        let filter = p.filter.as_ref().unwrap();
        let member = serde_json::json!({"value": "2819c223-7f76-453a-919d-413861904646"});
        assert!(filter.matches_element(&member, members));
        assert!(!filter.matches_element(&serde_json::json!({"value": "other"}), members));
        assert_eq!(p.to_string(), "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]");
    }

    #[test]
    fn patch_path_value_filter_with_sub_attribute() {
        let p = PatchPath::parse("emails[type eq \"work\"].value", &limits()).unwrap();
        assert_eq!(p.attr, AttrPath::simple("emails"));
        assert_eq!(p.sub_attr.as_deref(), Some("value"));
        assert_eq!(p.filter.as_ref().unwrap().to_string(), "type eq \"work\"");
        assert_eq!(p.to_string(), "emails[type eq \"work\"].value");
        // A ']' inside a string literal does not close the filter.
        let p = PatchPath::parse("emails[value eq \"a]b\" and type eq \"work\"]", &limits()).unwrap();
        assert!(p.sub_attr.is_none());
        assert_eq!(p.to_string(), "emails[value eq \"a]b\" and type eq \"work\"]");
        let p = PatchPath::parse(
            "urn:ietf:params:scim:schemas:core:2.0:User:addresses[type eq \"work\"].streetAddress",
            &limits(),
        )
        .unwrap();
        assert_eq!(p.attr.urn.as_deref(), Some(USER_SCHEMA));
        assert_eq!(p.sub_attr.as_deref(), Some("streetAddress"));
    }

    #[test]
    fn invalid_patch_paths_are_invalid_path() {
        for bad in [
            "",
            "emails[",
            "emails[type eq \"work\"",
            "emails[type eq]",
            "emails[type eq \"work\"]x",
            "emails[type eq \"work\"].",
            "emails[type eq \"work\"].value.x",
            "emails[type eq \"work\"][value pr]",
            "emails[type[value pr]]",
            "name.givenName[value pr]",
            "emails[]",
            "emails]",
            "[type eq \"work\"]",
            "emails[type eq \"work\")]",
        ] {
            let err = PatchPath::parse(bad, &limits()).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidPath), "{bad}: {}", err.detail);
        }
        let err = PatchPath::parse("emails[type eqq \"work\"]", &limits()).unwrap_err();
        assert!(err.detail.contains("unknown operator 'eqq'"), "{}", err.detail);
        let long = format!("emails[value eq \"{}\"]", "x".repeat(5000));
        let err = PatchPath::parse(&long, &limits()).unwrap_err();
        assert!(err.detail.contains("4096"), "{}", err.detail);
    }

    #[test]
    fn excerpt_truncates_on_char_boundaries() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(100);
        assert_eq!(excerpt(&long).chars().count(), 61);
    }
}
