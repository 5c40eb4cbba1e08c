//! What the administration API reads from a request — a JSON body ([`Body`]) and query
//! parameters ([`Params`]) — checked strictly: a member or parameter the operation does not
//! know is refused rather than ignored (a misspelt `readOnly` must not make a writable token),
//! and every refusal names the field as the request spells it.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use super::problem::Problem;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Body<T>(pub T);

/// The query parameters of a request, as `T`.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|media| {
                let media = media.trim().to_ascii_lowercase();
                media == "application/json" || media.ends_with("+json")
            });
        if !json {
            return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the body as application/json"));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|e| Problem::new(e.status(), e.body_text()))?;
        parse_json(&bytes).map(Body)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Params)
    }
}

/// `bytes` as a `T`, refusing members `T` does not have.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut unknown = Vec::new();
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let mut track = |path: serde_ignored::Path<'_>| unknown.push(spelled(&path));
    let parsed: Result<T, _> =
        serde_path_to_error::deserialize(serde_ignored::Deserializer::new(&mut json, &mut track));
    let value = match parsed {
        Ok(value) => value,
        Err(e) if e.inner().is_syntax() || e.inner().is_eof() => {
            return Err(Problem::new(StatusCode::BAD_REQUEST, format!("the body is not JSON: {}", e.inner())))
        }
        Err(e) => return Err(refused(&e.path().to_string(), &e.inner().to_string())),
    };
    json.end().map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}")))?;
    match unknown.first() {
        Some(path) => Err(Problem::field(path, "this operation has no such member")),
        None => Ok(value),
    }
}

/// The query string `query` as a `T`, refusing parameters `T` does not have.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Problem> {
    let mut unknown = Vec::new();
    let pairs = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    let mut track = |path: serde_ignored::Path<'_>| unknown.push(spelled(&path));
    let parsed: Result<T, _> = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(pairs, &mut track));
    let value = parsed.map_err(|e| refused(&e.path().to_string(), &e.inner().to_string()))?;
    match unknown.first() {
        Some(path) => Err(Problem::field(path, "this operation has no such parameter")),
        None => Ok(value),
    }
}

/// An ignored member's path as `serde_path_to_error` spells a refused one (`[0].name`).
fn spelled(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", spelled(parent)),
        Path::Map { parent, key } => match spelled(parent) {
            parent if parent.is_empty() => key.clone(),
            parent => format!("{parent}.{key}"),
        },
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => spelled(parent),
    }
}

/// A value serde refused at `path`: a missing member is named by serde's message instead.
fn refused(path: &str, message: &str) -> Problem {
    let message = message.split(" at line ").next().unwrap_or(message);
    let field = match (path, message.strip_prefix("missing field `")) {
        (".", Some(rest)) => rest.split('`').next().unwrap_or_default().to_owned(),
        (".", None) => String::new(),
        (path, Some(rest)) => format!("{path}.{}", rest.split('`').next().unwrap_or_default()),
        (path, None) => path.to_owned(),
    };
    if field.is_empty() {
        Problem::new(StatusCode::BAD_REQUEST, message)
    } else {
        Problem::field(field, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Input {
        name: String,
        #[serde(default)]
        read_only: bool,
        #[serde(default)]
        days: Option<u32>,
    }

    fn field_of(problem: Problem) -> (u16, Option<String>) {
        (problem.status, problem.field)
    }

    #[test]
    fn bodies_name_what_they_refuse() {
        let ok: Input = parse_json(br#"{"name":"ci","readOnly":true}"#).unwrap_or_else(|p| panic!("{p:?}"));
        assert!(ok.read_only && ok.name == "ci" && ok.days.is_none());
        let misspelt = parse_json::<Input>(br#"{"name":"ci","readonly":true}"#).err();
        assert_eq!(misspelt.map(field_of), Some((400, Some("readonly".into()))));
        let missing = parse_json::<Input>(br#"{"readOnly":true}"#).err();
        assert_eq!(missing.map(field_of), Some((400, Some("name".into()))));
        let nested = parse_json::<Vec<Input>>(br#"[{"name":"a"},{"name":"b","extra":1}]"#).err();
        assert_eq!(nested.map(field_of), Some((400, Some("[1].extra".into()))));
        let nested = parse_json::<Vec<Input>>(br#"[{"name":"a"},{"days":1}]"#).err();
        assert_eq!(nested.map(field_of), Some((400, Some("[1].name".into()))));
        let wrong_type = parse_json::<Input>(br#"{"name":"ci","days":-3}"#).err();
        assert_eq!(wrong_type.map(field_of), Some((400, Some("days".into()))));
        for broken in [&b"{"[..], b"{\"name\":\"ci\"} trailing", b"", b"{\"name\":\"ci\",}"] {
            let problem = parse_json::<Input>(broken).err();
            assert_eq!(problem.map(field_of), Some((400, None)), "{:?}", String::from_utf8_lossy(broken));
        }
    }

    #[test]
    fn queries_name_what_they_refuse() {
        let ok: Input = parse_query("name=ci&days=7").unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(ok.days, Some(7));
        assert_eq!(parse_query::<Input>("name=ci&dayz=7").err().map(field_of), Some((400, Some("dayz".into()))));
        assert_eq!(parse_query::<Input>("name=ci&days=x").err().map(field_of), Some((400, Some("days".into()))));
    }
}
