//! `POST /.search` at the SCIM root (RFC 7644 §3.4.3): one search across Users and Groups.
//! Users come first, then groups; `startIndex` and `count` page through the concatenation. A
//! filter that names attributes only one type has matches nothing of the other type.

use scim::list::{list_response, ListQuery};
use scim::{ScimError, ScimType};
use serde_json::Value;

use super::error::ApiError;
use super::extract::{ScimBody, ScimContext};
use super::response::ScimResponse;
use crate::error::Error;
use crate::provisioning::log::LogFacts;
use crate::provisioning::outcome::Outcome;

/// One resource type's part of the result.
struct Part {
    total: u64,
    resources: Vec<Value>,
}

impl Part {
    fn from_list(listed: Result<Outcome, Error>) -> Result<Part, ScimError> {
        let body = listed.map_err(|e| e.to_scim())?.body.unwrap_or_default();
        Ok(Part {
            total: body["totalResults"].as_u64().unwrap_or_default(),
            resources: body["Resources"].as_array().cloned().unwrap_or_default(),
        })
    }

    fn empty() -> Part {
        Part { total: 0, resources: Vec::new() }
    }
}

/// A filter one type cannot answer (it names the other type's attributes) selects none of it;
/// a filter neither type can answer is the client's error.
fn combine(users: Result<Part, ScimError>, groups: Result<Part, ScimError>) -> Result<(Part, Part), ScimError> {
    let foreign = |e: ScimError| if e.scim_type == Some(ScimType::InvalidFilter) { Ok(Part::empty()) } else { Err(e) };
    match (users, groups) {
        (Err(e), Err(_)) => Err(e),
        (users, groups) => Ok((users.or_else(foreign)?, groups.or_else(foreign)?)),
    }
}

/// POST /.search
pub async fn search_all(cx: ScimContext, ScimBody(body): ScimBody) -> Result<ScimResponse, ApiError> {
    let query = ListQuery::from_search_request(&body)?;
    let max = cx.state.config.max_page_size;
    let page_size = query.page_size(max.min(100), max);

    let users = Part::from_list(cx.users().list(&ListQuery { count: Some(page_size), ..query.clone() }).await);
    let users_total = users.as_ref().map(|p| p.total).unwrap_or_default();
    let users_shown = users.as_ref().map(|p| p.resources.len() as u64).unwrap_or_default();
    let group_query = ListQuery {
        start_index: query.start_index.saturating_sub(users_total).max(1),
        count: Some(page_size - users_shown.min(page_size)),
        ..query.clone()
    };
    let groups = Part::from_list(cx.groups().list(&group_query).await);

    let (users, groups) = combine(users, groups)?;
    let mut resources = users.resources;
    resources.extend(groups.resources);
    let facts = LogFacts { operation: Some("list"), ..LogFacts::default() };
    Ok(ScimResponse::ok(list_response(resources, users.total + groups.total, query.start_index)).with_facts(facts))
}
