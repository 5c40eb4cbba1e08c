//! Version preconditions (RFC 7644 §3.14 with RFC 9110 §13): `If-Match` guards writes against
//! lost updates, `If-None-Match` lets readers skip unchanged resources. Comparison is weak:
//! `W/"3"` and `"3"` name the same version.

use axum::http::{header, HeaderMap, HeaderName};
use scim::ScimError;

use crate::scim_http::response::weak_etag;

/// The preconditions a request carries.
#[derive(Debug, Clone, Default)]
pub struct Preconditions {
    if_match: Option<Vec<String>>,
    if_none_match: Option<Vec<String>>,
}

fn entity_tags(headers: &HeaderMap, name: HeaderName) -> Option<Vec<String>> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/").to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    (!values.is_empty()).then_some(values)
}

fn lists(tags: &[String], version: i64) -> bool {
    let current = weak_etag(version);
    let current = current.trim_start_matches("W/");
    tags.iter().any(|t| t == "*" || t == current)
}

impl Preconditions {
    /// Reads `If-Match` and `If-None-Match`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            if_match: entity_tags(headers, header::IF_MATCH),
            if_none_match: entity_tags(headers, header::IF_NONE_MATCH),
        }
    }

    /// For a write to a resource at `version`: 412 unless `If-Match` is absent, `*`, or lists it.
    pub fn check_write(&self, version: i64) -> Result<(), ScimError> {
        match &self.if_match {
            Some(tags) if !lists(tags, version) => Err(ScimError::precondition_failed(format!(
                "the resource is at version {}; If-Match does not list it",
                weak_etag(version)
            ))),
            _ => Ok(()),
        }
    }

    /// For a read of a resource at `version`: whether to answer 304 Not Modified.
    pub fn not_modified(&self, version: i64) -> bool {
        self.if_none_match.as_deref().is_some_and(|tags| lists(tags, version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: HeaderName, value: &str) -> Preconditions {
        let mut headers = HeaderMap::new();
        headers.insert(name, value.parse().unwrap());
        Preconditions::from_headers(&headers)
    }

    #[test]
    fn if_match_compares_weakly_and_accepts_star() {
        assert!(Preconditions::default().check_write(3).is_ok());
        assert!(with(header::IF_MATCH, "W/\"3\"").check_write(3).is_ok());
        assert!(with(header::IF_MATCH, "\"2\", \"3\"").check_write(3).is_ok());
        assert!(with(header::IF_MATCH, "*").check_write(9).is_ok());
        assert_eq!(with(header::IF_MATCH, "W/\"2\"").check_write(3).unwrap_err().status, 412);
    }

    #[test]
    fn if_none_match_detects_the_current_version() {
        assert!(with(header::IF_NONE_MATCH, "W/\"4\"").not_modified(4));
        assert!(!with(header::IF_NONE_MATCH, "W/\"4\"").not_modified(5));
        assert!(!Preconditions::default().not_modified(1));
    }
}
