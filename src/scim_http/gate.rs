//! The edge of the SCIM API: every request passes here first. It resolves the tenant named in
//! the URL, refuses a disabled endpoint, authenticates the bearer credential against that
//! tenant, enforces the body limit, and afterwards writes the provisioning-log row for
//! everything a handler did not already log inside its own transaction.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scim::ScimError;

use super::error::ApiError;
use crate::db;
use crate::provisioning::caller::{Actor, Caller};
use crate::provisioning::log::{excerpt, LogDraft, LogFacts, LoggedBody, LoggedOutcome};
use crate::provisioning::mapping::mapping_of;
use crate::scim_http::throttle;
use crate::secret::SecretHash;
use crate::state::AppState;
use crate::telemetry::request_id::RequestId;
use crate::tenant::{AuthSettings, Profile, ProvisioningSettings, Tenant};

/// Only refresh a credential's `last_used_at` when it is older than this (ms): a write per
/// request would cost more than the information is worth.
const TOUCH_INTERVAL_MS: i64 = 60_000;

/// The SCIM middleware (see the module docs).
pub async fn gate(
    State(state): State<AppState>,
    Path(params): Path<Vec<(String, String)>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let source = throttle::source_of(request.extensions());
    if let Some(wait) = state.auth_failures.as_ref().and_then(|limit| limit.blocked(source)) {
        // Before the tenant, the credential and the log: an address over its limit costs nothing.
        return Rejection::Blocked(wait).into_response();
    }
    let tenant_name = params.iter().find(|(k, _)| k == "tenant").map(|(_, v)| v.as_str()).unwrap_or_default();
    let tenant = match state.tenant_by_name(tenant_name).await {
        Ok(Some(tenant)) => tenant,
        // Answered as a wrong credential is, so that tenant names cannot be told from the
        // answers; not logged (there is no tenant to log it for).
        Ok(None) => {
            return refuse_for_unknown_tenant(&state, tenant_name, request.headers(), source).await.into_response()
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let (parts, body) = request.into_parts();
    let tenant_label = tenant.name.clone();
    let mut draft = LogDraft {
        request_id: parts.extensions.get::<RequestId>().map(|id| id.0.to_string()),
        tenant_id: tenant.id.clone(),
        credential_id: None,
        method: parts.method.to_string(),
        path: relative_path(&parts.uri, tenant_name),
        occurred_at: state.clock.now_ms(),
        started,
        request_excerpt: None,
        client_addr: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()),
        user_agent: header_text(&parts.headers, header::USER_AGENT),
    };
    let default_facts = facts_from_path(&parts.method, &draft.path);

    let admitted = admit(&state, &tenant, &parts.headers, source, &mut draft, body).await;
    let admitted = match admitted {
        Ok((credential_id, body)) => match mapping_of(&state, &tenant.id).await {
            Ok(mapping) => Ok((credential_id, body, mapping)),
            Err(e) => Err(Rejection::Api(e.into())),
        },
        Err(e) => Err(e),
    };
    let response = match admitted {
        Ok((credential_id, body, mapping)) => {
            if !matches!(parts.method, Method::GET | Method::HEAD) {
                // A change writes its log row in its own transaction: the rows of the requests
                // before it go first, so the log keeps the order the requests arrived in. (Not
                // inside the transaction: the writer connection would wait for itself.)
                state.log_sink.flush().await;
            }
            let mut request = Request::from_parts(parts, Body::from(body));
            let caller = Caller::new(&state, tenant, Actor::ScimClient { credential_id }, mapping);
            request.extensions_mut().insert(caller);
            request.extensions_mut().insert(draft.clone());
            next.run(request).await
        }
        Err(e) => e.into_response(),
    };
    let operation = response.extensions().get::<LogFacts>().and_then(|f| f.operation).or(default_facts.operation);
    let status = response.status().as_u16();
    let response = record(&state, &draft, default_facts, response).await;
    crate::telemetry::scim_request(&tenant_label, operation.unwrap_or("other"), status, started.elapsed());
    response
}

/// Why the gate turned a request away.
enum Rejection {
    /// A SCIM error.
    Api(ApiError),
    /// Over the credential's rate limit: come back after this long.
    Throttled(Duration),
    /// Too many failed authentications from the client's address: come back after this long.
    Blocked(Duration),
}

impl From<ApiError> for Rejection {
    fn from(e: ApiError) -> Self {
        Rejection::Api(e)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::Api(e) => e.into_response(),
            Rejection::Throttled(wait) => too_many(wait, "too many requests"),
            Rejection::Blocked(wait) => too_many(wait, "too many failed authentications from this address"),
        }
    }
}

