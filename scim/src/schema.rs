//! Schema definitions (RFC 7643 §7 and §8.7): the attributes of User, EnterpriseUser and Group
//! with their type, plurality, case sensitivity, mutability and returnability. Filters, PATCH
//! and response projection consult these to treat every attribute by its own rules.

use serde_json::{json, Map, Value};

/// URN of the core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// URN of the Enterprise User extension.
pub const ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// URN of the list response message.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// URN of the PATCH request message.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// URN of the search request message.
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// A Unicode string.
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number.
    Decimal,
    /// A whole number.
    Integer,
    /// An xsd:dateTime string.
    DateTime,
    /// Base64-encoded bytes.
    Binary,
    /// A URI referring to a resource.
    Reference,
    /// An object of sub-attributes.
    Complex,
}

impl AttrType {
    /// The type's name in schema representations.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

/// Whether and how clients may change an attribute (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// Set by the service provider only.
    ReadOnly,
    /// Clients may update it.
    ReadWrite,
    /// Set once, at creation, never changed afterwards.
    Immutable,
    /// Clients may write it but it is never returned.
    WriteOnly,
}

/// When an attribute is returned in responses (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    /// Always returned, whatever `attributes`/`excludedAttributes` say.
    Always,
    /// Never returned.
    Never,
    /// Returned unless excluded.
    Default,
    /// Returned only when requested with `attributes`.
    Request,
}

/// The uniqueness rule of an attribute (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    /// No uniqueness.
    None,
    /// Unique within the service provider (here: within the tenant).
    Server,
    /// Globally unique.
    Global,
}

/// The definition of one attribute.
#[derive(Debug, Clone, Copy)]
pub struct AttributeDef {
    /// The attribute name (compared case-insensitively).
    pub name: &'static str,
    /// The data type.
    pub ty: AttrType,
    /// Whether the attribute holds an array of values.
    pub multi_valued: bool,
    /// Whether a resource must carry it.
    pub required: bool,
    /// Whether string comparison is case-sensitive.
    pub case_exact: bool,
    /// Who may change it.
    pub mutability: Mutability,
    /// When it is returned.
    pub returned: Returned,
    /// Its uniqueness rule.
    pub uniqueness: Uniqueness,
    /// Human-readable description.
    pub description: &'static str,
    /// Suggested values (e.g. `work`, `home`).
    pub canonical_values: &'static [&'static str],
    /// For references: the resource types it may point to.
    pub reference_types: &'static [&'static str],
    /// For complex attributes: their sub-attributes.
    pub sub_attributes: &'static [AttributeDef],
    /// A complex attribute whose content is free-form JSON (a custom attribute of JSON type):
    /// any non-null value is accepted and kept as it is, and it has no sub-attributes.
    pub open: bool,
}

impl AttributeDef {
    const fn new(name: &'static str, ty: AttrType, description: &'static str) -> Self {
        Self {
            name,
            ty,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            description,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
            open: false,
        }
    }
    const fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::String, description)
    }
    const fn boolean(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::Boolean, description)
    }
    const fn complex(name: &'static str, description: &'static str, subs: &'static [AttributeDef]) -> Self {
        Self { sub_attributes: subs, ..Self::new(name, AttrType::Complex, description) }
    }
    const fn reference(name: &'static str, description: &'static str, types: &'static [&'static str]) -> Self {
        Self { reference_types: types, ..Self::new(name, AttrType::Reference, description) }
    }
    const fn multi(self) -> Self {
        Self { multi_valued: true, ..self }
    }
    const fn required(self) -> Self {
        Self { required: true, ..self }
    }
    const fn case_exact(self) -> Self {
        Self { case_exact: true, ..self }
    }
    const fn read_only(self) -> Self {
        Self { mutability: Mutability::ReadOnly, ..self }
    }
    const fn immutable(self) -> Self {
        Self { mutability: Mutability::Immutable, ..self }
    }
    const fn write_only(self) -> Self {
        Self { mutability: Mutability::WriteOnly, returned: Returned::Never, ..self }
    }
    const fn on_request(self) -> Self {
        Self { returned: Returned::Request, ..self }
    }
    const fn always(self) -> Self {
        Self { returned: Returned::Always, ..self }
    }
    const fn unique(self) -> Self {
        Self { uniqueness: Uniqueness::Server, ..self }
    }
    const fn canonical(self, values: &'static [&'static str]) -> Self {
        Self { canonical_values: values, ..self }
    }

    /// The sub-attribute with this name (case-insensitive).
    pub fn sub_attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        self.sub_attributes.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The attribute's representation in a `/Schemas` resource (RFC 7643 §7).
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("name".into(), json!(self.name));
        obj.insert("type".into(), json!(self.ty.as_str()));
        obj.insert("multiValued".into(), json!(self.multi_valued));
        obj.insert("description".into(), json!(self.description));
        obj.insert("required".into(), json!(self.required));
        if self.ty != AttrType::Complex && self.ty != AttrType::Boolean {
            obj.insert("caseExact".into(), json!(self.case_exact));
        }
        if !self.canonical_values.is_empty() {
            obj.insert("canonicalValues".into(), json!(self.canonical_values));
        }
        if !self.reference_types.is_empty() {
            obj.insert("referenceTypes".into(), json!(self.reference_types));
        }
        if !self.sub_attributes.is_empty() {
            let subs: Vec<Value> = self.sub_attributes.iter().map(AttributeDef::to_json).collect();
            obj.insert("subAttributes".into(), Value::Array(subs));
        }
        obj.insert(
            "mutability".into(),
            json!(match self.mutability {
                Mutability::ReadOnly => "readOnly",
                Mutability::ReadWrite => "readWrite",
                Mutability::Immutable => "immutable",
                Mutability::WriteOnly => "writeOnly",
            }),
        );
        obj.insert(
            "returned".into(),
            json!(match self.returned {
                Returned::Always => "always",
                Returned::Never => "never",
                Returned::Default => "default",
                Returned::Request => "request",
            }),
        );
        obj.insert(
            "uniqueness".into(),
            json!(match self.uniqueness {
                Uniqueness::None => "none",
                Uniqueness::Server => "server",
                Uniqueness::Global => "global",
            }),
        );
        Value::Object(obj)
    }
}

