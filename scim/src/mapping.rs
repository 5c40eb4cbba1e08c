//! Attribute mappers: how a tenant's SCIM users become the user attributes of its platform.
//!
//! A mapper reads one value of the stored SCIM resource (its *token claim*, a SCIM attribute
//! path such as `name.givenName`, `urn:…:enterprise:2.0:User:manager` or a custom extension's
//! `urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag`) and stores it under
//! an internal *user attribute* name with a JSON type. The toggles say which tokens carry it as a
//! claim. The server and the dashboard share this module: the editor validates a path in the
//! browser with the same code the server applies.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::extension::{self, CustomAttr, CustomExtension};
use crate::path::{excerpt, AttrPath};
use crate::resource::{self, Tolerance};
use crate::schema::{AttributeDef, ResourceSchema, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_RESOURCE};

/// The JSON type of a mapped value ("Claim JSON type" in the editor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClaimType {
    /// A JSON string.
    String,
    /// `true` or `false`.
    #[serde(rename = "boolean")]
    Boolean,
    /// A whole number (Integer/long).
    #[serde(rename = "long")]
    Long,
    /// Any JSON value, kept as it is.
    #[serde(rename = "JSON")]
    Json,
}

impl ClaimType {
    /// Every type, in the editor's order.
    pub const ALL: [ClaimType; 4] = [ClaimType::String, ClaimType::Boolean, ClaimType::Long, ClaimType::Json];

    /// The stored and serialised name (`String`, `boolean`, `long`, `JSON`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimType::String => "String",
            ClaimType::Boolean => "boolean",
            ClaimType::Long => "long",
            ClaimType::Json => "JSON",
        }
    }

    /// What the editor shows.
    pub fn label(self) -> &'static str {
        match self {
            ClaimType::String => "String",
            ClaimType::Boolean => "Boolean",
            ClaimType::Long => "Integer/long",
            ClaimType::Json => "JSON",
        }
    }

    /// Reads a stored or submitted name (case-insensitive; `int`, `integer` mean long).
    pub fn parse(name: &str) -> Option<ClaimType> {
        match name.trim().to_ascii_lowercase().as_str() {
            "string" => Some(ClaimType::String),
            "boolean" | "bool" => Some(ClaimType::Boolean),
            "long" | "int" | "integer" | "integer/long" => Some(ClaimType::Long),
            "json" => Some(ClaimType::Json),
            _ => None,
        }
    }
}

/// The tokens a relying party receives, each with its own mapper toggle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenKind {
    /// The OpenID Connect ID token.
    IdToken,
    /// The OAuth 2.0 access token.
    AccessToken,
    /// The userinfo endpoint's answer.
    Userinfo,
    /// The token introspection endpoint's answer (RFC 7662).
    Introspection,
}

impl TokenKind {
    /// Every token type, in the editor's order.
    pub const ALL: [TokenKind; 4] =
        [TokenKind::IdToken, TokenKind::AccessToken, TokenKind::Userinfo, TokenKind::Introspection];

    /// What the editor and the claims preview call it.
    pub fn label(self) -> &'static str {
        match self {
            TokenKind::IdToken => "ID token",
            TokenKind::AccessToken => "Access token",
            TokenKind::Userinfo => "Userinfo",
            TokenKind::Introspection => "Token introspection",
        }
    }
}

/// One mapper as an administrator configures it (type "User Attribute"). This is also the
/// export/import format, one JSON object per mapper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapperSpec {
    /// The mapper's name, unique in its tenant.
    pub name: String,
    /// The internal user attribute it fills, unique in its tenant.
    pub user_attribute: String,
    /// The SCIM attribute path it reads (or the alias `email`).
    pub claim: String,
    /// The JSON type of the value.
    pub json_type: ClaimType,
    /// Whether the value is a list of every value (else the single, primary or first, value).
    #[serde(default)]
    pub multivalued: bool,
    /// Carried in the ID token.
    #[serde(default = "on")]
    pub id_token: bool,
    /// Carried in the access token.
    #[serde(default = "on")]
    pub access_token: bool,
    /// Carried in the userinfo answer.
    #[serde(default = "on")]
    pub userinfo: bool,
    /// Carried in the token introspection answer.
    #[serde(default = "on")]
    pub introspection: bool,
}

fn on() -> bool {
    true
}

impl MapperSpec {
    /// The field name of [`MapperSpec::name`] in forms and in [`MapperProblem::field`].
    pub const NAME: &'static str = "name";
    /// The field name of [`MapperSpec::user_attribute`].
    pub const USER_ATTRIBUTE: &'static str = "userAttribute";
    /// The field name of [`MapperSpec::claim`].
    pub const CLAIM: &'static str = "claim";
    /// The field name of [`MapperSpec::json_type`].
    pub const JSON_TYPE: &'static str = "jsonType";
    /// The most characters a name or a user attribute may have.
    pub const MAX_LENGTH: usize = 100;