/// A 429 answer saying `what`, with `Retry-After`.
fn too_many(wait: Duration, what: &str) -> Response {
    let seconds = scim::error::retry_after_secs(wait);
    ApiError(ScimError::new(429, None, format!("{what}; retry after {seconds} s")).with_retry_after(wait))
        .into_response()
}

/// The answer to a request for a tenant that does not exist: its credential is checked as
/// for a new tenant with no credentials (the same work, so the same time, and the same 401 a
/// wrong credential gets), and the failure counts for the client's address.
async fn refuse_for_unknown_tenant(
    state: &AppState,
    name: &str,
    headers: &HeaderMap,
    source: Option<IpAddr>,
) -> ApiError {
    let nobody = Tenant {
        id: String::new(),
        name: name.to_owned(),
        display_name: String::new(),
        profile: Profile::Generic,
        scim_enabled: true,
        disabled_at: None,
        created_at: 0,
        auth: AuthSettings::default(),
        provisioning: ProvisioningSettings::default(),
    };
    match authenticate(state, &nobody, headers, source).await {
        Err(refused) => refused,
        // No credential belongs to a tenant without an id; refused all the same.
        Ok(_) => ApiError(ScimError::unauthorized(INVALID_BEARER)),
    }
}

/// Checks the endpoint, the credential, its rate and the body; returns the credential id and
/// the body.
async fn admit(
    state: &AppState,
    tenant: &Tenant,
    headers: &HeaderMap,
    source: Option<IpAddr>,
    draft: &mut LogDraft,
    body: Body,
) -> Result<(String, Bytes), Rejection> {
    // Authentication comes first, so only the tenant's own clients learn that it is disabled.
    let credential_id = authenticate(state, tenant, headers, source).await?;
    if tenant.disabled_at.is_some() {
        return Err(ApiError(ScimError::forbidden(format!(
            "tenant \"{}\" is disabled by a platform administrator (its data is kept)",
            tenant.name
        )))
        .into());
    }
    if !tenant.scim_enabled {
        return Err(ApiError(ScimError::forbidden(format!(
            "the SCIM endpoint of tenant \"{}\" is disabled",
            tenant.name
        )))
        .into());
    }
    draft.credential_id = Some(credential_id.clone());
    if let Some(throttle) = &state.throttle {
        throttle.check(&format!("{}/{credential_id}", tenant.id)).map_err(Rejection::Throttled)?;
    }
    let limit = state.config.max_body_bytes;
    let body = to_bytes(body, limit).await.map_err(|_| ApiError(ScimError::payload_too_large(limit)))?;
    draft.request_excerpt = excerpt(&body);
    Ok((credential_id, body))
}

/// The refusal of a secret token that no active credential of the tenant has.
const INVALID_BEARER: &str = "invalid or expired bearer token for this tenant";

/// Finds the bearer credential of this tenant that the request presents (see [`credential_of`]);
/// a refusal (401) counts against the client's address.
async fn authenticate(
    state: &AppState,
    tenant: &Tenant,
    headers: &HeaderMap,
    source: Option<IpAddr>,
) -> Result<String, ApiError> {
    let found = credential_of(state, tenant, headers).await;
    if let (Err(refused), Some(limit)) = (&found, &state.auth_failures) {
        if refused.0.status == 401 {
            limit.failed(source);
        }
    }
    found
}

/// The bearer credential of this tenant that the request presents: a JWT (the tenant's own
/// access token, or an Entra-issued one for the Azure profile) or a secret token.
async fn credential_of(state: &AppState, tenant: &Tenant, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = bearer_token(headers)
        .ok_or_else(|| ApiError(ScimError::unauthorized("missing bearer token in the Authorization header")))?;
    if crate::scim_tokens::jwt::looks_like_jwt(token) {
        // Verified by signature against the issuers this tenant trusts; no secret lookup.
        return Ok(crate::scim_tokens::jwt::authenticate(state, tenant, token).await?);
    }
    let presented = SecretHash::of(token);
    let now = state.clock.now_ms();
    let found = match state.bearers.get(&presented) {
        Some(cached) => cached,
        None => {
            let found = db::credential::find_active_bearer(&state.db, &presented, now).await?;
            state.bearers.put(presented.clone(), found.clone());
            found
        }
    };
    let mut credential = found
        .filter(|c| c.hash.matches(&presented) && c.tenant_id == tenant.id)
        .filter(|c| c.info.expires_at.is_none_or(|end| end > now))
        .ok_or_else(|| ApiError(ScimError::unauthorized(INVALID_BEARER)))?;
    if credential.info.last_used_at.is_none_or(|t| now - t > TOUCH_INTERVAL_MS) {
        // Touched now: the cached copy says so too, so the next requests do not touch again.
        credential.info.last_used_at = Some(now);
        state.bearers.put(presented, Some(credential.clone()));
        let db = state.db.clone();
        let (tenant_id, id) = (tenant.id.clone(), credential.info.id.clone());
        tokio::spawn(async move {
            if let Err(e) = db::credential::touch(&db, &tenant_id, &id, now).await {
                tracing::warn!(error = %e, "could not record credential use");
            }
        });
    }
    Ok(credential.info.id)
}