/// A schema: its URN and its attributes.
#[derive(Debug, Clone, Copy)]
pub struct SchemaDef {
    /// The schema URN.
    pub id: &'static str,
    /// Its short name.
    pub name: &'static str,
    /// Human-readable description.
    pub description: &'static str,
    /// Its top-level attributes.
    pub attributes: &'static [AttributeDef],
}

impl SchemaDef {
    /// The top-level attribute with this name (case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        self.attributes.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The `/Schemas/{id}` resource; `base_url` is the SCIM base URL without a trailing slash.
    pub fn to_json(&self, base_url: &str) -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(AttributeDef::to_json).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "Schema",
                "location": format!("{base_url}/Schemas/{}", self.id),
            },
        })
    }
}

const TYPED_VALUE_SUBS_EMAIL: &[AttributeDef] = &[
    AttributeDef::string("value", "The email address, canonicalized per RFC 5321."),
    AttributeDef::string("display", "A human-readable name, primarily used for display purposes."),
    AttributeDef::string("type", "A label indicating the attribute's function.").canonical(&["work", "home", "other"]),
    AttributeDef::boolean("primary", "Indicates the primary or preferred address."),
];
const PHONE_SUBS: &[AttributeDef] = &[
    AttributeDef::string("value", "The phone number, canonicalized per RFC 3966."),
    AttributeDef::string("display", "A human-readable name, primarily used for display purposes."),
    AttributeDef::string("type", "A label indicating the attribute's function.")
        .canonical(&["work", "home", "mobile", "fax", "pager", "other"]),
    AttributeDef::boolean("primary", "Indicates the primary or preferred number."),
];
const IMS_SUBS: &[AttributeDef] = &[
    AttributeDef::string("value", "Instant messaging address."),
    AttributeDef::string("display", "A human-readable name, primarily used for display purposes."),
    AttributeDef::string("type", "A label indicating the attribute's function."),
    AttributeDef::boolean("primary", "Indicates the primary or preferred address."),
];
const PHOTO_SUBS: &[AttributeDef] = &[
    AttributeDef::reference("value", "URL of a photo of the user.", &["external"]),
    AttributeDef::string("display", "A human-readable name, primarily used for display purposes."),
    AttributeDef::string("type", "A label indicating the attribute's function.").canonical(&["photo", "thumbnail"]),
    AttributeDef::boolean("primary", "Indicates the primary photo."),
];
const ADDRESS_SUBS: &[AttributeDef] = &[
    AttributeDef::string("formatted", "The full mailing address, formatted for display."),
    AttributeDef::string("streetAddress", "The full street address component."),
    AttributeDef::string("locality", "The city or locality component."),
    AttributeDef::string("region", "The state or region component."),
    AttributeDef::string("postalCode", "The zip code or postal code component."),
    AttributeDef::string("country", "The country name component (ISO 3166-1 alpha-2)."),
    AttributeDef::string("type", "A label indicating the attribute's function.").canonical(&["work", "home", "other"]),
    AttributeDef::boolean("primary", "Indicates the primary address."),
];
const USER_GROUP_SUBS: &[AttributeDef] = &[
    AttributeDef::string("value", "The identifier of the user's group.").read_only(),
    AttributeDef::reference("$ref", "The URI of the corresponding Group resource.", &["User", "Group"]).read_only(),
    AttributeDef::string("display", "A human-readable name, primarily used for display purposes.").read_only(),
    AttributeDef::string("type", "How the membership was derived.").canonical(&["direct", "indirect"]).read_only(),
];
const GENERIC_MULTI_SUBS: &[AttributeDef] = &[
    AttributeDef::string("value", "The value."),
    AttributeDef::string("display", "A human-readable name, primarily used for display purposes."),
    AttributeDef::string("type", "A label indicating the attribute's function."),
    AttributeDef::boolean("primary", "Indicates the primary value."),
];
const NAME_SUBS: &[AttributeDef] = &[
    AttributeDef::string("formatted", "The full name, formatted for display."),
    AttributeDef::string("familyName", "The family name of the user."),
    AttributeDef::string("givenName", "The given name of the user."),
    AttributeDef::string("middleName", "The middle name(s) of the user."),
    AttributeDef::string("honorificPrefix", "The honorific prefix(es) of the user."),
    AttributeDef::string("honorificSuffix", "The honorific suffix(es) of the user."),
];

