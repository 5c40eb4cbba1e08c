//! The `tenant` table: a customer directory with its SCIM settings, including how its SCIM
//! endpoint authenticates callers (bearer secret, its own token endpoint, Entra-issued tokens).

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::row::RowRead;
use super::sql::{bind_all, placeholders, Arg};

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
    /// The tenant's current settings, to change and pass to [`update_settings`].
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

const COLUMNS: &str = "tenant_id, name, display_name, profile, scim_enabled, created_at, azure_tenant_id, \
                       remote_token_auth, token_ttl_secs, azure_audiences, azure_subjects, azure_jwks_url, \
                       link_users_by, required_attributes, disabled_at";

fn from_row(row: &AnyRow) -> Result<Tenant, sqlx::Error> {
    let profile: String = row.try_get("profile")?;
    Ok(Tenant {
        id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        display_name: row.try_get("display_name")?,
        profile: Profile::parse(&profile).unwrap_or(Profile::Generic),
        scim_enabled: row.flag("scim_enabled")?,
        disabled_at: row.try_get("disabled_at")?,
        created_at: row.try_get("created_at")?,
        auth: AuthSettings {
            azure_tenant_id: row.try_get("azure_tenant_id")?,
            remote_token_auth: row.flag("remote_token_auth")?,
            token_ttl_secs: row.try_get("token_ttl_secs")?,
            azure_audiences: list_from_column(row.try_get("azure_audiences")?),
            azure_subjects: list_from_column(row.try_get("azure_subjects")?),
            azure_jwks_url: row.try_get("azure_jwks_url")?,
        },
        provisioning: ProvisioningSettings {
            link_users_by: row
                .try_get::<Option<String>, _>("link_users_by")?
                .and_then(|s| LinkMatch::parse(&s).ok().flatten()),
            required_attributes: list_from_column(row.try_get("required_attributes")?),
        },
    })
}

