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
mod tests {
    use serde_json::json;

    use super::*;
    use crate::filter::FilterLimits;
    use crate::patch::{self, PatchRequest};
    use crate::resource::prepare;
    use crate::schema::{AttrType, USER_SCHEMA};
    use crate::ScimType;

    const TAG: &str = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag";

    fn mapper(name: &str, claim: &str, json_type: ClaimType) -> MapperSpec {
        MapperSpec {
            name: name.into(),
            user_attribute: name.into(),
            claim: claim.into(),
            json_type,
            multivalued: false,
            id_token: true,
            access_token: true,
            userinfo: true,
            introspection: true,
        }
    }

    fn multi(spec: MapperSpec) -> MapperSpec {
        MapperSpec { multivalued: true, ..spec }
    }

    fn defaults() -> Vec<MapperSpec> {
        azure_defaults().into_iter().map(|p| p.spec).collect()
    }

    /// The canonical stored form of `body` under `schema`.
    fn stored(body: Value, schema: &ResourceSchema) -> Value {
        prepare(body, schema, Tolerance::Azure).unwrap().resource
    }

    fn derive_one(resource: &Value, spec: MapperSpec, tolerance: Tolerance) -> Result<Option<Value>, ScimError> {
        let attr = spec.user_attribute.clone();
        let specs = [spec];
        derive(resource, user_schema(&specs), &specs, tolerance).map(|mut m| m.remove(&attr))
    }

    fn value_of(resource: &Value, spec: MapperSpec) -> Option<Value> {
        derive_one(resource, spec, Tolerance::Strict).unwrap()
    }

    fn patched(resource: &Value, schema: &ResourceSchema, operations: Value) -> Value {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
        let request = PatchRequest::parse(&body, Tolerance::Azure).unwrap();
        let mut resource = resource.clone();
        patch::apply(&mut resource, &request, schema, Tolerance::Azure, &FilterLimits::default()).unwrap();
        resource
    }

    fn adele() -> Value {
        stored(
            json!({
                "userName": "adele@contoso.com",
                "name": {"givenName": "Adele", "familyName": "Vance"},
                "active": true,
                "emails": [{"value": "adele@example.org", "type": "home"},
                           {"value": "adele@contoso.com", "type": "work", "primary": true}],
                ENTERPRISE_USER_SCHEMA: {"department": "Research", "manager": {"value": "m-1"}},
            }),
            &USER_RESOURCE,
        )
    }

    // ---- claims ------------------------------------------------------------------------------

    #[test]
    fn parse_claim_accepts_the_presets_and_the_email_alias() {
        for preset in azure_defaults() {
            assert!(parse_claim(&preset.spec.claim).is_ok(), "{}", preset.spec.claim);
        }
        assert_eq!(parse_claim("  EMAIL "), Ok(ClaimSource::PrimaryEmail));
        assert_eq!(parse_claim("emails.value"), Ok(ClaimSource::Attribute(AttrPath::parse("emails.value").unwrap())));
        for ok in [
            "emails",
            "NAME.GIVENNAME",
            "manager.value",
            "externalId",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "urn:ietf:params:scim:schemas:extension:my.app-1:1:user:level",
        ] {
            assert!(parse_claim(ok).is_ok(), "{ok}: {:?}", parse_claim(ok));
        }
    }

    #[test]
    fn parse_claim_refusals_explain_themselves() {
        let refused = |claim: &str, expect: &str| {
            let message = parse_claim(claim).unwrap_err();
            assert!(message.contains(expect), "{claim}: {message}");
        };
        refused("name.nope", "\"name\" has no sub-attribute \"nope\"");
        refused("userName.value", "\"userName\" has no sub-attributes");
        refused("nope", "custom extension needs its schema URN");
        refused("urn:ietf:params:scim:schemas:core:2.0:Group:members", "is the Group schema");
        refused("urn:foo:bar", "\"urn:foo\" is not a User schema");
        refused(&format!("{TAG}.value"), "custom extension attributes have no sub-attributes");
        refused("password", "write-only");
        refused("PASSWORD", "write-only");
        refused("groups", "read-only");
        refused("groups.value", "read-only");
        refused("id", "assigned by the server");
        refused("meta.created", "assigned by the server");
        refused("urn:ietf:params:scim:schemas:core:2.0:User:id", "assigned by the server");
        refused("a b", "is not a valid attribute path");
        refused(ENTERPRISE_USER_SCHEMA, "names a whole schema");
        refused(CUSTOM_EXTENSION_URN, "names a whole schema");
        refused("", "the claim is empty");
        refused("   ", "the claim is empty");
        refused(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:foo",
            "the enterprise User schema has no attribute \"foo\"",
        );
        refused(
            "urn:ietf:params:scim:schemas:core:2.0:User:manager",
            "the core User schema has no attribute \"manager\"",
        );
        refused("urn:ietf:params:scim:schemas:extension:enterprise:3.0:User:foo", "the enterprise extension is");
        refused("urn:ietf:params:scim:schemas:extension:X:2.0:Group:tag", "is not a User schema");
        refused(
            "urn:ietf:params:scim:schemas:extension:X:2.0:User:manager",
            "an attribute of the enterprise extension",
        );
        refused("urn:ietf:params:scim:schemas:extension:X:2.0:User:$ref", "cannot be the name of a custom attribute");
    }