/// Attributes common to every resource (RFC 7643 §3.1), as they are filtered and projected.
pub const COMMON_ATTRIBUTES: &[AttributeDef] = &[
    AttributeDef::string("id", "Unique identifier assigned by the service provider.")
        .case_exact()
        .read_only()
        .always()
        .unique(),
    AttributeDef::string("externalId", "Identifier assigned by the provisioning client.").case_exact(),
    AttributeDef::complex("meta", "Resource metadata.", META_SUBS).read_only(),
];
const META_SUBS: &[AttributeDef] = &[
    AttributeDef::string("resourceType", "The resource type.").case_exact().read_only(),
    AttributeDef::new("created", AttrType::DateTime, "When the resource was added.").read_only(),
    AttributeDef::new("lastModified", AttrType::DateTime, "When the resource was last changed.").read_only(),
    AttributeDef::reference("location", "The URI of the resource.", &["uri"]).case_exact().read_only(),
    AttributeDef::string("version", "The version (ETag) of the resource.").case_exact().read_only(),
];

/// The core User schema (RFC 7643 §4.1).
pub const USER: SchemaDef = SchemaDef {
    id: USER_SCHEMA,
    name: "User",
    description: "User Account",
    attributes: &[
        AttributeDef::string("userName", "Unique identifier for the user, used to authenticate.").required().unique(),
        AttributeDef::complex("name", "The components of the user's real name.", NAME_SUBS),
        AttributeDef::string("displayName", "The name of the user, suitable for display to end-users."),
        AttributeDef::string("nickName", "The casual way to address the user."),
        AttributeDef::reference("profileUrl", "A URI pointing to the user's online profile.", &["external"]),
        AttributeDef::string("title", "The user's title, such as \"Vice President\"."),
        AttributeDef::string("userType", "The relationship between the organization and the user."),
        AttributeDef::string("preferredLanguage", "The user's preferred written or spoken language."),
        AttributeDef::string("locale", "The user's default location for localization."),
        AttributeDef::string("timezone", "The user's time zone in IANA Time Zone database format."),
        AttributeDef::boolean("active", "The user's administrative status."),
        AttributeDef::string("password", "The user's cleartext password, for setting it only.").write_only(),
        AttributeDef::complex("emails", "Email addresses for the user.", TYPED_VALUE_SUBS_EMAIL).multi(),
        AttributeDef::complex("phoneNumbers", "Phone numbers for the user.", PHONE_SUBS).multi(),
        AttributeDef::complex("ims", "Instant messaging addresses for the user.", IMS_SUBS).multi(),
        AttributeDef::complex("photos", "URLs of photos of the user.", PHOTO_SUBS).multi(),
        AttributeDef::complex("addresses", "Physical mailing addresses for this user.", ADDRESS_SUBS).multi(),
        AttributeDef::complex("groups", "The groups the user belongs to.", USER_GROUP_SUBS).multi().read_only(),
        AttributeDef::complex("entitlements", "Entitlements of the user.", GENERIC_MULTI_SUBS).multi(),
        AttributeDef::complex("roles", "Roles of the user.", GENERIC_MULTI_SUBS).multi(),
        AttributeDef::complex("x509Certificates", "X.509 certificates issued to the user.", GENERIC_MULTI_SUBS).multi(),
    ],
};

const MANAGER_SUBS: &[AttributeDef] = &[
    AttributeDef::string("value", "The id of the SCIM resource representing the user's manager."),
    AttributeDef::reference("$ref", "The URI of the manager's SCIM resource.", &["User"]),
    AttributeDef::string("displayName", "The display name of the user's manager.").read_only(),
];

