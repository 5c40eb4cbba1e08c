//! A tenant: a customer directory with its SCIM settings — which request shapes its endpoint
//! tolerates, how it authenticates callers (bearer secret, its own token endpoint, Entra-issued
//! tokens), how it links and checks provisioned users — and the validation of each setting.
//! Stored by [`crate::db::tenant`].

/// Which request shapes a tenant's SCIM endpoint tolerates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// RFC 7644 as written (recommended in most cases).
    Generic,
    /// Also Microsoft Entra ID's known deviations.
    Azure,
}

impl Profile {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Generic => "generic",
            Profile::Azure => "azure",
        }
    }

    /// Parses a stored or typed name (case-insensitive).
    pub fn parse(s: &str) -> Option<Profile> {
        match s.to_ascii_lowercase().as_str() {
            "generic" => Some(Profile::Generic),
            "azure" => Some(Profile::Azure),
            _ => None,
        }
    }
}

/// A tenant row.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Internal id (UUID).
    pub id: String,
    /// The case-sensitive name used in URLs.
    pub name: String,
    /// A human-friendly name.
    pub display_name: String,
    /// The SCIM profile.
    pub profile: Profile,
    /// Whether the SCIM endpoint answers.
    pub scim_enabled: bool,
    /// When a platform administrator disabled the whole tenant (its SCIM and token endpoints
    /// answer 403; the data stays), if they did.
    pub disabled_at: Option<i64>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Which tokens besides the bearer secret the SCIM endpoint accepts.
    pub auth: AuthSettings,
    /// What the SCIM endpoint asks of the users it provisions.
    pub provisioning: ProvisioningSettings,
}

/// The attribute by which a `POST /Users` that meets an existing user adopts it instead of
/// answering 409 (user linking on creation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMatch {
    /// The same userName (case-insensitive), on a user without an identity-provider link.
    UserName,
    /// The POST's preferred email among the user's emails (case-insensitive), on a user without
    /// an identity-provider link.
    Email,
    /// The same externalId: the identity provider's own link, met again after it lost track of
    /// the user's id.
    ExternalId,
}

impl LinkMatch {
    /// The stored name, which is also the SCIM attribute it compares.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkMatch::UserName => "userName",
            LinkMatch::Email => "email",
            LinkMatch::ExternalId => "externalId",
        }
    }

    /// Parses a stored or typed name (case-insensitive); `off` and the empty string are `None`.
    pub fn parse(s: &str) -> Result<Option<LinkMatch>, SettingsError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "off" => Ok(None),
            "username" => Ok(Some(LinkMatch::UserName)),
            "email" => Ok(Some(LinkMatch::Email)),
            "externalid" => Ok(Some(LinkMatch::ExternalId)),
            _ => Err(SettingsError::LinkMatch(s.chars().take(40).collect())),
        }
    }
}

/// What a tenant's SCIM endpoint asks of the users it provisions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvisioningSettings {
    /// User linking on creation; `None` answers 409 to every taken userName.
    pub link_users_by: Option<LinkMatch>,
    /// Attribute paths every user must carry (validated by [`parse_required_attributes`]).
    pub required_attributes: Vec<String>,
}

/// The most attributes a tenant can require.
pub const MAX_REQUIRED_ATTRIBUTES: usize = 20;