    // ---- checking mappers -------------------------------------------------------------------

    #[test]
    fn check_mapper_refuses_duplicates_case_insensitively() {
        let others = vec![mapper("First Name", "name.givenName", ClaimType::String)];
        let problem = check_mapper(&mapper(" first name ", "userName", ClaimType::String), &others).unwrap_err();
        assert_eq!(problem.field, MapperSpec::NAME);
        assert!(problem.message.contains("\"First Name\""), "{}", problem.message);
        let spec = MapperSpec { user_attribute: "FIRST NAME".into(), ..mapper("x", "userName", ClaimType::String) };
        // "FIRST NAME" has a space: refused for its characters before the duplicate check.
        assert_eq!(check_mapper(&spec, &others).unwrap_err().field, MapperSpec::USER_ATTRIBUTE);
        let others = vec![MapperSpec { user_attribute: "firstName".into(), ..others[0].clone() }];
        let spec = MapperSpec { user_attribute: "FIRSTNAME".into(), ..mapper("x", "userName", ClaimType::String) };
        let problem = check_mapper(&spec, &others).unwrap_err();
        assert_eq!(problem.field, MapperSpec::USER_ATTRIBUTE);
        assert!(problem.message.contains("\"First Name\" already fills"), "{}", problem.message);
        assert!(check_mapper(&mapper("other", "userName", ClaimType::String), &others).is_ok());
    }

    #[test]
    fn check_mapper_field_rules() {
        let check = |spec: MapperSpec| check_mapper(&spec, &[]).map_err(|p| p.field);
        let base = || mapper("n", "userName", ClaimType::String);
        assert_eq!(check(MapperSpec { name: "  ".into(), ..base() }), Err(MapperSpec::NAME));
        assert_eq!(check(MapperSpec { name: "é".repeat(101), ..base() }), Err(MapperSpec::NAME));
        assert_eq!(check(MapperSpec { name: "é".repeat(100), ..base() }), Ok(()));
        for bad in ["", "1abc", "_x", "a b", "a:b", "ä", &"a".repeat(101)] {
            assert_eq!(
                check(MapperSpec { user_attribute: bad.into(), ..base() }),
                Err(MapperSpec::USER_ATTRIBUTE),
                "{bad}"
            );
        }
        for good in ["a", "given_name", "x.y-z9", &"a".repeat(100)] {
            assert_eq!(check(MapperSpec { user_attribute: good.into(), ..base() }), Ok(()), "{good}");
        }
        let problem = check_mapper(&mapper("n", "name.nope", ClaimType::String), &[]).unwrap_err();
        assert_eq!(problem, MapperProblem { field: MapperSpec::CLAIM, message: parse_claim("name.nope").unwrap_err() });
    }

    #[test]
    fn one_custom_attribute_has_one_type() {
        let others = vec![mapper("tag", TAG, ClaimType::String)];
        let upper = TAG.to_uppercase().replace(":TAG", ":Tag");
        let problem = check_mapper(&mapper("tagFlag", &upper, ClaimType::Boolean), &others).unwrap_err();
        assert_eq!(problem.field, MapperSpec::JSON_TYPE);
        assert!(problem.message.contains("as String"), "{}", problem.message);
        let problem = check_mapper(&multi(mapper("tags", TAG, ClaimType::String)), &others).unwrap_err();
        assert_eq!(problem.field, MapperSpec::JSON_TYPE);
        assert!(check_mapper(&mapper("tag2", &upper, ClaimType::String), &others).is_ok());
        // Standard attributes have their schema's type: mappers may read them as they like.
        let others = vec![mapper("a", "userName", ClaimType::String)];
        assert!(check_mapper(&mapper("b", "userName", ClaimType::Json), &others).is_ok());
    }

