//! Deriving a user's internal attributes from its stored SCIM resource, mapper by mapper, and
//! the claims each token carries.

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::json::member_ci;
use crate::path::excerpt;
use crate::resource::{self, Tolerance};
use crate::schema::ResourceSchema;

use super::claim::{parse_claim, ClaimSource};
use super::{ClaimType, MapperSpec, TokenKind};

/// One value found at a claim, with whether its element is the primary one.
struct Found {
    value: Value,
    primary: bool,
}

/// The values a claim finds in a canonical resource, in order (every element's for a
/// multi-valued attribute).
fn find(resource: &Value, schema: &ResourceSchema, source: &ClaimSource) -> Vec<Found> {
    let path = match source {
        ClaimSource::PrimaryEmail => {
            return resource::preferred_email(resource)
                .map(|email| Found { value: Value::String(email.to_string()), primary: true })
                .into_iter()
                .collect();
        }
        ClaimSource::Attribute(path) => path,
    };
    let Some(resolved) = path.resolve_full(schema) else {
        return Vec::new();
    };
    let container =
        if resolved.owner.id == schema.core.id { Some(resource) } else { member_ci(resource, resolved.owner.id) };
    let Some(top) = container.and_then(|c| member_ci(c, resolved.top.name)) else {
        return Vec::new();
    };
    let elements: Vec<&Value> = match top {
        Value::Array(items) if resolved.top.multi_valued => items.iter().collect(),
        one => vec![one],
    };
    elements
        .into_iter()
        .filter_map(|element| {
            let primary = member_ci(element, "primary") == Some(&Value::Bool(true));
            let value = match resolved.sub {
                Some(sub) => member_ci(element, sub.name)?,
                None => element,
            };
            Some(Found { value: value.clone(), primary })
        })
        .collect()
}

/// The value a claim reads from a canonical user resource, as a whole: every element of a
/// multi-valued attribute named without a sub-attribute (`emails`), else the primary element's
/// value (else the first's), as stored. An attribute of a custom extension `schema` does not
/// list is read by its name under its URN. `None` when the user has no value there.
pub fn read(resource: &Value, schema: &ResourceSchema, source: &ClaimSource) -> Option<Value> {
    if let ClaimSource::Attribute(path) = source {
        match path.resolve_full(schema) {
            Some(resolved) if resolved.top.multi_valued && resolved.sub.is_none() => {
                let items: Vec<Value> =
                    find(resource, schema, source).into_iter().map(|f| f.value).filter(resource::is_filled).collect();
                return (!items.is_empty()).then_some(Value::Array(items));
            }
            Some(_) => {}
            None => {
                let urn = path.urn.as_deref()?;
                let value = member_ci(member_ci(resource, urn)?, &path.attr)?;
                return resource::is_filled(value).then(|| value.clone());
            }
        }
    }
    let found: Vec<Found> =
        find(resource, schema, source).into_iter().filter(|f| resource::is_filled(&f.value)).collect();
    let primary = found.iter().position(|f| f.primary).unwrap_or(0);
    found.into_iter().nth(primary).map(|f| f.value)
}

/// Converts one found value to the mapper's JSON type; `None` when it does not fit. A complex
/// value with a `value` member (`manager`) stands for that member, except for JSON.
fn convert(json_type: ClaimType, value: &Value, tolerance: Tolerance) -> Option<Value> {
    let azure = tolerance == Tolerance::Azure;
    match (json_type, value) {
        (ClaimType::Json, v) => Some(v.clone()),
        (_, Value::Object(_)) => convert(json_type, member_ci(value, "value").filter(|v| !v.is_object())?, tolerance),
        (ClaimType::String, Value::String(_)) | (ClaimType::Boolean, Value::Bool(_)) => Some(value.clone()),
        (ClaimType::String, Value::Bool(_) | Value::Number(_)) if azure => Some(Value::String(value.to_string())),
        (ClaimType::Boolean, Value::String(s)) if azure => match s.trim() {
            t if t.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
            t if t.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
            _ => None,
        },
        (ClaimType::Long, Value::Number(n)) => n.as_i64().map(Value::from),
        (ClaimType::Long, Value::String(s)) if azure => s.trim().parse::<i64>().ok().map(Value::from),
        _ => None,
    }
}

