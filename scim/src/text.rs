//! Names that must not deceive: the characters refused in `userName`, `displayName` and
//! `externalId` (control characters, bidirectional controls, invisible format characters), and
//! the fold that uniqueness and filters compare (Unicode NFC, then lower case), so that a name
//! cannot be registered twice in two spellings that look the same.
//!
//! What is refused, by attribute:
//! - `userName` and `externalId` (identifiers): every control character (Unicode `Cc`: C0
//!   with NUL, TAB, CR and LF, DEL, C1), the line and paragraph separators, and every format
//!   character (`Cf`): the bidirectional controls and marks, the zero-width characters, the
//!   word joiner, the byte order mark, the soft hyphen, tag characters and the others.
//! - `displayName` (text people read): the same, except that a zero-width joiner or non-joiner
//!   (U+200D, U+200C) may stand between two visible non-ASCII characters, where it is
//!   part of the writing: emoji sequences (👩‍💻) and Persian or Indic words need it. Next to
//!   ASCII, doubled, or at either end, it only hides a difference and is refused.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::error::ScimError;

/// The fold that uniqueness (`userName`) and case-insensitive filters compare: Unicode NFC,
/// then lower case. Canonically equivalent spellings (`é` composed and decomposed) fold alike.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.nfc().collect::<String>().to_lowercase()
}

/// How strictly an attribute's text is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// An identifier: no control, bidirectional or format character at all.
    Identifier,
    /// A name people read: as [`Rule::Identifier`], but joiners inside non-ASCII writing pass.
    Name,
}

/// The rule of a top-level core attribute, by its display path; `None`: not checked here.
fn rule_of(path: &str) -> Option<Rule> {
    match path {
        "userName" | "externalId" => Some(Rule::Identifier),
        "displayName" => Some(Rule::Name),
        _ => None,
    }
}

/// Refuses, with 400 `invalidValue` naming the attribute, a value of `userName`, `displayName`
/// or `externalId` (the attribute's display path) that contains a character this module's rules
/// refuse. Other attributes pass unchecked.
pub fn check_attribute(path: &str, value: &str) -> Result<(), ScimError> {
    let Some(rule) = rule_of(path) else { return Ok(()) };
    match refused(value, rule) {
        None => Ok(()),
        Some((c, why)) => Err(ScimError::invalid_value(format!(
            "attribute \"{path}\" must not contain {why} (U+{:04X})",
            u32::from(c)
        ))),
    }
}

/// A bidirectional control or mark (Unicode's `Bidi_Control`, plus the implicit marks).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A zero-width joiner or non-joiner.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

/// A character a joiner may stand next to in a name: visible and not ASCII.
fn joins(c: Option<char>) -> bool {
    c.is_some_and(|c| {
        !c.is_ascii()
            && !c.is_whitespace()
            && !matches!(c.general_category(), GeneralCategory::Control | GeneralCategory::Format)
    })
}