    #[test]
    fn check_mappers_reports_the_first_bad_index() {
        assert_eq!(check_mappers(&defaults()), Ok(()));
        let mut specs = defaults();
        specs.push(mapper("x", "nope", ClaimType::String));
        specs.push(mapper("status", "active", ClaimType::Boolean));
        let (index, problem) = check_mappers(&specs).unwrap_err();
        assert_eq!((index, problem.field), (7, MapperSpec::CLAIM));
        specs.remove(7);
        let (index, problem) = check_mappers(&specs).unwrap_err();
        assert_eq!((index, problem.field), (7, MapperSpec::NAME));
        assert_eq!(check_mappers(&[]), Ok(()));
    }

    // ---- the tenant's user schema -----------------------------------------------------------

    #[test]
    fn user_schemas_are_interned() {
        let plain = user_schema(&[mapper("a", "userName", ClaimType::String), mapper("b", "nope", ClaimType::String)]);
        assert_eq!(plain.extensions.len(), USER_RESOURCE.extensions.len());
        assert_eq!(plain.extensions[0].id, ENTERPRISE_USER_SCHEMA);
        assert_eq!(user_schema(&[]).extensions.len(), 1);

        let level = "urn:ietf:params:scim:schemas:extension:Acme:1.0:User:level";
        let specs = [mapper("tag", TAG, ClaimType::String), mapper("level", level, ClaimType::Long)];
        let schema = user_schema(&specs);
        assert_eq!(schema.core.id, USER_SCHEMA);
        let ids: Vec<&str> = schema.extensions.iter().map(|s| s.id).collect();
        assert_eq!(
            ids,
            [ENTERPRISE_USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:Acme:1.0:User", CUSTOM_EXTENSION_URN]
        );
        // The same definition, whatever the mappers' names, order or spelling of the toggles.
        let renamed = [
            MapperSpec { id_token: false, ..mapper("LEVEL!", level, ClaimType::Long) },
            mapper("tag (Entra)", TAG, ClaimType::String),
        ];
        assert!(std::ptr::eq(schema, user_schema(&renamed)));
        assert!(std::ptr::eq(schema, user_schema(&specs)));
        // Another type, plurality or attribute is another schema.
        let other = [mapper("tag", TAG, ClaimType::Json), mapper("level", level, ClaimType::Long)];
        assert!(!std::ptr::eq(schema, user_schema(&other)));
        let other = [multi(mapper("tag", TAG, ClaimType::String)), mapper("level", level, ClaimType::Long)];
        assert!(!std::ptr::eq(schema, user_schema(&other)));
        assert!(!std::ptr::eq(schema, user_schema(&specs[..1])));
        // Case-insensitive URNs: one extension, spelled as the first mapper spells it.
        let spelled = [mapper("a", TAG, ClaimType::String), mapper("b", &TAG.to_lowercase(), ClaimType::String)];
        let schema = user_schema(&spelled);
        assert_eq!(schema.extensions.len(), 2);
        assert_eq!(schema.extensions[1].id, CUSTOM_EXTENSION_URN);
        assert_eq!(schema.extensions[1].attributes.len(), 1);
    }

    #[test]
    fn custom_schema_json_lists_its_attributes() {
        let specs = [
            mapper("tag", TAG, ClaimType::String),
            mapper("vip", &TAG.replace(":tag", ":vip"), ClaimType::Boolean),
            multi(mapper("levels", &TAG.replace(":tag", ":levels"), ClaimType::Long)),
            mapper("extra", &TAG.replace(":tag", ":extra"), ClaimType::Json),
        ];
        let schema = user_schema(&specs);
        let custom = schema.schema(CUSTOM_EXTENSION_URN).unwrap();
        let json = custom.to_json("https://h/scim/v2");
        assert_eq!(json["id"], CUSTOM_EXTENSION_URN);
        assert_eq!(json["name"], "CustomExtensionName");
        assert_eq!(json["description"], "Custom extension used by this tenant's attribute mappers.");
        let attrs = json["attributes"].as_array().unwrap();
        let names: Vec<&str> = attrs.iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["extra", "levels", "tag", "vip"]);
        let attr = |name: &str| attrs.iter().find(|a| a["name"] == name).unwrap().clone();
        assert_eq!(attr("tag")["type"], "string");
        assert_eq!(attr("tag")["multiValued"], false);
        assert_eq!(attr("tag")["mutability"], "readWrite");
        assert_eq!(attr("tag")["returned"], "default");
        assert_eq!(attr("tag")["caseExact"], false);
        assert_eq!(attr("tag")["description"], "Read by this tenant's attribute mappers.");
        assert_eq!(attr("vip")["type"], "boolean");
        assert_eq!(
            (attr("levels")["type"].clone(), attr("levels")["multiValued"].clone()),
            (json!("integer"), json!(true))
        );
        assert_eq!(attr("extra")["type"], "complex");
        assert!(attr("extra").get("subAttributes").is_none());
        let extra = custom.attribute("EXTRA").unwrap();
        assert!(extra.open && extra.ty == AttrType::Complex);
    }

