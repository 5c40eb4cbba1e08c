//! The SCIM settings of the integration panel: as the panel shows them, checked field by field,
//! and what changed, for the audit trail.

use app::dto::ScimSettings;
use app::AppError;
use serde_json::{json, Value};

use crate::tenant::{LinkMatch, Profile, ProvisioningSettings, Settings};

pub(crate) fn settings_dto(s: &Settings) -> ScimSettings {
    ScimSettings {
        enabled: s.scim_enabled,
        profile: s.profile.as_str().to_owned(),
        azure_tenant_id: s.auth.azure_tenant_id.clone(),
        remote_token_auth: s.auth.remote_token_auth,
        link_users_by: s.provisioning.link_users_by.map_or("off", LinkMatch::as_str).to_owned(),
        required_attributes: s.provisioning.required_attributes.clone(),
    }
}

/// Checks the panel's input and applies it to the current settings; a refused field is
/// `InvalidField` with a message that explains the expected form.
pub(super) fn apply_settings(current: &Settings, input: &ScimSettings) -> Result<Settings, AppError> {
    let field = |name: &str, message: String| AppError::InvalidField(name.to_owned(), message);
    let profile = Profile::parse(&input.profile)
        .ok_or_else(|| field(ScimSettings::PROFILE, "Choose the Generic or the Azure profile.".into()))?;
    let azure_tenant_id = match input.azure_tenant_id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => Some(
            crate::tenant::parse_azure_tenant_id(id)
                .map_err(|e| field(ScimSettings::AZURE_TENANT_ID, format!("{e}.")))?,
        ),
        // Optional under every profile: it is needed only to accept Entra-issued tokens.
        None => None,
    };
    let link_users_by =
        LinkMatch::parse(&input.link_users_by).map_err(|e| field(ScimSettings::LINK_USERS_BY, format!("{e}.")))?;
    let required_attributes = crate::tenant::parse_required_attributes(&input.required_attributes)
        .map_err(|e| field(ScimSettings::REQUIRED_ATTRIBUTES, format!("{e}.")))?;
    let mut next = current.clone();
    next.profile = profile;
    next.scim_enabled = input.enabled;
    next.auth.azure_tenant_id = azure_tenant_id;
    next.auth.remote_token_auth = input.remote_token_auth;
    next.provisioning = ProvisioningSettings { link_users_by, required_attributes };
    Ok(next)
}