/// Validates the attributes a tenant requires of its users: SCIM attribute paths of the User
/// resource (core or enterprise extension, optionally with a sub-attribute) that clients write.
/// Blank entries are dropped, duplicates (case-insensitive) kept once.
pub fn parse_required_attributes(entries: &[String]) -> Result<Vec<String>, SettingsError> {
    let mut out: Vec<String> = Vec::new();
    for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let refused = |why: &str| SettingsError::RequiredAttribute(format!("\"{entry}\" {why}"));
        let path = scim::path::AttrPath::parse(entry).map_err(|_| refused("is not a SCIM attribute path"))?;
        let def = path
            .target_def(&scim::schema::USER_RESOURCE)
            .ok_or_else(|| refused("is not an attribute of the User resource"))?;
        if matches!(def.mutability, scim::schema::Mutability::ReadOnly | scim::schema::Mutability::WriteOnly) {
            return Err(refused("is set by scimhub or never stored, so it cannot be required"));
        }
        if !out.iter().any(|seen| seen.eq_ignore_ascii_case(entry)) {
            out.push(entry.to_owned());
        }
    }
    if out.len() > MAX_REQUIRED_ATTRIBUTES {
        return Err(SettingsError::RequiredAttribute(format!(
            "at most {MAX_REQUIRED_ATTRIBUTES} attributes can be required"
        )));
    }
    Ok(out)
}

/// The audience Entra ID's provisioning service puts in the tokens it sends to a non-gallery
/// application whose *Secret Token* field is left blank.
pub const ENTRA_PROVISIONING_AUDIENCE: &str = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";

/// The default lifetime of the access tokens of a tenant's token endpoint (1 hour).
pub const DEFAULT_TOKEN_TTL_SECS: i64 = 3600;
/// The shortest token lifetime that can be configured.
pub const MIN_TOKEN_TTL_SECS: i64 = 60;
/// The longest token lifetime that can be configured (a day); retired signing keys are
/// published this long, so every token they signed can still be verified.
pub const MAX_TOKEN_TTL_SECS: i64 = 86_400;

/// How a tenant's SCIM endpoint authenticates callers besides its bearer secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// The customer's Entra (Azure AD) tenant id: a lower-case GUID. Needed, with the Azure
    /// profile, to accept tokens issued by that Entra tenant.
    pub azure_tenant_id: Option<String>,
    /// Whether access tokens from the tenant's own token endpoint (OAuth 2.0 client
    /// credentials) are accepted, and whether that endpoint issues them.
    pub remote_token_auth: bool,
    /// Lifetime of the tenant's access tokens, in seconds.
    pub token_ttl_secs: i64,
    /// Accepted audiences of Entra-issued tokens; empty means [`ENTRA_PROVISIONING_AUDIENCE`].
    pub azure_audiences: Vec<String>,
    /// Accepted subjects of Entra-issued tokens; empty means any subject of that Entra tenant.
    pub azure_subjects: Vec<String>,
    /// Where the Entra tenant's signing keys are published; `None` means
    /// [`AuthSettings::default_azure_jwks_url`].
    pub azure_jwks_url: Option<String>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            azure_tenant_id: None,
            remote_token_auth: false,
            token_ttl_secs: DEFAULT_TOKEN_TTL_SECS,
            azure_audiences: Vec::new(),
            azure_subjects: Vec::new(),
            azure_jwks_url: None,
        }
    }
}

impl AuthSettings {
    /// Microsoft's published keys for an Entra tenant.
    pub fn default_azure_jwks_url(azure_tenant_id: &str) -> String {
        format!("https://login.microsoftonline.com/{azure_tenant_id}/discovery/v2.0/keys")
    }

    /// The JWKS URL in effect (the override, or Microsoft's), if an Azure tenant id is set.
    pub fn effective_azure_jwks_url(&self) -> Option<String> {
        let id = self.azure_tenant_id.as_deref()?;
        Some(self.azure_jwks_url.clone().unwrap_or_else(|| Self::default_azure_jwks_url(id)))
    }

    /// The audiences in effect for Entra-issued tokens.
    pub fn effective_azure_audiences(&self) -> Vec<String> {
        if self.azure_audiences.is_empty() {
            vec![ENTRA_PROVISIONING_AUDIENCE.to_owned()]
        } else {
            self.azure_audiences.clone()
        }
    }

