//! Extractors for SCIM handlers: the request context the gate established, JSON bodies with
//! SCIM errors, and list parameters from the query string.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName};
use scim::list::ListQuery;
use scim::ScimError;
use serde_json::Value;

use super::error::ApiError;
use crate::provisioning::caller::Caller;
use crate::provisioning::groups::GroupRequest;
use crate::provisioning::log::LogDraft;
use crate::provisioning::precondition::Preconditions;
use crate::provisioning::users::UserRequest;
use crate::state::AppState;

/// The caller and log draft the gate attached to the request.
pub struct ScimContext {
    /// Shared state.
    pub state: AppState,
    /// The authenticated caller.
    pub caller: Caller,
    /// The log row in the making.
    pub draft: LogDraft,
    /// `If-Match` / `If-None-Match`.
    pub preconditions: Preconditions,
}

impl ScimContext {
    /// User operations for this request.
    pub fn users(&self) -> UserRequest<'_> {
        UserRequest { state: &self.state, caller: &self.caller, draft: &self.draft, preconditions: &self.preconditions }
    }

    /// Group operations for this request.
    pub fn groups(&self) -> GroupRequest<'_> {
        GroupRequest {
            state: &self.state,
            caller: &self.caller,
            draft: &self.draft,
            preconditions: &self.preconditions,
        }
    }
}

impl FromRequestParts<AppState> for ScimContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().cloned();
        let draft = parts.extensions.get::<LogDraft>().cloned();
        match (caller, draft) {
            (Some(caller), Some(draft)) => {
                Ok(ScimContext { state: state.clone(), caller, draft, preconditions: preconditions(&parts.headers) })
            }
            _ => Err(ApiError(ScimError::unauthorized("not authenticated"))),
        }
    }
}

/// The entity tags of `If-Match` and `If-None-Match` (each header may repeat and list several).
pub fn preconditions(headers: &HeaderMap) -> Preconditions {
    let tags = |name: HeaderName| -> Vec<&str> {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).collect()
    };
    Preconditions::new(tags(header::IF_MATCH), tags(header::IF_NONE_MATCH))
}

/// A JSON request body; anything unparsable is a 400 `invalidSyntax`.
pub struct ScimBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for ScimBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError(ScimError::invalid_syntax("the request body could not be read")))?;
        serde_json::from_slice(&bytes)
            .map(ScimBody)
            .map_err(|e| ApiError(ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}"))))
    }
}

/// SCIM list and projection parameters from the query string.
pub struct ScimQuery(pub ListQuery);

impl<S: Send + Sync> FromRequestParts<S> for ScimQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let query = ListQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        Ok(ScimQuery(query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_tags_are_read_from_every_header_line_and_list() {
        let mut headers = HeaderMap::new();
        headers.append(header::IF_MATCH, "W/\"2\", \"3\"".parse().unwrap());
        headers.append(header::IF_MATCH, "\"7\"".parse().unwrap());
        headers.insert(header::IF_NONE_MATCH, "W/\"4\"".parse().unwrap());
        let read = preconditions(&headers);
        assert!(read.check_write(3).is_ok() && read.check_write(7).is_ok());
        assert_eq!(read.check_write(5).unwrap_err().status, 412);
        assert!(read.not_modified(4) && !read.not_modified(3));
        assert!(preconditions(&HeaderMap::new()).check_write(1).is_ok());
    }
}
