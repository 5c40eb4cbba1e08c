//! Server functions of the mapper editor and the user detail page. Refused input comes back as
//! [`FormOutcome::Refused`] with the field names of [`MapperSpec`] (`name`, `userAttribute`,
//! `claim`, `jsonType`) or [`IMPORT_FIELD`]; the backend checks every right.

use leptos::prelude::*;
use scim::mapping::MapperSpec;
use serde::{Deserialize, Serialize};

use crate::dto::{FormOutcome, MapperPanel, MapperRow, UserDetail};
use crate::error::AppError;

/// The field name of the import text in a refusal.
pub const IMPORT_FIELD: &str = "import";

/// The mapper form as the editor submits it: the JSON type is the select's value
/// (`ClaimType::as_str`), checked by the server function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapperForm {
    /// The mapper's name.
    pub name: String,
    /// The internal user attribute it fills.
    pub user_attribute: String,
    /// The SCIM attribute path it reads.
    pub claim: String,
    /// `String`, `boolean`, `long` or `JSON`.
    pub json_type: String,
    /// Every value as a list, or the single one.
    pub multivalued: bool,
    /// Boolean only: store the opposite value.
    #[serde(default)]
    pub invert: bool,
    /// Carried in the ID token.
    pub id_token: bool,
    /// Carried in the access token.
    pub access_token: bool,
    /// Carried in the userinfo answer.
    pub userinfo: bool,
    /// Carried in the token introspection answer.
    pub introspection: bool,
}

impl MapperForm {
    /// The form filled with a stored mapper.
    pub fn of(spec: &MapperSpec) -> MapperForm {
        MapperForm {
            name: spec.name.clone(),
            user_attribute: spec.user_attribute.clone(),
            claim: spec.claim.clone(),
            json_type: spec.json_type.as_str().to_owned(),
            multivalued: spec.multivalued,
            invert: spec.invert,
            id_token: spec.id_token,
            access_token: spec.access_token,
            userinfo: spec.userinfo,
            introspection: spec.introspection,
        }
    }

    /// The mapper it describes (text fields trimmed), or why its JSON type is refused (the
    /// field [`MapperSpec::JSON_TYPE`]).
    pub fn spec(self) -> Result<MapperSpec, String> {
        let Some(json_type) = scim::mapping::ClaimType::parse(&self.json_type) else {
            return Err(format!(
                "\"{}\" is not a claim JSON type: choose String, Boolean, Integer/long or JSON.",
                self.json_type
            ));
        };
        Ok(MapperSpec {
            name: self.name.trim().to_owned(),
            user_attribute: self.user_attribute.trim().to_owned(),
            claim: self.claim.trim().to_owned(),
            json_type,
            multivalued: self.multivalued,
            invert: self.invert,
            id_token: self.id_token,
            access_token: self.access_token,
            userinfo: self.userinfo,
            introspection: self.introspection,
        })
    }
}

impl Default for MapperForm {
    /// A new mapper: a String, single-valued, in every token.
    fn default() -> Self {
        MapperForm {
            name: String::new(),
            user_attribute: String::new(),
            claim: String::new(),
            json_type: scim::mapping::ClaimType::String.as_str().to_owned(),
            multivalued: false,
            invert: false,
            id_token: true,
            access_token: true,
            userinfo: true,
            introspection: true,
        }
    }
}

/// The Mappers section of a tenant's SCIM integration.
#[server]
pub async fn get_mapper_panel(tenant: String) -> Result<MapperPanel, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.mapper_panel(&admin, &tenant).await
}

/// Creates a mapper (`id` None) or changes one. A refused field saves nothing.
#[server]
pub async fn save_mapper(
    tenant: String,
    id: Option<String>,
    form: MapperForm,
) -> Result<FormOutcome<MapperRow>, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    let spec = match form.spec() {
        Ok(spec) => spec,
        Err(message) => return Ok(FormOutcome::Refused { field: MapperSpec::JSON_TYPE.to_owned(), message }),
    };
    let id = id.filter(|id| !id.is_empty());
    FormOutcome::of(backend.save_mapper(&admin, address, &tenant, id, spec).await)
}

/// Deletes a mapper.
#[server]
pub async fn delete_mapper(tenant: String, id: String) -> Result<(), AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.delete_mapper(&admin, address, &tenant, &id).await
}

/// Creates the mappers of Microsoft Entra ID's setup guide that are missing; returns how many.
#[server]
pub async fn apply_azure_defaults(tenant: String) -> Result<u32, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.apply_azure_defaults(&admin, address, &tenant).await
}

/// The tenant's mappers as pretty-printed JSON, to import elsewhere.
#[server]
pub async fn export_mappers(tenant: String) -> Result<String, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.export_mappers(&admin, &tenant).await
}

/// Imports exported mappers (replacing the tenant's with `replace`); returns how many were
/// stored. Refused JSON is [`FormOutcome::Refused`] with the field [`IMPORT_FIELD`].
#[server]
pub async fn import_mappers(tenant: String, json: String, replace: bool) -> Result<FormOutcome<u32>, AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    FormOutcome::of(backend.import_mappers(&admin, address, &tenant, &json, replace).await)
}

/// One user of a tenant, for the user detail page.
#[server]
pub async fn get_user_detail(tenant: String, user: String) -> Result<UserDetail, AppError> {
    let (backend, admin) = crate::backend::authed().await?;
    backend.user_detail(&admin, &tenant, &user).await
}

/// Deactivates a user by hand.
#[server]
pub async fn deactivate_user(tenant: String, user: String) -> Result<(), AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.deactivate_user(&admin, address, &tenant, &user).await
}

/// Deletes a user by hand.
#[server]
pub async fn delete_user(tenant: String, user: String) -> Result<(), AppError> {
    let (backend, admin, address) = crate::backend::authed_with_address().await?;
    backend.delete_user(&admin, address, &tenant, &user).await
}

#[cfg(test)]
mod tests {
    use super::MapperForm;
    use scim::mapping::{ClaimType, MapperSpec};

    #[test]
    fn a_form_becomes_the_mapper_it_shows() {
        let spec = MapperSpec {
            name: "status".into(),
            user_attribute: "status".into(),
            claim: "active".into(),
            json_type: ClaimType::Boolean,
            multivalued: false,
            invert: true,
            id_token: false,
            access_token: true,
            userinfo: true,
            introspection: false,
        };
        let form = MapperForm::of(&spec);
        assert_eq!(form.json_type, "boolean");
        assert_eq!(form.spec(), Ok(spec));
    }

    #[test]
    fn text_is_trimmed_and_an_unknown_json_type_is_refused() {
        let form = MapperForm {
            name: " department ".into(),
            user_attribute: "department\t".into(),
            claim: " urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department".into(),
            ..MapperForm::default()
        };
        let spec = form.clone().spec().unwrap();
        assert_eq!(spec.name, "department");
        assert_eq!(spec.user_attribute, "department");
        assert_eq!(spec.claim, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department");
        assert_eq!(spec.json_type, ClaimType::String);
        assert!(spec.id_token && spec.access_token && spec.userinfo && spec.introspection && !spec.multivalued);

        let refused = MapperForm { json_type: "float".into(), ..form }.spec().unwrap_err();
        assert!(refused.contains("\"float\" is not a claim JSON type"), "{refused}");
    }
}