/// What changed between two settings, as the audit detail: `{"field": {"from": …, "to": …}}`.
pub(crate) fn settings_changes(before: &ScimSettings, after: &ScimSettings) -> serde_json::Map<String, Value> {
    let mut changes = serde_json::Map::new();
    let mut note = |name: &str, from: Value, to: Value| {
        if from != to {
            changes.insert(name.to_owned(), json!({ "from": from, "to": to }));
        }
    };
    note("enabled", before.enabled.into(), after.enabled.into());
    note("profile", before.profile.clone().into(), after.profile.clone().into());
    note("azureTenantId", json!(before.azure_tenant_id), json!(after.azure_tenant_id));
    note("remoteTokenAuth", before.remote_token_auth.into(), after.remote_token_auth.into());
    note("linkUsersBy", before.link_users_by.clone().into(), after.link_users_by.clone().into());
    note("requiredAttributes", json!(before.required_attributes), json!(after.required_attributes));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::audit_text::audit_summary;

    fn dto(enabled: bool, profile: &str, azure: Option<&str>, remote: bool) -> ScimSettings {
        ScimSettings {
            enabled,
            profile: profile.into(),
            azure_tenant_id: azure.map(str::to_owned),
            remote_token_auth: remote,
            link_users_by: "off".into(),
            required_attributes: Vec::new(),
        }
    }

    #[test]
    fn settings_changes_name_only_what_changed_and_read_in_form_order() {
        let before = dto(true, "generic", None, false);
        let after = dto(false, "azure", Some("72f988bf-86f1-41af-91ab-2d7cd011db47"), true);
        let changes = settings_changes(&before, &after);
        assert_eq!(changes.len(), 4);
        assert!(settings_changes(&before, &before).is_empty());
        let summary = audit_summary("scim_settings.update", &json!({ "changes": changes }));
        assert_eq!(
            summary,
            "Updated the SCIM settings: endpoint disabled; profile Generic → Azure; Azure tenant ID set to \
             72f988bf-86f1-41af-91ab-2d7cd011db47; remote token authentication on"
        );
        let back = json!({ "changes": settings_changes(&after, &before) });
        assert_eq!(
            audit_summary("scim_settings.update", &back),
            "Updated the SCIM settings: endpoint enabled; profile Azure → Generic; Azure tenant ID removed; \
             remote token authentication off"
        );
        let mut advanced = before.clone();
        advanced.link_users_by = "email".into();
        advanced.required_attributes = vec!["displayName".into(), "emails".into()];
        let change = json!({ "changes": settings_changes(&before, &advanced) });
        assert_eq!(
            audit_summary("scim_settings.update", &change),
            "Updated the SCIM settings: user linking on creation by email; required attributes: displayName, emails"
        );
        let undo = json!({ "changes": settings_changes(&advanced, &before) });
        assert_eq!(
            audit_summary("scim_settings.update", &undo),
            "Updated the SCIM settings: user linking on creation off; no attributes required"
        );
        assert_eq!(audit_summary("something.else", &Value::Null), "something.else");
    }

    #[test]
    fn panel_input_is_checked_field_by_field() {
        let current = Settings {
            profile: Profile::Generic,
            scim_enabled: true,
            auth: crate::tenant::AuthSettings::default(),
            provisioning: ProvisioningSettings::default(),
        };
        let field_of = |input: ScimSettings| match apply_settings(&current, &input) {
            Err(AppError::InvalidField(field, _)) => Some(field),
            _ => None,
        };
        // The ID is optional (only Entra-issued tokens need it), but a given one must be an ID.
        assert_eq!(apply_settings(&current, &dto(true, "azure", None, false)).map(|s| s.profile), Ok(Profile::Azure));
        assert_eq!(field_of(dto(true, "azure", Some("x"), false)).as_deref(), Some(ScimSettings::AZURE_TENANT_ID));
        assert_eq!(field_of(dto(true, "okta", None, false)).as_deref(), Some(ScimSettings::PROFILE));
        let advanced = |link: &str, required: &[&str]| ScimSettings {
            link_users_by: link.into(),
            required_attributes: required.iter().map(|r| (*r).to_owned()).collect(),
            ..dto(true, "generic", None, false)
        };
        assert_eq!(field_of(advanced("mail", &[])).as_deref(), Some(ScimSettings::LINK_USERS_BY));
        assert_eq!(field_of(advanced("off", &["meta"])).as_deref(), Some(ScimSettings::REQUIRED_ATTRIBUTES));
        let linked = apply_settings(&current, &advanced("externalId", &["displayName"])).unwrap();
        assert_eq!(linked.provisioning.link_users_by, Some(LinkMatch::ExternalId));
        assert_eq!(linked.provisioning.required_attributes, vec!["displayName".to_owned()]);
        let next = apply_settings(&current, &dto(false, "Azure", Some(" 72F988BF-86F1-41AF-91AB-2D7CD011DB47 "), true))
            .unwrap();
        assert_eq!(next.profile, Profile::Azure);
        assert_eq!(next.auth.azure_tenant_id.as_deref(), Some("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        assert!(!next.scim_enabled && next.auth.remote_token_auth);
        assert_eq!(next.auth.token_ttl_secs, current.auth.token_ttl_secs);
        // The Generic profile needs no Azure tenant ID; an empty field removes it.
        assert_eq!(apply_settings(&next, &dto(true, "generic", Some(""), false)).unwrap().auth.azure_tenant_id, None);
    }
}