    /// Whether this mapper's value is a claim of `token`.
    pub fn in_token(&self, token: TokenKind) -> bool {
        match token {
            TokenKind::IdToken => self.id_token,
            TokenKind::AccessToken => self.access_token,
            TokenKind::Userinfo => self.userinfo,
            TokenKind::Introspection => self.introspection,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Claims
// ---------------------------------------------------------------------------------------------

/// The alias of the preferred email (Entra's setup guide maps `mail` to it).
const EMAIL_ALIAS: &str = "email";

/// The URN of the custom extension of Entra's setup guide (its `extensionAttribute1` → `tag`).
pub const CUSTOM_EXTENSION_URN: &str = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User";

/// Where a mapper's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimSource {
    /// The alias `email`: the primary email's value, else the `work` one's, else the first one's.
    PrimaryEmail,
    /// A SCIM attribute path, as written.
    Attribute(AttrPath),
}

/// Reads and checks a mapper's claim: the alias `email` (any case), or an attribute path of the
/// stored user resource.
///
/// A path must name an attribute (and sub-attribute) of the core User schema or of the
/// enterprise extension, unqualified (`name.givenName`, `manager`) or with its schema URN; or an
/// attribute of a custom extension
/// `urn:ietf:params:scim:schemas:extension:<Name>:<version>:User:<attr>`, which has no
/// sub-attributes and may not take the name of an enterprise attribute (Entra sends those
/// unqualified, so the name must stay unambiguous). `password` (write-only, never stored),
/// `groups` (computed from the groups), `id` and `meta` (kept in columns, not in the stored
/// resource) are refused. The error is a message for the administrator.
pub fn parse_claim(claim: &str) -> Result<ClaimSource, String> {
    let claim = claim.trim();
    if claim.is_empty() {
        return Err("the claim is empty: give a SCIM attribute path such as \"userName\" or \"name.givenName\"".into());
    }
    if claim.eq_ignore_ascii_case(EMAIL_ALIAS) {
        return Ok(ClaimSource::PrimaryEmail);
    }
    if USER_RESOURCE.schema(claim).is_some() || extension::custom_extension_name(claim).is_some() {
        return Err(format!(
            "\"{}\" names a whole schema: add ':' and the name of one of its attributes",
            excerpt(claim)
        ));
    }
    let path = AttrPath::parse(claim).map_err(|e| e.detail)?;
    match path.urn.as_deref() {
        Some(urn) if USER_RESOURCE.schema(urn).is_none() => check_custom(&path, urn)?,
        _ => check_standard(&path)?,
    }
    Ok(ClaimSource::Attribute(path))
}

/// Checks a path of the core User schema or of the enterprise extension.
fn check_standard(path: &AttrPath) -> Result<(), String> {
    let top_only = AttrPath { sub_attr: None, ..path.clone() };
    let Some(top) = top_only.resolve(&USER_RESOURCE).map(|(top, _)| top) else {
        return Err(match path.urn.as_deref() {
            Some(urn) if urn.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) => {
                format!("the enterprise User schema has no attribute \"{}\"", path.attr)
            }
            Some(_) => format!("the core User schema has no attribute \"{}\"", path.attr),
            None => format!(
                "neither the User schema nor its enterprise extension has an attribute \"{}\"; an attribute of a \
                 custom extension needs its schema URN, such as \"{CUSTOM_EXTENSION_URN}:{}\"",
                path.attr, path.attr
            ),
        });
    };
    if let Some(why) = refusal(top) {
        return Err(why);
    }
    match &path.sub_attr {
        Some(_) if top.sub_attributes.is_empty() => Err(format!("\"{}\" has no sub-attributes", top.name)),
        Some(sub) if top.sub_attribute(sub).is_none() => {
            Err(format!("\"{}\" has no sub-attribute \"{sub}\"", top.name))
        }
        _ => Ok(()),
    }
}

/// Why a mapper may not read the attribute `top`, if it may not.
fn refusal(top: &AttributeDef) -> Option<String> {
    match top.name {
        "password" => {
            Some("\"password\" is write-only: it is never stored nor returned, so no mapper can read it".into())
        }
        "groups" => Some(
            "\"groups\" is read-only and computed from the tenant's groups: it is not part of the stored user".into(),
        ),
        "id" | "meta" => {
            Some(format!("\"{}\" is assigned by the server: it is not part of the stored user resource", top.name))
        }
        _ => None,
    }
}

/// Checks a path whose URN is not one of the standard User schemas: it must be a custom
/// extension's.
fn check_custom(path: &AttrPath, urn: &str) -> Result<(), String> {
    if urn.eq_ignore_ascii_case(GROUP_SCHEMA) {
        return Err(format!("\"{urn}\" is the Group schema: mappers read the attributes of users"));
    }
    match extension::custom_extension_name(urn) {
        None => {
            return Err(format!(
                "\"{}\" is not a User schema: use an attribute of the core User schema, of the enterprise extension or \
                 of a custom extension \"urn:ietf:params:scim:schemas:extension:<Name>:<version>:User\", such as \
                 \"{CUSTOM_EXTENSION_URN}\"",
                excerpt(urn)
            ))
        }
        Some(name) if name.eq_ignore_ascii_case("enterprise") => {
            return Err(format!("the enterprise extension is \"{ENTERPRISE_USER_SCHEMA}\", not \"{urn}\""))
        }
        Some(_) => {}
    }
    // `$ref` is an attribute name in paths, but not one a custom attribute can have.
    if !path.attr.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("\"{}\" cannot be the name of a custom attribute", path.attr));
    }
    if let Some(sub) = &path.sub_attr {
        return Err(format!(
            "custom extension attributes have no sub-attributes: read \"{urn}:{}\" rather than its \"{sub}\"",
            path.attr
        ));
    }
    if let Some(def) = USER_RESOURCE.attribute(Some(ENTERPRISE_USER_SCHEMA), &path.attr) {
        return Err(format!(
            "\"{}\" is an attribute of the enterprise extension, which clients send without its URN: a custom \
             extension cannot have one too (read \"{ENTERPRISE_USER_SCHEMA}:{}\" instead)",
            def.name, def.name
        ));
    }
    Ok(())
}