/// The Enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER: SchemaDef = SchemaDef {
    id: ENTERPRISE_USER_SCHEMA,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: &[
        AttributeDef::string("employeeNumber", "Numeric or alphanumeric identifier assigned to a person."),
        AttributeDef::string("costCenter", "Identifies the name of a cost center."),
        AttributeDef::string("organization", "Identifies the name of an organization."),
        AttributeDef::string("division", "Identifies the name of a division."),
        AttributeDef::string("department", "Identifies the name of a department."),
        AttributeDef::complex("manager", "The user's manager.", MANAGER_SUBS),
    ],
};

const MEMBER_SUBS: &[AttributeDef] = &[
    AttributeDef::string("value", "Identifier of the member of this group.").immutable(),
    AttributeDef::reference("$ref", "The URI of the member resource.", &["User", "Group"]).immutable(),
    // Returned on request only: clients compare members by value and reference, and a
    // computed name they did not send would make a group look changed to them.
    AttributeDef::string("display", "A human-readable name of the member.").read_only().on_request(),
    AttributeDef::string("type", "The type of the member.").canonical(&["User", "Group"]).immutable(),
];

/// The core Group schema (RFC 7643 §4.2).
pub const GROUP: SchemaDef = SchemaDef {
    id: GROUP_SCHEMA,
    name: "Group",
    description: "Group",
    attributes: &[
        AttributeDef::string("displayName", "A human-readable name for the group.").required(),
        AttributeDef::complex("members", "A list of members of the group.", MEMBER_SUBS).multi(),
    ],
};

/// A resource type's core schema with its extensions: how attribute names resolve.
#[derive(Debug, Clone, Copy)]
pub struct ResourceSchema {
    /// The core schema.
    pub core: &'static SchemaDef,
    /// The schema extensions this resource type accepts.
    pub extensions: &'static [&'static SchemaDef],
}

/// Users: core User with the Enterprise extension.
pub const USER_RESOURCE: ResourceSchema = ResourceSchema { core: &USER, extensions: &[&ENTERPRISE_USER] };
/// Groups: core Group, no extensions.
pub const GROUP_RESOURCE: ResourceSchema = ResourceSchema { core: &GROUP, extensions: &[] };

impl ResourceSchema {
    /// The schema with this URN (case-insensitive), core or extension.
    pub fn schema(&self, urn: &str) -> Option<&'static SchemaDef> {
        std::iter::once(self.core).chain(self.extensions.iter().copied()).find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Resolves a top-level attribute name. With `urn` it must belong to that schema; without,
    /// the common attributes and the core schema are searched (RFC 7644 §3.10).
    pub fn attribute(&self, urn: Option<&str>, name: &str) -> Option<&'static AttributeDef> {
        match urn {
            Some(urn) if urn.eq_ignore_ascii_case(self.core.id) => {
                common_attribute(name).or_else(|| self.core.attribute(name))
            }
            Some(urn) => self.schema(urn)?.attribute(name),
            None => common_attribute(name).or_else(|| self.core.attribute(name)),
        }
    }
}

/// The common attribute (`id`, `externalId`, `meta`) with this name, case-insensitive.
pub fn common_attribute(name: &str) -> Option<&'static AttributeDef> {
    COMMON_ATTRIBUTES.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_attributes_resolve_case_insensitively() {
        let attr = USER_RESOURCE.attribute(None, "USERNAME").unwrap();
        assert_eq!(attr.name, "userName");
        assert!(!attr.case_exact);
        assert_eq!(attr.uniqueness, Uniqueness::Server);
        assert!(USER_RESOURCE.attribute(None, "id").unwrap().case_exact);
    }

    #[test]
    fn extension_attributes_need_their_urn() {
        assert!(USER_RESOURCE.attribute(None, "manager").is_none());
        let manager = USER_RESOURCE.attribute(Some(ENTERPRISE_USER_SCHEMA), "manager").unwrap();
        assert_eq!(manager.sub_attribute("VALUE").unwrap().name, "value");
    }

    #[test]
    fn password_is_never_returned() {
        let password = USER.attribute("password").unwrap();
        assert_eq!(password.returned, Returned::Never);
        assert_eq!(password.mutability, Mutability::WriteOnly);
    }

    #[test]
    fn schema_json_lists_attributes_rfc7643_7() {
        let json = USER.to_json("https://h/realms/a/scim/v2");
        assert_eq!(json["id"], USER_SCHEMA);
        let names: Vec<&str> =
            json["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"userName") && names.contains(&"emails"));
        assert_eq!(json["meta"]["location"], format!("https://h/realms/a/scim/v2/Schemas/{USER_SCHEMA}"));
    }
}