/// A stored JSON list (NULL or unreadable = empty, i.e. the default).
fn list_from_column(text: Option<String>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

/// A list as stored: NULL when empty.
fn list_to_column(list: &[String]) -> Option<String> {
    (!list.is_empty()).then(|| serde_json::Value::from(list.to_vec()).to_string())
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

/// Inserts a tenant whose display name is its name; a taken name is a unique violation.
pub async fn insert(pool: &AnyPool, name: &str, profile: Profile, now_ms: i64) -> Result<Tenant, sqlx::Error> {
    insert_named(pool, name, name, profile, now_ms).await
}

/// Inserts a tenant; a taken name is a unique violation.
pub async fn insert_named(
    pool: &AnyPool,
    name: &str,
    display_name: &str,
    profile: Profile,
    now_ms: i64,
) -> Result<Tenant, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "insert into tenant (tenant_id, name, display_name, profile, scim_enabled, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(name)
    .bind(display_name)
    .bind(profile.as_str())
    .bind(true)
    .bind(now_ms)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(Tenant {
        id,
        name: name.to_owned(),
        display_name: display_name.to_owned(),
        profile,
        scim_enabled: true,
        disabled_at: None,
        created_at: now_ms,
        auth: AuthSettings::default(),
        provisioning: ProvisioningSettings::default(),
    })
}

/// Saves a tenant's settings (validated by the caller with the `parse_*` functions). Returns
/// whether the tenant exists.
pub async fn update_settings(
    pool: &AnyPool,
    tenant_id: &str,
    settings: &Settings,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let auth = &settings.auth;
    let done = sqlx::query(
        "update tenant set profile = $2, scim_enabled = $3, azure_tenant_id = $4, remote_token_auth = $5, \
         token_ttl_secs = $6, azure_audiences = $7, azure_subjects = $8, azure_jwks_url = $9, updated_at = $10, \
         link_users_by = $11, required_attributes = $12 where tenant_id = $1",
    )
    .bind(tenant_id)
    .bind(settings.profile.as_str())
    .bind(settings.scim_enabled)
    .bind(auth.azure_tenant_id.as_deref())
    .bind(auth.remote_token_auth)
    .bind(auth.token_ttl_secs)
    .bind(list_to_column(&auth.azure_audiences))
    .bind(list_to_column(&auth.azure_subjects))
    .bind(auth.azure_jwks_url.as_deref())
    .bind(now_ms)
    .bind(settings.provisioning.link_users_by.map(LinkMatch::as_str))
    .bind(list_to_column(&settings.provisioning.required_attributes))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The tenant with this exact (case-sensitive) name.
pub async fn by_name(pool: &AnyPool, name: &str) -> Result<Option<Tenant>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from tenant where name = $1");
    let row = sqlx::query(&sql).bind(name).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// The tenant with this id.
pub async fn by_id(pool: &AnyPool, tenant_id: &str) -> Result<Option<Tenant>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from tenant where tenant_id = $1");
    let row = sqlx::query(&sql).bind(tenant_id).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// Changes a tenant's display name; returns whether the tenant exists.
pub async fn rename(pool: &AnyPool, tenant_id: &str, display_name: &str, now_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("update tenant set display_name = $2, updated_at = $3 where tenant_id = $1")
        .bind(tenant_id)
        .bind(display_name)
        .bind(now_ms)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Disables (at `now_ms`) or enables a tenant; returns whether the tenant exists.
pub async fn set_disabled(pool: &AnyPool, tenant_id: &str, disabled: bool, now_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("update tenant set disabled_at = $2, updated_at = $3 where tenant_id = $1")
        .bind(tenant_id)
        .bind(disabled.then_some(now_ms))
        .bind(now_ms)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a tenant and, by cascade, everything it holds (users, groups, credentials, keys,
/// log, grants); the audit trail stays. Returns whether it existed.
pub async fn delete(pool: &AnyPool, tenant_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from tenant where tenant_id = $1").bind(tenant_id).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

/// Which tenants a search may return.
#[derive(Debug, Clone, Copy)]
pub enum Visible<'a> {
    /// Every tenant (platform administrators).
    All,
    /// Only these names.
    Only(&'a [String]),
}

/// A page of the tenants whose name or display name contains `search` (case-insensitive), by
/// name, and how many match in all.
pub async fn search(
    pool: &AnyPool,
    search: &str,
    visible: Visible<'_>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Tenant>, u64), sqlx::Error> {
    let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
    let mut condition = "(lower(name) like $1 escape '\\' or lower(display_name) like $1 escape '\\')".to_owned();
    let mut args = vec![Arg::Text(pattern)];
    if let Visible::Only(names) = visible {
        if names.is_empty() {
            return Ok((Vec::new(), 0));
        }
        condition.push_str(&format!(" and name in ({})", placeholders(2, names.len())));
        args.extend(names.iter().map(|n| Arg::Text(n.clone())));
    }
    let count_sql = format!("select count(*) as n from tenant where {condition}");
    let total: i64 = bind_all(sqlx::query(&count_sql), &args).fetch_one(pool).await?.try_get("n")?;
    let n = args.len();
    let page_sql =
        format!("select {COLUMNS} from tenant where {condition} order by name limit ${} offset ${}", n + 1, n + 2);
    let rows = bind_all(sqlx::query(&page_sql), &args)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    let tenants = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok((tenants, u64::try_from(total).unwrap_or_default()))
}

/// `text` with the `like` wildcards and the escape character escaped (escape character `\`).
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// All tenants, by name.
pub async fn list(pool: &AnyPool) -> Result<Vec<Tenant>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from tenant order by name");
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
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
        assert_eq!(list_from_column(list_to_column(&auth.azure_audiences)), auth.azure_audiences);
        assert_eq!(list_to_column(&[]), None);
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
    fn display_names_and_like_patterns_are_checked() {
        assert_eq!(validate_display_name("Acme Corp (EU)"), Ok(()));
        assert_eq!(validate_display_name("  "), Err(TenantNameError::DisplayLength));
        assert_eq!(validate_display_name(&"x".repeat(201)), Err(TenantNameError::DisplayLength));
        assert_eq!(validate_display_name("a\nb"), Err(TenantNameError::DisplayCharacters));
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }

    #[test]
    fn profiles_parse_case_insensitively() {
        assert_eq!(Profile::parse("Azure"), Some(Profile::Azure));
        assert_eq!(Profile::parse("GENERIC"), Some(Profile::Generic));
        assert_eq!(Profile::parse("okta"), None);
    }
}