/// The value a Boolean mapper with `invert` stores: the opposite.
fn inverted(spec: &MapperSpec, value: Value) -> Value {
    match value {
        Value::Bool(b) if spec.invert => Value::Bool(!b),
        other => other,
    }
}

/// A value as an error message shows it.
fn shown(value: &Value) -> String {
    match value {
        Value::Object(_) => "a JSON object".into(),
        Value::Array(_) => "a list".into(),
        other => excerpt(&other.to_string()),
    }
}

/// The internal user attributes of a canonical stored user resource (as [`resource::prepare`]
/// or `patch::apply` leave it, without `id` and `meta`), mapper by mapper.
///
/// A mapper's claim resolves against `schema` (the tenant's [`user_schema`]) case-insensitively:
/// core attributes at the top level, extension attributes under their URN, `name.givenName`, and
/// for a sub-attribute of a multi-valued attribute (`emails.value`) every element's. A
/// multi-valued mapper gets a list of every value (even of one); a single-valued one the
/// primary element's, else the first. A user without a value (null, blank, empty) leaves the
/// attribute out; so does a mapper whose claim no longer parses or resolves. A complex value
/// with a `value` sub-attribute (`manager`) gives that value, except to JSON mappers, which get
/// any value as it is.
///
/// A value of another type than the mapper's is a 400 `invalidValue`, except that
/// [`Tolerance::Azure`] converts `"True"`/`"false"` to booleans, numeric strings to numbers and
/// booleans and numbers to strings. The first mapper filling a user attribute wins.
///
/// [`user_schema`]: super::user_schema
pub fn derive(
    resource: &Value,
    schema: &ResourceSchema,
    specs: &[MapperSpec],
    tolerance: Tolerance,
) -> Result<Map<String, Value>, ScimError> {
    let mut out = Map::new();
    for spec in specs {
        if out.contains_key(&spec.user_attribute) {
            continue;
        }
        let Ok(source) = parse_claim(&spec.claim) else { continue };
        let found: Vec<Found> =
            find(resource, schema, &source).into_iter().filter(|f| resource::is_filled(&f.value)).collect();
        let chosen: Vec<Found> = if spec.multivalued {
            found
        } else {
            let primary = found.iter().position(|f| f.primary).unwrap_or(0);
            found.into_iter().nth(primary).into_iter().collect()
        };
        let mut values = Vec::with_capacity(chosen.len());
        for f in &chosen {
            let Some(value) = convert(spec.json_type, &f.value, tolerance).map(|v| inverted(spec, v)) else {
                return Err(ScimError::invalid_value(format!(
                    "the mapper \"{}\" reads \"{}\" as {}, but the user's value is {}",
                    spec.name.trim(),
                    spec.claim.trim(),
                    spec.json_type.label(),
                    shown(&f.value)
                )));
            };
            if resource::is_filled(&value) {
                values.push(value);
            }
        }
        let value = if spec.multivalued { (!values.is_empty()).then_some(Value::Array(values)) } else { values.pop() };
        if let Some(value) = value {
            out.insert(spec.user_attribute.clone(), value);
        }
    }
    Ok(out)
}

/// The claims a relying party sees in `token`: for each mapper whose toggle for `token` is on
/// and whose user attribute has a value in `internal` (from [`derive()`]), the value under the
/// user attribute's name. Callers add `sub` themselves.
pub fn claims(internal: &Map<String, Value>, specs: &[MapperSpec], token: TokenKind) -> Map<String, Value> {
    specs
        .iter()
        .filter(|spec| spec.in_token(token))
        .filter_map(|spec| {
            let value = internal.get(&spec.user_attribute).filter(|v| !v.is_null())?;
            Some((spec.user_attribute.clone(), value.clone()))
        })
        .collect()
}