/// The first refused character of `value` and what it is.
fn refused(value: &str, rule: Rule) -> Option<(char, &'static str)> {
    let chars: Vec<char> = value.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            return Some((c, "control characters"));
        }
        if is_bidi_control(c) {
            return Some((c, "bidirectional control characters"));
        }
        if c.general_category() != GeneralCategory::Format {
            continue;
        }
        let joined = rule == Rule::Name
            && is_joiner(c)
            && joins(i.checked_sub(1).and_then(|p| chars.get(p)).copied())
            && joins(chars.get(i + 1).copied());
        if !joined {
            return Some((c, "invisible formatting characters"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScimType;

    fn refuses(path: &str, value: &str) -> bool {
        match check_attribute(path, value) {
            Ok(()) => false,
            Err(e) => {
                assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidValue)));
                assert!(e.detail.contains(&format!("\"{path}\"")), "{}", e.detail);
                true
            }
        }
    }

    const ATTRIBUTES: [&str; 3] = ["userName", "displayName", "externalId"];

    #[test]
    fn ordinary_names_pass_everywhere() {
        for path in ATTRIBUTES {
            for value in ["bjensen@example.com", "Zoë Müller", "李雷", "O'Brien", "Ægir Þór", "Дмитрий", "José-María"]
            {
                assert!(!refuses(path, value), "{path}: {value}");
            }
        }
    }

    #[test]
    fn control_characters_are_refused_everywhere() {
        for path in ATTRIBUTES {
            for c in ['\0', '\t', '\r', '\n', '\u{1B}', '\u{7F}', '\u{85}', '\u{9F}', '\u{2028}', '\u{2029}'] {
                assert!(refuses(path, &format!("ali{c}ce")), "{path}: U+{:04X}", u32::from(c));
            }
        }
        assert!(check_attribute("userName", "a\0b").unwrap_err().detail.contains("U+0000"));
    }

    #[test]
    fn bidi_controls_are_refused_everywhere() {
        let bidi = ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}'];
        for path in ATTRIBUTES {
            for c in bidi.into_iter().chain(['\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}']) {
                assert!(refuses(path, &format!("admin{c}gpj.exe")), "{path}: U+{:04X}", u32::from(c));
                // Also between non-ASCII letters, where a joiner would pass.
                assert!(refuses(path, &format!("ش{c}ش")), "{path}: U+{:04X}", u32::from(c));
            }
        }
    }

    #[test]
    fn invisible_characters_are_refused_everywhere() {
        for path in ATTRIBUTES {
            for c in ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{AD}', '\u{180E}', '\u{E0041}'] {
                assert!(refuses(path, &format!("ad{c}min")), "{path}: U+{:04X}", u32::from(c));
                assert!(refuses(path, &format!("{c}admin")), "{path}: U+{:04X}", u32::from(c));
            }
        }
    }

    #[test]
    fn joiners_inside_non_ascii_writing_pass_in_display_names_only() {
        // An emoji sequence (woman, ZWJ, laptop; with a skin tone) and Persian with a ZWNJ.
        for value in ["Ada 👩\u{200D}💻", "👩🏽\u{200D}💻", "می\u{200C}خواهم"] {
            assert!(!refuses("displayName", value), "{value}");
            assert!(refuses("userName", value), "{value}");
            assert!(refuses("externalId", value), "{value}");
        }
        // Next to ASCII, at an end, or doubled, a joiner only hides a difference.
        for value in ["Ad\u{200D}min", "👩\u{200D}", "\u{200C}می", "👩\u{200D}\u{200D}💻", "👩\u{200D} 💻"]
        {
            assert!(refuses("displayName", value), "{value:?}");
        }
    }

    #[test]
    fn other_attributes_are_not_checked_here() {
        assert!(check_attribute("nickName", "a\u{202E}b").is_ok());
        assert!(check_attribute("name.formatted", "a\tb").is_ok());
    }

    mod resources {
        use serde_json::{json, Value};

        use crate::filter::FilterLimits;
        use crate::patch::{apply, PatchRequest};
        use crate::resource::{prepare, Tolerance};
        use crate::schema::{ResourceSchema, GROUP_RESOURCE, PATCH_OP_SCHEMA, USER_RESOURCE};
        use crate::{ScimError, ScimType};

        const TOLERANCES: [Tolerance; 2] = [Tolerance::Strict, Tolerance::Azure];

        fn refused_by(result: Result<impl std::fmt::Debug, ScimError>, path: &str) {
            let e = result.unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{}", e.detail);
            assert!(e.detail.contains(&format!("\"{path}\"")), "{}", e.detail);
        }

        fn patch(
            stored: &Value,
            schema: &ResourceSchema,
            ops: Value,
            tolerance: Tolerance,
        ) -> Result<Value, ScimError> {
            let request = PatchRequest::parse(&json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops}), tolerance)?;
            let mut resource = stored.clone();
            apply(&mut resource, &request, schema, tolerance, &FilterLimits::default())?;
            Ok(resource)
        }

        #[test]
        fn create_and_replace_bodies_are_checked_in_both_profiles() {
            for tolerance in TOLERANCES {
                refused_by(prepare(json!({"userName": "bob\u{0}"}), &USER_RESOURCE, tolerance), "userName");
                refused_by(prepare(json!({"USERNAME": "\u{202E}bob"}), &USER_RESOURCE, tolerance), "userName");
                let body = json!({"userName": "bob", "displayName": "B\u{200B}ob"});
                refused_by(prepare(body, &USER_RESOURCE, tolerance), "displayName");
                let body = json!({"userName": "bob", "externalId": "id\r\n"});
                refused_by(prepare(body, &USER_RESOURCE, tolerance), "externalId");
                refused_by(
                    prepare(json!({"displayName": "Ad\u{2066}mins"}), &GROUP_RESOURCE, tolerance),
                    "displayName",
                );
                let body = json!({"displayName": "Admins", "externalId": "\u{FEFF}x"});
                refused_by(prepare(body, &GROUP_RESOURCE, tolerance), "externalId");
                // Ordinary names, and other attributes, are not affected.
                let body = json!({"userName": "zoë.müller@example.com", "displayName": "Zoë Müller 👩\u{200D}💻",
                                  "externalId": "李雷", "nickName": "tab\there"});
                assert!(prepare(body, &USER_RESOURCE, tolerance).is_ok());
            }
        }

        #[test]
        fn patched_values_are_checked_and_old_values_are_left_alone() {
            for tolerance in TOLERANCES {
                let stored = prepare(json!({"userName": "bob", "displayName": "Bob"}), &USER_RESOURCE, tolerance)
                    .unwrap()
                    .resource;
                let ops = json!([{"op": "replace", "path": "displayName", "value": "Bob\u{202E}"}]);
                refused_by(patch(&stored, &USER_RESOURCE, ops, tolerance), "displayName");
                let ops = json!([{"op": "replace", "value": {"userName": "bob\u{7F}"}}]);
                refused_by(patch(&stored, &USER_RESOURCE, ops, tolerance), "userName");
                let ops = json!([{"op": "add", "path": "externalId", "value": "x\u{2060}"}]);
                refused_by(patch(&stored, &USER_RESOURCE, ops, tolerance), "externalId");
                let group = prepare(json!({"displayName": "Admins"}), &GROUP_RESOURCE, tolerance).unwrap().resource;
                let ops = json!([{"op": "replace", "path": "displayName", "value": "Admins\u{0}"}]);
                refused_by(patch(&group, &GROUP_RESOURCE, ops, tolerance), "displayName");
                // A stored name from before these rules does not block other changes.
                let mut legacy = stored.clone();
                legacy["userName"] = json!("bob\u{200B}");
                let ops = json!([{"op": "replace", "path": "active", "value": false}]);
                assert_eq!(patch(&legacy, &USER_RESOURCE, ops, tolerance).unwrap()["active"], json!(false));
            }
        }
    }

    #[test]
    fn the_fold_makes_canonical_equivalents_and_cases_equal() {
        let composed = "Jos\u{E9}@example.com";
        let decomposed = "Jose\u{301}@example.com";
        assert_ne!(composed, decomposed);
        assert_eq!(fold(composed), fold(decomposed));
        assert_eq!(fold(decomposed), "jos\u{E9}@example.com");
        assert_eq!(fold("JOSE\u{301}"), fold("jos\u{E9}"));
        assert_eq!(fold("BJensen"), "bjensen");
        assert_eq!(fold("ÅNGSTRÖM"), fold("A\u{30A}ngstro\u{308}m"));
        // Distinct letters stay distinct.
        assert_ne!(fold("e"), fold("é"));
    }
}
