//! What the mapper editor and the user detail page show.

use scim::mapping::MapperSpec;
use serde::{Deserialize, Serialize};

use super::LogRow;

/// A stored mapper as the editor lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MapperRow {
    /// The mapper's id.
    pub id: String,
    /// Its configuration.
    pub spec: MapperSpec,
    /// The Microsoft Entra ID attribute that feeds its SCIM attribute in Entra's default
    /// mapping (`givenName` for `name.givenName`), if any.
    pub entra_source: Option<String>,
}

/// How far the re-derivation of existing users after a mapper change has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RederiveProgress {
    /// Users whose attributes follow the current mappers.
    pub done: u64,
    /// All users of the tenant.
    pub total: u64,
}

/// The Mappers section of a tenant's SCIM integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MapperPanel {
    /// The tenant's name.
    pub tenant: String,
    /// Whether the tenant's profile is Microsoft Entra ID (the Azure defaults are offered).
    pub azure: bool,
    /// Whether this administrator may change the mappers.
    pub can_change: bool,
    /// The mappers, in the order they apply.
    pub mappers: Vec<MapperRow>,
    /// `Some` while existing users are being re-derived after a change.
    pub rederive: Option<RederiveProgress>,
}

/// One internal attribute of a user, as the mappers derived it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InternalAttribute {
    /// The internal attribute name.
    pub name: String,
    /// Its value as JSON text.
    pub value: String,
    /// The SCIM attribute path it came from.
    pub claim: String,
}

/// The claims one token type would carry for a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClaimsPreview {
    /// The token type ("ID token", "Access token", "Userinfo", "Token introspection").
    pub token: String,
    /// The claims as pretty-printed JSON.
    pub claims: String,
}

/// A group a user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GroupLink {
    /// The group's SCIM id.
    pub id: String,
    /// Its displayName.
    pub display_name: String,
}

/// Everything the user detail page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserDetail {
    /// The SCIM id.
    pub id: String,
    /// userName.
    pub user_name: String,
    /// displayName.
    pub display_name: Option<String>,
    /// Active or deactivated.
    pub active: bool,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Last modification (RFC 3339).
    pub last_modified: String,
    /// The SCIM resource as a client reads it, pretty-printed JSON.
    pub resource: String,
    /// The internal attributes, in mapper order.
    pub internal: Vec<InternalAttribute>,
    /// `true` while the user's attributes still follow older mappers (re-derivation pending).
    pub mapping_pending: bool,
    /// The claims preview, one per token type.
    pub claims: Vec<ClaimsPreview>,
    /// The groups the user belongs to.
    pub groups: Vec<GroupLink>,
    /// Where the user was provisioned onward: the applications that have it.
    pub pushed_to: Vec<PushedTo>,
    /// The user's provisioning history from the log, newest first (at most 100 rows).
    pub history: Vec<LogRow>,
    /// Whether this administrator may deactivate or delete the user.
    pub can_change: bool,
}

/// An application a user (or group) was provisioned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PushedTo {
    /// The application's name.
    pub application: String,
    /// The resource's id there.
    pub target_id: String,
    /// The last delivery (RFC 3339).
    pub delivered_at: String,
}