    #[test]
    fn custom_extension_in_a_post_body() {
        let schema = user_schema(&defaults());
        let body = json!({"userName": "a", CUSTOM_EXTENSION_URN: {"tag": "x"}});
        let r = prepare(body.clone(), schema, Tolerance::Strict).unwrap().resource;
        assert_eq!(r["schemas"], json!([USER_SCHEMA, CUSTOM_EXTENSION_URN]));
        assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"tag": "x"}));
        assert_eq!(derive(&r, schema, &defaults(), Tolerance::Strict).unwrap()["tag"], json!("x"));
        // Unknown to a tenant without the mapper, as to the plain user schema.
        assert!(prepare(body, &USER_RESOURCE, Tolerance::Strict).is_err());
        // The URN-qualified key, in any case, and the URN listed in `schemas` in any case.
        let r = prepare(
            json!({"schemas": [USER_SCHEMA, CUSTOM_EXTENSION_URN.to_uppercase()], "userName": "a", TAG.to_lowercase(): "y"}),
            schema,
            Tolerance::Strict,
        )
        .unwrap()
        .resource;
        assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"tag": "y"}));
        // Returned like any other attribute.
        let shown = resource::project(&r, schema, &[], &[]);
        assert_eq!(shown[CUSTOM_EXTENSION_URN], json!({"tag": "y"}));
    }

    #[test]
    fn custom_attribute_types_are_checked_on_input() {
        let specs = [
            mapper("tag", TAG, ClaimType::String),
            mapper("vip", &TAG.replace(":tag", ":vip"), ClaimType::Boolean),
            mapper("level", &TAG.replace(":tag", ":level"), ClaimType::Long),
        ];
        let schema = user_schema(&specs);
        let post =
            |ext: Value, tolerance| prepare(json!({"userName": "a", CUSTOM_EXTENSION_URN: ext}), schema, tolerance);
        for bad in [json!({"tag": true}), json!({"vip": "True"}), json!({"level": "3"}), json!({"tag": ["x"]})] {
            let err = post(bad.clone(), Tolerance::Strict).unwrap_err();
            assert_eq!((err.status, err.scim_type), (400, Some(ScimType::InvalidValue)), "{bad}");
        }
        let r = post(json!({"vip": "True", "level": 3}), Tolerance::Azure).unwrap().resource;
        assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"vip": true, "level": 3}));
        let internal = derive(&r, schema, &specs, Tolerance::Strict).unwrap();
        assert_eq!(Value::Object(internal), json!({"vip": true, "level": 3}));
    }

    #[test]
    fn json_custom_attributes_take_any_value() {
        let specs = [mapper("extra", &TAG.replace(":tag", ":extra"), ClaimType::Json)];
        let schema = user_schema(&specs);
        for value in
            [json!({"a": [1, {"b": null}], "Primary": true}), json!("s"), json!(7), json!([1, [2]]), json!(false)]
        {
            let body = json!({"userName": "a", CUSTOM_EXTENSION_URN: {"extra": value.clone()}});
            let r = prepare(body, schema, Tolerance::Strict).unwrap().resource;
            assert_eq!(r[CUSTOM_EXTENSION_URN]["extra"], value);
            assert_eq!(derive(&r, schema, &specs, Tolerance::Strict).unwrap()["extra"], value);
            let shown = resource::project(&r, schema, &[], &[]);
            assert_eq!(shown[CUSTOM_EXTENSION_URN]["extra"], value);
        }
        // A replace sets the whole value: nothing of the old object survives.
        let r = stored(json!({"userName": "a", CUSTOM_EXTENSION_URN: {"extra": {"old": 1}}}), schema);
        let path = format!("{CUSTOM_EXTENSION_URN}:extra");
        let r = patched(&r, schema, json!([{"op": "Replace", "path": path, "value": {"new": 2}}]));
        assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"extra": {"new": 2}}));
        let multi_specs = [multi(mapper("extras", &TAG.replace(":tag", ":extras"), ClaimType::Json))];
        let schema = user_schema(&multi_specs);
        let items = json!([{"primary": true}, {"primary": true}, [3]]);
        let r = prepare(
            json!({"userName": "a", CUSTOM_EXTENSION_URN: {"extras": items.clone()}}),
            schema,
            Tolerance::Strict,
        )
        .unwrap()
        .resource;
        assert_eq!(r[CUSTOM_EXTENSION_URN]["extras"], items);
    }

    #[test]
    fn entra_patches_custom_extension_attributes() {
        let specs = defaults();
        let schema = user_schema(&specs);
        let user = stored(json!({"userName": "a"}), schema);
        let tag = |r: &Value| derive(r, schema, &specs, Tolerance::Azure).unwrap().get("tag").cloned();

        let r = patched(&user, schema, json!([{"op": "Add", "path": TAG, "value": "x"}]));
        assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"tag": "x"}));
        assert_eq!(r["schemas"], json!([USER_SCHEMA, CUSTOM_EXTENSION_URN]));
        assert_eq!(tag(&r), Some(json!("x")));

        let r = patched(&r, schema, json!([{"op": "Replace", "path": TAG, "value": "y"}]));
        assert_eq!(tag(&r), Some(json!("y")));

        let r = patched(&r, schema, json!([{"op": "Replace", "value": {TAG: "z"}}]));
        assert_eq!(r[CUSTOM_EXTENSION_URN], json!({"tag": "z"}));
        assert_eq!(tag(&r), Some(json!("z")));

        let r = patched(&r, schema, json!([{"op": "Replace", "value": {CUSTOM_EXTENSION_URN: {"tag": "w"}}}]));
        assert_eq!(tag(&r), Some(json!("w")));

        let r = patched(&r, schema, json!([{"op": "Remove", "path": TAG}]));
        assert!(r.get(CUSTOM_EXTENSION_URN).is_none());
        assert_eq!(r["schemas"], json!([USER_SCHEMA]));
        assert_eq!(tag(&r), None);

        // Strict: a wrong type is refused.
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                          "Operations": [{"op": "add", "path": TAG, "value": true}]});
        let request = PatchRequest::parse(&body, Tolerance::Strict).unwrap();
        let mut r = user.clone();
        let err = patch::apply(&mut r, &request, schema, Tolerance::Strict, &FilterLimits::default()).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
    }

    // ---- deriving -------------------------------------------------------------------------

    #[test]
    fn each_json_type() {
        let user = adele();
        assert_eq!(value_of(&user, mapper("u", "userName", ClaimType::String)), Some(json!("adele@contoso.com")));
        assert_eq!(value_of(&user, mapper("u", "active", ClaimType::Boolean)), Some(json!(true)));
        assert_eq!(
            value_of(&user, mapper("u", "name", ClaimType::Json)),
            Some(json!({"givenName": "Adele", "familyName": "Vance"}))
        );
        assert_eq!(value_of(&user, mapper("u", "manager", ClaimType::Json)), Some(json!({"value": "m-1"})));
        let level = "urn:ietf:params:scim:schemas:extension:Acme:1.0:User:level";
        let specs = [mapper("level", level, ClaimType::Long)];
        let schema = user_schema(&specs);
        let r = stored(
            json!({"userName": "a", "urn:ietf:params:scim:schemas:extension:Acme:1.0:User": {"level": 42}}),
            schema,
        );
        assert_eq!(derive(&r, schema, &specs, Tolerance::Strict).unwrap()["level"], json!(42));
        let r = stored(
            json!({"userName": "a", "urn:ietf:params:scim:schemas:extension:Acme:1.0:User": {"level": -7}}),
            schema,
        );
        assert_eq!(derive(&r, schema, &specs, Tolerance::Strict).unwrap()["level"], json!(-7));
    }

    #[test]
    fn multivalued_sources() {
        let user = adele();
        let all = multi(mapper("mails", "emails.value", ClaimType::String));
        assert_eq!(value_of(&user, all.clone()), Some(json!(["adele@example.org", "adele@contoso.com"])));
        assert_eq!(
            value_of(&user, mapper("mail", "emails.value", ClaimType::String)),
            Some(json!("adele@contoso.com"))
        );
        assert_eq!(value_of(&user, mapper("type", "emails.type", ClaimType::String)), Some(json!("work")));
        // No primary: the first.
        let plain = stored(json!({"userName": "a", "emails": [{"value": "1@x"}, {"value": "2@x"}]}), &USER_RESOURCE);
        assert_eq!(value_of(&plain, mapper("mail", "emails.value", ClaimType::String)), Some(json!("1@x")));
        // A whole element: its value, or the element itself for JSON.
        assert_eq!(value_of(&plain, mapper("mail", "emails", ClaimType::String)), Some(json!("1@x")));
        assert_eq!(value_of(&plain, mapper("mail", "emails", ClaimType::Json)), Some(json!({"value": "1@x"})));
        // One value is still a list for a multivalued mapper; a single source too.
        let one = stored(json!({"userName": "a", "emails": [{"value": "1@x"}]}), &USER_RESOURCE);
        assert_eq!(value_of(&one, all), Some(json!(["1@x"])));
        assert_eq!(value_of(&one, multi(mapper("u", "userName", ClaimType::String))), Some(json!(["a"])));
        // Elements without the sub-attribute are skipped.
        let partial = stored(
            json!({"userName": "a", "emails": [{"type": "home", "value": ""}, {"value": "2@x"}]}),
            &USER_RESOURCE,
        );
        assert_eq!(value_of(&partial, mapper("mail", "emails.value", ClaimType::String)), Some(json!("2@x")));
    }

    #[test]
    fn missing_values_are_absent() {
        let user = stored(json!({"userName": "a", "title": "", "name": {"givenName": "G"}}), &USER_RESOURCE);
        let specs = [
            mapper("title", "title", ClaimType::String),
            mapper("last", "name.familyName", ClaimType::String),
            mapper("mails", "emails.value", ClaimType::String),
            multi(mapper("roles", "roles.value", ClaimType::String)),
            mapper("manager", "manager", ClaimType::String),
            mapper("email", "email", ClaimType::String),
            mapper("tag", TAG, ClaimType::String),
            mapper("given", "name.givenName", ClaimType::String),
        ];
        let internal = derive(&user, user_schema(&specs), &specs, Tolerance::Strict).unwrap();
        assert_eq!(Value::Object(internal), json!({"given": "G"}));
        // A claim the schema does not know (here: a custom one, with the plain user schema).
        assert_eq!(derive(&user, &USER_RESOURCE, &specs[6..7], Tolerance::Strict).unwrap(), Map::new());
    }

    #[test]
    fn extension_paths() {
        let user = adele();
        assert_eq!(value_of(&user, mapper("m", "manager", ClaimType::String)), Some(json!("m-1")));
        assert_eq!(value_of(&user, mapper("m", "manager.value", ClaimType::String)), Some(json!("m-1")));
        let qualified = format!("{ENTERPRISE_USER_SCHEMA}:manager");
        assert_eq!(value_of(&user, mapper("m", &qualified, ClaimType::String)), Some(json!("m-1")));
        assert_eq!(value_of(&user, mapper("d", "department", ClaimType::String)), Some(json!("Research")));
        let qualified = format!("{}:DEPARTMENT", ENTERPRISE_USER_SCHEMA.to_lowercase());
        assert_eq!(value_of(&user, mapper("d", &qualified, ClaimType::String)), Some(json!("Research")));
        assert_eq!(
            value_of(
                &user,
                mapper("g", "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName", ClaimType::String)
            ),
            Some(json!("Adele"))
        );
    }

    #[test]
    fn the_email_alias_is_primary_then_work_then_first() {
        let email = |emails: Value| {
            let user = stored(json!({"userName": "a", "emails": emails}), &USER_RESOURCE);
            value_of(&user, mapper("email", "Email", ClaimType::String))
        };
        let primary = json!([{"value": "w@x", "type": "work"}, {"value": "p@x", "type": "home", "primary": true}]);
        assert_eq!(email(primary), Some(json!("p@x")));
        assert_eq!(
            email(json!([{"value": "h@x", "type": "home"}, {"value": "w@x", "type": "work"}])),
            Some(json!("w@x"))
        );
        assert_eq!(
            email(json!([{"value": "o@x", "type": "other"}, {"value": "h@x", "type": "home"}])),
            Some(json!("o@x"))
        );
        assert_eq!(email(json!([])), None);
        let user = stored(json!({"userName": "a", "emails": [{"value": "w@x", "type": "work"}]}), &USER_RESOURCE);
        assert_eq!(value_of(&user, multi(mapper("email", "email", ClaimType::String))), Some(json!(["w@x"])));
    }

    #[test]
    fn wrong_types_are_refused_under_strict_and_coerced_under_azure() {
        let user = stored(
            json!({"userName": "a", "title": "True", "nickName": "42", "active": true, "userType": "x",
                   "name": {"givenName": "G"}, "externalId": "12345678901234567890"}),
            &USER_RESOURCE,
        );
        let err = derive_one(&user, mapper("status", "title", ClaimType::Boolean), Tolerance::Strict).unwrap_err();
        assert_eq!((err.status, err.scim_type), (400, Some(ScimType::InvalidValue)));
        assert_eq!(err.detail, "the mapper \"status\" reads \"title\" as Boolean, but the user's value is \"True\"");
        let err = derive_one(&user, mapper("n", "nickName", ClaimType::Long), Tolerance::Strict).unwrap_err();
        assert_eq!(err.detail, "the mapper \"n\" reads \"nickName\" as Integer/long, but the user's value is \"42\"");
        let err = derive_one(&user, mapper("a", "active", ClaimType::String), Tolerance::Strict).unwrap_err();
        assert_eq!(err.detail, "the mapper \"a\" reads \"active\" as String, but the user's value is true");
        let err = derive_one(&user, mapper("n", "name", ClaimType::String), Tolerance::Strict).unwrap_err();
        assert!(err.detail.ends_with("but the user's value is a JSON object"), "{}", err.detail);

        let azure = |spec| derive_one(&user, spec, Tolerance::Azure);
        assert_eq!(azure(mapper("s", "title", ClaimType::Boolean)).unwrap(), Some(json!(true)));
        assert_eq!(azure(mapper("n", "nickName", ClaimType::Long)).unwrap(), Some(json!(42)));
        assert_eq!(azure(mapper("a", "active", ClaimType::String)).unwrap(), Some(json!("true")));
        // What still does not fit is refused under Azure too.
        for spec in [
            mapper("x", "userType", ClaimType::Boolean),
            mapper("x", "userType", ClaimType::Long),
            mapper("x", "externalId", ClaimType::Long),
            mapper("x", "name", ClaimType::String),
            mapper("x", "active", ClaimType::Long),
        ] {
            let err = azure(spec.clone()).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{}", spec.claim);
        }
        let lowered = stored(json!({"userName": "a", "title": "false"}), &USER_RESOURCE);
        assert_eq!(
            derive_one(&lowered, mapper("s", "title", ClaimType::Boolean), Tolerance::Azure).unwrap(),
            Some(json!(false))
        );
        let numbers = prepare(
            json!({"userName": "a", CUSTOM_EXTENSION_URN: {"level": 7}}),
            user_schema(&[mapper("level", &TAG.replace(":tag", ":level"), ClaimType::Long)]),
            Tolerance::Strict,
        )
        .unwrap()
        .resource;
        let spec = mapper("lvl", &TAG.replace(":tag", ":level"), ClaimType::String);
        let schema = user_schema(&[mapper("level", &TAG.replace(":tag", ":level"), ClaimType::Long)]);
        let internal = derive(&numbers, schema, std::slice::from_ref(&spec), Tolerance::Azure).unwrap();
        assert_eq!(internal["lvl"], json!("7"));
        assert!(derive(&numbers, schema, &[spec], Tolerance::Strict).is_err());
    }

    #[test]
    fn only_the_chosen_value_of_a_single_valued_mapper_is_converted() {
        let user = stored(
            json!({"userName": "a", "roles": [{"value": "admin", "primary": true}, {"value": "7"}]}),
            &USER_RESOURCE,
        );
        // The primary value fits String; the other is never looked at.
        assert_eq!(value_of(&user, mapper("r", "roles.value", ClaimType::String)), Some(json!("admin")));
        let err = derive_one(&user, multi(mapper("r", "roles.value", ClaimType::Long)), Tolerance::Azure).unwrap_err();
        assert!(err.detail.contains("\"admin\""), "{}", err.detail);
    }

    #[test]
    fn azure_defaults_from_an_entra_user() {
        let presets = azure_defaults();
        let names: Vec<&str> = presets.iter().map(|p| p.spec.name.as_str()).collect();
        assert_eq!(names, ["status", "loginName", "firstName", "manager", "lastName", "tag", "email"]);
        let sources: Vec<&str> = presets.iter().map(|p| p.entra_source).collect();
        assert_eq!(
            sources,
            ["isSoftDeleted", "userPrincipalName", "givenName", "manager", "surname", "extensionAttribute1", "mail"]
        );
        assert!(presets.iter().all(|p| p.spec.name == p.spec.user_attribute && !p.spec.multivalued));
        assert!(presets.iter().all(|p| TokenKind::ALL.iter().all(|&t| p.spec.in_token(t))));
        assert_eq!(presets[5].spec.claim, TAG);
        assert!(TAG.starts_with(CUSTOM_EXTENSION_URN));

        let specs = defaults();
        assert_eq!(check_mappers(&specs), Ok(()));
        let schema = user_schema(&specs);
        let body = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, CUSTOM_EXTENSION_URN],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
            "active": "True",
            "displayName": "Adele Vance",
            "emails": [{"primary": "True", "type": "work", "value": "Test_User_fd0ea19b@testuser.com"},
                       {"primary": "False", "type": "home", "value": "home@example.com"}],
            "name": {"formatted": "Adele Vance", "familyName": "Vance", "givenName": "Adele"},
            ENTERPRISE_USER_SCHEMA: {"department": "Retail", "manager": {"value": "m-1"}},
            CUSTOM_EXTENSION_URN: {"tag": "blue"},
        });
        let r = prepare(body, schema, Tolerance::Azure).unwrap().resource;
        let internal = derive(&r, schema, &specs, Tolerance::Azure).unwrap();
        assert_eq!(
            Value::Object(internal.clone()),
            json!({"status": true, "loginName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1", "firstName": "Adele",
                   "manager": "m-1", "lastName": "Vance", "tag": "blue", "email": "Test_User_fd0ea19b@testuser.com"})
        );
        let keys: Vec<&String> = internal.keys().collect();
        assert_eq!(keys.len(), 7);
        assert_eq!(derive(&r, schema, &specs, Tolerance::Strict).unwrap(), internal);
    }

    #[test]
    fn entra_source_by_claim() {
        assert_eq!(entra_source("userName"), Some("userPrincipalName"));
        assert_eq!(entra_source(" USERNAME "), Some("userPrincipalName"));
        assert_eq!(entra_source("urn:ietf:params:scim:schemas:core:2.0:User:userName"), Some("userPrincipalName"));
        assert_eq!(entra_source(&format!("{ENTERPRISE_USER_SCHEMA}:Manager")), Some("manager"));
        assert_eq!(entra_source(&TAG.to_lowercase()), Some("extensionAttribute1"));
        assert_eq!(entra_source("EMAIL"), Some("mail"));
        assert_eq!(entra_source("name.givenname"), Some("givenName"));
        assert_eq!(entra_source("active"), Some("isSoftDeleted"));
        assert_eq!(entra_source("manager.value"), None);
        assert_eq!(entra_source("displayName"), None);
        assert_eq!(entra_source("not a path"), None);
    }

    #[test]
    fn claims_honour_the_toggles() {
        let specs = vec![
            mapper("a", "userName", ClaimType::String),
            MapperSpec { id_token: false, ..mapper("b", "title", ClaimType::String) },
            MapperSpec { access_token: false, userinfo: false, ..mapper("c", "nickName", ClaimType::String) },
            MapperSpec { introspection: false, ..mapper("d", "locale", ClaimType::String) },
            mapper("e", "displayName", ClaimType::String),
        ];
        let mut internal = Map::new();
        for (k, v) in [("a", json!("A")), ("b", json!("B")), ("c", json!(["C"])), ("d", json!(false)), ("x", json!(1))]
        {
            internal.insert(k.into(), v);
        }
        let keys = |token| claims(&internal, &specs, token).into_iter().map(|(k, _)| k).collect::<Vec<_>>();
        assert_eq!(keys(TokenKind::IdToken), ["a", "c", "d"]);
        assert_eq!(keys(TokenKind::AccessToken), ["a", "b", "d"]);
        assert_eq!(keys(TokenKind::Userinfo), ["a", "b", "d"]);
        assert_eq!(keys(TokenKind::Introspection), ["a", "b", "c"]);
        assert_eq!(claims(&internal, &specs, TokenKind::IdToken)["c"], json!(["C"]));
        assert_eq!(claims(&internal, &specs, TokenKind::IdToken)["d"], json!(false));
    }
}
