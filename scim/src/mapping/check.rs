//! Checking mappers as an administrator saves or imports them: names, user attributes and
//! claims, and one type per custom extension attribute.

use super::claim::{custom_attribute, parse_claim, ClaimSource};
use super::{ClaimType, MapperSpec};

/// A refused mapper field: which one and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapperProblem {
    /// The refused field: [`MapperSpec::NAME`], [`MapperSpec::USER_ATTRIBUTE`],
    /// [`MapperSpec::CLAIM`], [`MapperSpec::JSON_TYPE`] or [`MapperSpec::INVERT`].
    pub field: &'static str,
    /// Why, for the administrator.
    pub message: String,
}

/// Checks a mapper against the tenant's `others` (not including the one being edited): a
/// non-empty name of at most 100 characters that no other mapper has (case-insensitive); a user
/// attribute of at most 100 characters, a letter then letters, digits, `_`, `.` or `-`, that no
/// other mapper fills (case-insensitive); a claim [`parse_claim`] accepts; and for a custom
/// extension attribute, the same JSON type and plurality as the other mappers reading it (one
/// attribute has one schema type).
pub fn check_mapper(spec: &MapperSpec, others: &[MapperSpec]) -> Result<(), MapperProblem> {
    let problem = |field: &'static str, message: String| Err(MapperProblem { field, message });
    let name = spec.name.trim();
    if name.is_empty() {
        return problem(MapperSpec::NAME, "the name must not be empty".into());
    }
    if name.chars().count() > MapperSpec::MAX_LENGTH {
        return problem(MapperSpec::NAME, format!("the name must have at most {} characters", MapperSpec::MAX_LENGTH));
    }
    let lower = name.to_lowercase();
    if let Some(other) = others.iter().find(|o| o.name.trim().to_lowercase() == lower) {
        return problem(MapperSpec::NAME, format!("another mapper is already named \"{}\"", other.name.trim()));
    }

    let attr = spec.user_attribute.as_str();
    if attr.is_empty() {
        return problem(MapperSpec::USER_ATTRIBUTE, "the user attribute must not be empty".into());
    }
    if attr.chars().count() > MapperSpec::MAX_LENGTH {
        return problem(
            MapperSpec::USER_ATTRIBUTE,
            format!("the user attribute must have at most {} characters", MapperSpec::MAX_LENGTH),
        );
    }
    let well_formed = attr.starts_with(|c: char| c.is_ascii_alphabetic())
        && attr.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if !well_formed {
        return problem(
            MapperSpec::USER_ATTRIBUTE,
            "the user attribute must start with a letter and have only letters, digits, '_', '.' and '-'".into(),
        );
    }
    if let Some(other) = others.iter().find(|o| o.user_attribute.eq_ignore_ascii_case(attr)) {
        return problem(
            MapperSpec::USER_ATTRIBUTE,
            format!(
                "the mapper \"{}\" already fills the user attribute \"{}\"",
                other.name.trim(),
                other.user_attribute
            ),
        );
    }

    let source = parse_claim(&spec.claim).map_err(|message| MapperProblem { field: MapperSpec::CLAIM, message })?;
    if spec.invert && spec.json_type != ClaimType::Boolean {
        return problem(MapperSpec::INVERT, "only a Boolean value can be inverted".into());
    }
    if let Some((urn, attr)) = custom_attribute(&source) {
        for other in others {
            let Ok(theirs) = parse_claim(&other.claim) else { continue };
            let same = custom_attribute(&theirs)
                .is_some_and(|(u, a)| u.eq_ignore_ascii_case(urn) && a.eq_ignore_ascii_case(attr));
            if same && (other.json_type, other.multivalued) != (spec.json_type, spec.multivalued) {
                return problem(
                    MapperSpec::JSON_TYPE,
                    format!(
                        "the mapper \"{}\" already reads \"{urn}:{attr}\" as {}: an attribute has one type, so this \
                         mapper must read it as {} too",
                        other.name.trim(),
                        type_label(other),
                        type_label(other)
                    ),
                );
            }
        }
    }
    Ok(())
}

/// Words that name the opposite of "active" in a user attribute (`isSoftDeleted`, `disabled`).
const INACTIVE_WORDS: [&str; 6] = ["softdeleted", "deleted", "disabled", "inactive", "suspended", "locked"];

/// A warning, not a refusal: the mapper stores whether the user is active into an attribute
/// whose name says the opposite (`isSoftDeleted`, `disabled`, …) without inverting it, so an
/// active user would read as deleted. Entra ID maps `Not([IsSoftDeleted])` to `active`; a
/// mapper back to `isSoftDeleted` must invert it.
pub fn inversion_warning(spec: &MapperSpec) -> Option<String> {
    let reads_active = matches!(parse_claim(&spec.claim), Ok(ClaimSource::Attribute(path))
        if path.to_string().eq_ignore_ascii_case("active"));
    let attr = spec.user_attribute.to_ascii_lowercase();
    let opposite = INACTIVE_WORDS.iter().any(|word| attr.contains(word));
    (reads_active && opposite && !spec.invert && spec.json_type == ClaimType::Boolean).then(|| {
        format!(
            "\"{attr}\" says the opposite of active, but this mapper stores active as it is: an active user \
             gets {attr} = true. Turn on Invert (as Entra ID's Not([IsSoftDeleted])).",
            attr = spec.user_attribute
        )
    })
}

/// A mapper's JSON type as the messages name it: `Boolean`, `a list of String`.
fn type_label(spec: &MapperSpec) -> String {
    if spec.multivalued {
        format!("a list of {}", spec.json_type.label())
    } else {
        spec.json_type.label().to_string()
    }
}

/// Checks a list of mappers (an import): each against the ones before it. The error carries
/// the index of the first refused mapper.
pub fn check_mappers(specs: &[MapperSpec]) -> Result<(), (usize, MapperProblem)> {
    for (i, spec) in specs.iter().enumerate() {
        let before = specs.get(..i).unwrap_or_default();
        check_mapper(spec, before).map_err(|p| (i, p))?;
    }
    Ok(())
}