    /// The issuers of Entra-issued tokens this tenant accepts: the v1 issuer of the token Entra
    /// sends when its Secret Token field is blank, and the v2 issuer of workload identity
    /// federation tokens. None without an Azure tenant id.
    pub fn azure_issuers(&self) -> Vec<String> {
        match self.azure_tenant_id.as_deref() {
            Some(id) => {
                vec![format!("https://sts.windows.net/{id}/"), format!("https://login.microsoftonline.com/{id}/v2.0")]
            }
            None => Vec::new(),
        }
    }
}

/// The settings an administrator changes (panel or `scimhub tenant configure`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The SCIM profile.
    pub profile: Profile,
    /// Whether the SCIM endpoint answers.
    pub scim_enabled: bool,
    /// Authentication settings.
    pub auth: AuthSettings,
    /// Advanced SCIM settings.
    pub provisioning: ProvisioningSettings,
}

impl Tenant {
    /// The tenant's current settings, to change and pass to [`crate::db::tenant::update_settings`].
    pub fn settings(&self) -> Settings {
        Settings {
            profile: self.profile,
            scim_enabled: self.scim_enabled,
            auth: self.auth.clone(),
            provisioning: self.provisioning.clone(),
        }
    }
}

/// Why a setting is refused; the message explains the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// Not a GUID.
    #[error(
        "\"{0}\" is not an Azure tenant ID: it is a GUID of 32 hexadecimal digits in groups of \
         8-4-4-4-12 separated by hyphens, e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47 (upper or \
         lower case, stored in lower case; no braces). Copy it from the Entra admin center: \
         Overview → Tenant ID. It is neither the domain (contoso.onmicrosoft.com) nor an \
         application (client) ID"
    )]
    AzureTenantId(String),
    /// Token lifetime out of range.
    #[error("the token lifetime must be between {MIN_TOKEN_TTL_SECS} and {MAX_TOKEN_TTL_SECS} seconds")]
    TokenTtl,
    /// Not an absolute http(s) URL.
    #[error("\"{0}\" is not an absolute https:// (or http://) URL")]
    JwksUrl(String),
    /// An audience or subject list entry that is empty or too long, or too many entries.
    #[error("{0}")]
    List(&'static str),
    /// Not a way of linking users.
    #[error("\"{0}\" is not a way of linking users: choose off, userName, email or externalId")]
    LinkMatch(String),
    /// A required attribute that is not a writable attribute of the User resource.
    #[error("{0}")]
    RequiredAttribute(String),
}

/// Validates an Azure (Entra) tenant id: a GUID in the 8-4-4-4-12 form, in any case. Returns it
/// in lower case, the form Entra puts in its token issuers.
pub fn parse_azure_tenant_id(input: &str) -> Result<String, SettingsError> {
    let id = input.trim();
    let groups: Vec<&str> = id.split('-').collect();
    let lengths_ok = groups.len() == 5 && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]);
    if !lengths_ok || !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(SettingsError::AzureTenantId(id.chars().take(80).collect()));
    }
    Ok(id.to_ascii_lowercase())
}

/// Validates a JWKS URL override: an absolute `https://` or `http://` URL.
pub fn parse_jwks_url(input: &str) -> Result<String, SettingsError> {
    let input = input.trim();
    match url::Url::parse(input) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.has_host() => Ok(input.to_owned()),
        _ => Err(SettingsError::JwksUrl(input.chars().take(200).collect())),
    }
}

/// Validates a token lifetime in seconds.
pub fn check_token_ttl(secs: i64) -> Result<i64, SettingsError> {
    if (MIN_TOKEN_TTL_SECS..=MAX_TOKEN_TTL_SECS).contains(&secs) {
        Ok(secs)
    } else {
        Err(SettingsError::TokenTtl)
    }
}

/// Validates a list of accepted audiences or subjects: at most 20 non-empty entries of at most
/// 256 characters, trimmed; an empty list restores the default.
pub fn parse_list(entries: &[String]) -> Result<Vec<String>, SettingsError> {
    let list: Vec<String> = entries.iter().map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()).collect();
    if list.len() > 20 {
        return Err(SettingsError::List("at most 20 audiences or subjects can be configured"));
    }
    if list.iter().any(|e| e.len() > 256) {
        return Err(SettingsError::List("an audience or subject has at most 256 characters"));
    }
    Ok(list)
}

