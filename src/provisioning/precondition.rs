//! Version preconditions (RFC 7644 §3.14 with RFC 9110 §13): `If-Match` guards writes against
//! lost updates, `If-None-Match` lets readers skip unchanged resources. Comparison is weak:
//! `W/"3"` and `"3"` name the same version. The SCIM API reads the entity tags from the
//! headers (and Bulk from an operation's `version`); the checks are here.

use scim::ScimError;

use super::render::version_tag;

/// The preconditions a request carries: the entity tags it lists, if it lists any.
#[derive(Debug, Clone, Default)]
pub struct Preconditions {
    if_match: Option<Vec<String>>,
    if_none_match: Option<Vec<String>>,
}

/// The tags as compared: without the weak marker, empty ones dropped; none is no condition.
fn normalized<'a>(tags: impl IntoIterator<Item = &'a str>) -> Option<Vec<String>> {
    let tags: Vec<String> =
        tags.into_iter().map(|t| t.trim().trim_start_matches("W/").to_owned()).filter(|t| !t.is_empty()).collect();
    (!tags.is_empty()).then_some(tags)
}

fn lists(tags: &[String], version: i64) -> bool {
    let current = version_tag(version);
    let current = current.trim_start_matches("W/");
    tags.iter().any(|t| t == "*" || t == current)
}

impl Preconditions {
    /// The conditions of the entity tags listed by `If-Match` and by `If-None-Match` (each tag
    /// as sent: `W/"3"`, `"3"` or `*`).
    pub fn new<'a>(
        if_match: impl IntoIterator<Item = &'a str>,
        if_none_match: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Self { if_match: normalized(if_match), if_none_match: normalized(if_none_match) }
    }

    /// For a write to a resource at `version`: 412 unless `If-Match` is absent, `*`, or lists it.
    pub fn check_write(&self, version: i64) -> Result<(), ScimError> {
        match &self.if_match {
            Some(tags) if !lists(tags, version) => Err(ScimError::precondition_failed(format!(
                "the resource is at version {}; If-Match does not list it",
                version_tag(version)
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

    fn if_match(tags: &[&str]) -> Preconditions {
        Preconditions::new(tags.iter().copied(), [])
    }

    #[test]
    fn if_match_compares_weakly_and_accepts_star() {
        assert!(Preconditions::default().check_write(3).is_ok());
        assert!(if_match(&["W/\"3\""]).check_write(3).is_ok());
        assert!(if_match(&["\"2\"", " \"3\""]).check_write(3).is_ok());
        assert!(if_match(&["*"]).check_write(9).is_ok());
        assert!(if_match(&["", " "]).check_write(9).is_ok(), "no tag is no condition");
        assert_eq!(if_match(&["W/\"2\""]).check_write(3).unwrap_err().status, 412);
    }

    #[test]
    fn if_none_match_detects_the_current_version() {
        let none_match = Preconditions::new([], ["W/\"4\""]);
        assert!(none_match.not_modified(4));
        assert!(!none_match.not_modified(5));
        assert!(!Preconditions::default().not_modified(1));
    }
}