/// The custom extension URN and attribute a claim reads, if it reads one.
fn custom_attribute(source: &ClaimSource) -> Option<(&str, &str)> {
    match source {
        ClaimSource::Attribute(AttrPath { urn: Some(urn), attr, .. }) if USER_RESOURCE.schema(urn).is_none() => {
            Some((urn, attr))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Checking mappers
// ---------------------------------------------------------------------------------------------

/// A refused mapper field: which one and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapperProblem {
    /// The refused field: [`MapperSpec::NAME`], [`MapperSpec::USER_ATTRIBUTE`],
    /// [`MapperSpec::CLAIM`] or [`MapperSpec::JSON_TYPE`].
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

// ---------------------------------------------------------------------------------------------
// The tenant's user schema
// ---------------------------------------------------------------------------------------------

/// The tenant's user resource type: core User, the enterprise extension, then one schema per
/// custom extension its mappers read (sorted by URN; `schema.extensions` after the first are the
/// custom ones, for `/Schemas` and `/ResourceTypes`). Each custom schema is named after its
/// `<Name>` and declares the attributes the mappers read: String → string, Boolean → boolean,
/// Integer/long → integer, JSON → a complex attribute of free-form content
/// ([`AttributeDef::open`]); multi-valued as the mapper says, read-write, returned by default.
/// URNs and names compare case-insensitively, spelled as the first mapper spells them.
/// Mappers whose claim [`parse_claim`] refuses are skipped.
///
/// Returns [`USER_RESOURCE`] when no mapper reads a custom extension. The crate works with
/// `&'static` schemas, so custom ones are leaked, but interned: the same definition (whatever
/// the mappers' names or order) always gives the same pointer, and the memory kept is bounded
/// by the distinct definitions ever configured, which change only when an administrator edits
/// the mappers. Call it with saved mappers, not with every keystroke of an editor.
pub fn user_schema(specs: &[MapperSpec]) -> &'static ResourceSchema {
    let mut extensions: Vec<CustomExtension> = Vec::new();
    for spec in specs {
        let Ok(source) = parse_claim(&spec.claim) else { continue };
        let Some((urn, attr)) = custom_attribute(&source) else { continue };
        let index = match extensions.iter().position(|e| e.urn.eq_ignore_ascii_case(urn)) {
            Some(index) => index,
            None => {
                extensions.push(CustomExtension { urn: urn.to_string(), attributes: Vec::new() });
                extensions.len() - 1
            }
        };
        let Some(ext) = extensions.get_mut(index) else { continue };
        if !ext.attributes.iter().any(|a| a.name.eq_ignore_ascii_case(attr)) {
            ext.attributes.push(CustomAttr {
                name: attr.to_string(),
                json_type: spec.json_type,
                multivalued: spec.multivalued,
            });
        }
    }
    extension::user_resource(extensions)
}

// ---------------------------------------------------------------------------------------------
// Deriving internal attributes
// ---------------------------------------------------------------------------------------------

/// One value found at a claim, with whether its element is the primary one.
struct Found {
    value: Value,
    primary: bool,
}

/// The member `name` of an object, matched case-insensitively (exact spelling first).
fn get_ci<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    let map = value.as_object()?;
    map.get(name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
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
        if resolved.owner.id == schema.core.id { Some(resource) } else { get_ci(resource, resolved.owner.id) };
    let Some(top) = container.and_then(|c| get_ci(c, resolved.top.name)) else {
        return Vec::new();
    };
    let elements: Vec<&Value> = match top {
        Value::Array(items) if resolved.top.multi_valued => items.iter().collect(),
        one => vec![one],
    };
    elements
        .into_iter()
        .filter_map(|element| {
            let primary = get_ci(element, "primary") == Some(&Value::Bool(true));
            let value = match resolved.sub {
                Some(sub) => get_ci(element, sub.name)?,
                None => element,
            };
            Some(Found { value: value.clone(), primary })
        })
        .collect()
}

/// Converts one found value to the mapper's JSON type; `None` when it does not fit. A complex
/// value with a `value` member (`manager`) stands for that member, except for JSON.
fn convert(json_type: ClaimType, value: &Value, tolerance: Tolerance) -> Option<Value> {
    let azure = tolerance == Tolerance::Azure;
    match (json_type, value) {
        (ClaimType::Json, v) => Some(v.clone()),
        (_, Value::Object(_)) => convert(json_type, get_ci(value, "value").filter(|v| !v.is_object())?, tolerance),
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
            let Some(value) = convert(spec.json_type, &f.value, tolerance) else {
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

// ---------------------------------------------------------------------------------------------
// Microsoft Entra ID defaults
// ---------------------------------------------------------------------------------------------

/// One mapper of the Entra setup guide and the Entra source attribute it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    /// The mapper.
    pub spec: MapperSpec,
    /// The Entra ID attribute the provisioning app maps to the claim (e.g. `userPrincipalName`).
    pub entra_source: &'static str,
}

/// The Entra setup guide's mappers: user attribute (and mapper name), claim, JSON type, Entra
/// source attribute.
const PRESETS: [(&str, &str, ClaimType, &str); 7] = [
    ("status", "active", ClaimType::Boolean, "isSoftDeleted"),
    ("loginName", "userName", ClaimType::String, "userPrincipalName"),
    ("firstName", "name.givenName", ClaimType::String, "givenName"),
    ("manager", "manager", ClaimType::String, "manager"),
    ("lastName", "name.familyName", ClaimType::String, "surname"),
    (
        "tag",
        "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag",
        ClaimType::String,
        "extensionAttribute1",
    ),
    ("email", EMAIL_ALIAS, ClaimType::String, "mail"),
];

/// The seven mappers of the Microsoft Entra ID setup guide, in its order, single-valued, in
/// every token, each named after its user attribute.
pub fn azure_defaults() -> Vec<Preset> {
    PRESETS
        .iter()
        .map(|&(attr, claim, json_type, entra_source)| Preset {
            spec: MapperSpec {
                name: attr.to_string(),
                user_attribute: attr.to_string(),
                claim: claim.to_string(),
                json_type,
                multivalued: false,
                id_token: true,
                access_token: true,
                userinfo: true,
                introspection: true,
            },
            entra_source,
        })
        .collect()
}

/// A claim in a form that does not depend on how it is written: `manager` and
/// `urn:…:enterprise:2.0:User:MANAGER` give the same key.
fn claim_key(claim: &str) -> Option<String> {
    let key = match parse_claim(claim).ok()? {
        ClaimSource::PrimaryEmail => EMAIL_ALIAS.to_string(),
        ClaimSource::Attribute(path) => match path.resolve_full(&USER_RESOURCE) {
            Some(r) => match r.sub {
                Some(sub) => format!("{}:{}.{}", r.owner.id, r.top.name, sub.name),
                None => format!("{}:{}", r.owner.id, r.top.name),
            },
            None => path.to_string(),
        },
    };
    Some(key.to_ascii_lowercase())
}

/// The Entra source attribute of the preset reading `claim`, if one does (compared by the
/// attribute the path names, case-insensitively): what the editor shows beside a mapper.
pub fn entra_source(claim: &str) -> Option<&'static str> {
    let key = claim_key(claim)?;
    PRESETS.iter().find(|(_, preset, _, _)| claim_key(preset).as_ref() == Some(&key)).map(|&(_, _, _, source)| source)
}

#[cfg(test)]
mod tests;