/// Why a tenant name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantNameError {
    /// Empty or longer than 64 characters.
    #[error("a tenant name has 1 to 64 characters")]
    Length,
    /// A character outside `[A-Za-z0-9_-]`.
    #[error("a tenant name may contain only letters, digits, '-' and '_'")]
    Characters,
    /// An empty or too long display name.
    #[error("a display name has 1 to {MAX_DISPLAY_NAME} characters")]
    DisplayLength,
    /// A control character in a display name.
    #[error("a display name cannot contain control characters")]
    DisplayCharacters,
}

/// Checks the tenant name rules: 1–64 of `[A-Za-z0-9_-]`, case-sensitive.
pub fn validate_name(name: &str) -> Result<(), TenantNameError> {
    if name.is_empty() || name.len() > 64 {
        return Err(TenantNameError::Length);
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(TenantNameError::Characters);
    }
    Ok(())
}

/// The longest display name.
pub const MAX_DISPLAY_NAME: usize = 200;

/// Checks a display name: 1–200 characters after trimming, no control characters.
pub fn validate_display_name(display_name: &str) -> Result<(), TenantNameError> {
    let n = display_name.trim().chars().count();
    if n == 0 || n > MAX_DISPLAY_NAME {
        return Err(TenantNameError::DisplayLength);
    }
    if display_name.chars().any(char::is_control) {
        return Err(TenantNameError::DisplayCharacters);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_follow_the_rules() {
        assert_eq!(validate_name("Acme_1-x"), Ok(()));
        assert_eq!(validate_name(""), Err(TenantNameError::Length));
        assert_eq!(validate_name(&"a".repeat(65)), Err(TenantNameError::Length));
        assert_eq!(validate_name(&"a".repeat(64)), Ok(()));
        assert_eq!(validate_name("acme corp"), Err(TenantNameError::Characters));
        assert_eq!(validate_name("acmé"), Err(TenantNameError::Characters));
        assert_eq!(validate_name("../x"), Err(TenantNameError::Characters));
    }

    #[test]
    fn azure_tenant_ids_are_guids_in_any_case() {
        let id = "72F988BF-86f1-41AF-91ab-2d7cd011db47";
        assert_eq!(parse_azure_tenant_id(id).unwrap(), "72f988bf-86f1-41af-91ab-2d7cd011db47");
        assert_eq!(parse_azure_tenant_id(" 72f988bf-86f1-41af-91ab-2d7cd011db47 ").unwrap().len(), 36);
        for bad in [
            "",
            "contoso.onmicrosoft.com",
            "{72f988bf-86f1-41af-91ab-2d7cd011db47}",
            "72f988bf86f141af91ab2d7cd011db47",
            "72f988bf-86f1-41af-91ab-2d7cd011db4",
            "72f988bf-86f1-41af-91ab-2d7cd011db4g",
            "72f988bf-86f1-41af-91ab2-d7cd011db47",
        ] {
            let err = parse_azure_tenant_id(bad).unwrap_err();
            assert!(err.to_string().contains("8-4-4-4-12"), "{bad}: {err}");
        }
    }

    #[test]
    fn settings_values_are_checked() {
        assert_eq!(check_token_ttl(3600), Ok(3600));
        assert_eq!(check_token_ttl(59), Err(SettingsError::TokenTtl));
        assert_eq!(check_token_ttl(86_401), Err(SettingsError::TokenTtl));
        assert!(parse_jwks_url("https://login.example/keys").is_ok());
        assert!(parse_jwks_url("http://127.0.0.1:8080/keys").is_ok());
        assert!(parse_jwks_url("ftp://x/keys").is_err());
        assert!(parse_jwks_url("/keys").is_err());
        assert_eq!(parse_list(&[" a ".into(), String::new()]).unwrap(), vec!["a".to_owned()]);
        assert!(parse_list(&vec!["a".to_owned(); 21]).is_err());
        assert!(parse_list(&["x".repeat(257)]).is_err());
    }

    #[test]
    fn auth_defaults_follow_entra() {
        let mut auth = AuthSettings::default();
        assert_eq!(auth.effective_azure_jwks_url(), None);
        assert!(auth.azure_issuers().is_empty());
        auth.azure_tenant_id = Some("72f988bf-86f1-41af-91ab-2d7cd011db47".into());
        assert_eq!(
            auth.effective_azure_jwks_url().unwrap(),
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys"
        );
        assert_eq!(auth.azure_issuers()[0], "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/");
        assert_eq!(auth.effective_azure_audiences(), vec![ENTRA_PROVISIONING_AUDIENCE.to_owned()]);
        auth.azure_audiences = vec!["api://scimhub".into()];
        assert_eq!(auth.effective_azure_audiences(), vec!["api://scimhub".to_owned()]);
    }

    #[test]
    fn required_attributes_are_writable_user_attributes() {
        let list = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let ok = parse_required_attributes(&list(&[
            " displayName ",
            "",
            "emails",
            "name.givenName",
            "DISPLAYNAME",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ]))
        .unwrap();
        assert_eq!(ok.len(), 4, "{ok:?}");
        assert_eq!(ok[0], "displayName");
        for (bad, why) in [
            ("nosuch", "not an attribute"),
            ("emails[type eq", "not a SCIM attribute path"),
            ("id", "set by scimhub"),
            ("password", "never stored"),
            ("groups", "set by scimhub"),
        ] {
            let err = parse_required_attributes(&list(&[bad])).unwrap_err().to_string();
            assert!(err.contains(bad) && err.contains(why), "{bad}: {err}");
        }
        assert!(parse_required_attributes(&vec!["title".to_owned(); 1]).is_ok());
        let many: Vec<String> = [
            "title",
            "nickName",
            "locale",
            "timezone",
            "profileUrl",
            "userType",
            "preferredLanguage",
            "displayName",
            "emails",
            "phoneNumbers",
            "addresses",
            "ims",
            "photos",
            "entitlements",
            "roles",
            "x509Certificates",
            "name",
            "externalId",
            "active",
            "name.formatted",
            "name.familyName",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert!(parse_required_attributes(&many).is_err());
    }

    #[test]
    fn link_matches_parse_with_off() {
        assert_eq!(LinkMatch::parse("off"), Ok(None));
        assert_eq!(LinkMatch::parse(""), Ok(None));
        assert_eq!(LinkMatch::parse("USERNAME"), Ok(Some(LinkMatch::UserName)));
        assert_eq!(LinkMatch::parse("externalId"), Ok(Some(LinkMatch::ExternalId)));
        assert_eq!(LinkMatch::parse("Email").map(|m| m.map(LinkMatch::as_str)), Ok(Some("email")));
        assert!(LinkMatch::parse("mail").unwrap_err().to_string().contains("userName"));
    }

    #[test]
    fn display_names_are_checked() {
        assert_eq!(validate_display_name("Acme Corp (EU)"), Ok(()));
        assert_eq!(validate_display_name("  "), Err(TenantNameError::DisplayLength));
        assert_eq!(validate_display_name(&"x".repeat(201)), Err(TenantNameError::DisplayLength));
        assert_eq!(validate_display_name("a\nb"), Err(TenantNameError::DisplayCharacters));
    }

    #[test]
    fn profiles_parse_case_insensitively() {
        assert_eq!(Profile::parse("Azure"), Some(Profile::Azure));
        assert_eq!(Profile::parse("GENERIC"), Some(Profile::Generic));
        assert_eq!(Profile::parse("okta"), None);
    }
}