/// The token of an `Authorization: Bearer …` header (the scheme in any case).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(256).collect())
}

/// The path and query below `/realms/{tenant}/scim/v2`.
fn relative_path(uri: &axum::http::Uri, tenant: &str) -> String {
    let prefix = format!("/realms/{tenant}/scim/v2");
    let path = uri.path().strip_prefix(&prefix).unwrap_or(uri.path());
    let path = if path.is_empty() { "/" } else { path };
    match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    }
}

/// What the method and path alone say about a request (handlers refine it).
pub(crate) fn facts_from_path(method: &Method, path: &str) -> LogFacts {
    let path = path.split('?').next().unwrap_or_default();
    let mut segments = path.trim_start_matches('/').split('/');
    let collection = segments.next().unwrap_or_default();
    let second = segments.next().filter(|s| !s.is_empty());
    let search = second == Some(".search");
    let id = second.filter(|_| !search);
    let resource_type = match collection {
        "Users" => Some("User"),
        "Groups" => Some("Group"),
        _ => None,
    };
    let operation = match (method.as_str(), resource_type, id) {
        _ if collection == ".search" => "list",
        _ if collection == "Bulk" => "bulk",
        (_, None, _) => "discovery",
        _ if search => "list",
        ("GET", _, Some(_)) => "read",
        ("GET", _, None) => "list",
        ("POST", _, None) => "create",
        ("PUT", ..) => "replace",
        ("PATCH", ..) => "update",
        ("DELETE", ..) => "delete",
        _ => "other",
    };
    LogFacts {
        operation: Some(operation),
        resource_type,
        resource_id: id.map(str::to_owned),
        user_name: None,
        ..LogFacts::default()
    }
}

/// Writes the log row unless the handler did, and passes the response on.
async fn record(state: &AppState, draft: &LogDraft, defaults: LogFacts, response: Response) -> Response {
    let facts = response.extensions().get::<LogFacts>().cloned();
    if facts.as_ref().is_some_and(|f| f.already_logged) {
        return response;
    }
    let facts = facts.unwrap_or_default();
    let status = response.status().as_u16();
    let (response, logged_body) = match facts.response {
        Some(logged) => (response, logged),
        None => logged_body_of(response, status).await,
    };
    let entry = draft.finish(LoggedOutcome {
        status,
        operation: facts.operation.or(defaults.operation).unwrap_or("other").to_owned(),
        resource_type: facts.resource_type.or(defaults.resource_type).map(str::to_owned),
        resource_id: facts.resource_id.or(defaults.resource_id),
        user_name: facts.user_name,
        response: logged_body,
    });
    state.log_sink.append(entry).await;
    response
}

/// Reads a response's body for the log (errors and the answers not built as `ScimResponse`),
/// and the response to send with it.
async fn logged_body_of(response: Response, status: u16) -> (Response, LoggedBody) {
    let (parts, body) = response.into_parts();
    // Our own SCIM responses are bounded by the page size, so buffering them is safe.
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let logged = serde_json::from_slice(&bytes).map(|v| LoggedBody::of(status, &v)).unwrap_or_default();
    (Response::from_parts(parts, Body::from(bytes)), logged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }

    #[test]
    fn paths_are_classified_for_the_log() {
        let uri: axum::http::Uri = "/realms/acme/scim/v2/Users/42?attributes=userName".parse().unwrap();
        let path = relative_path(&uri, "acme");
        assert_eq!(path, "/Users/42?attributes=userName");
        let facts = facts_from_path(&Method::GET, &path);
        assert_eq!((facts.operation, facts.resource_type), (Some("read"), Some("User")));
        assert_eq!(facts.resource_id.as_deref(), Some("42"));
        assert_eq!(facts_from_path(&Method::POST, "/Users").operation, Some("create"));
        assert_eq!(facts_from_path(&Method::POST, "/Users/.search").operation, Some("list"));
        assert_eq!(facts_from_path(&Method::POST, "/.search").operation, Some("list"));
        assert_eq!(facts_from_path(&Method::GET, "/ServiceProviderConfig").operation, Some("discovery"));
    }
}
