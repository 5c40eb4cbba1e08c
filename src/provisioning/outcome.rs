//! What an operation on a tenant's directory returns: how it ended (in SCIM's terms), the
//! resource as the caller asked to see it, its version and where it lives, and what the
//! provisioning log records. The SCIM API turns it into a response (status, body, `ETag`,
//! `Location`); the dashboard reads what it needs.

use serde_json::Value;

use super::log::LogFacts;

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Done; the resource (or list) is returned.
    Ok,
    /// A resource was created (or an existing one adopted by user linking).
    Created,
    /// Done; nothing is returned.
    NoContent,
    /// The reader already has this version.
    NotModified,
}

impl Status {
    /// The status code RFC 7644 gives this ending.
    pub fn code(self) -> u16 {
        match self {
            Status::Ok => 200,
            Status::Created => 201,
            Status::NoContent => 204,
            Status::NotModified => 304,
        }
    }
}

/// The result of an operation.
#[derive(Debug)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// The resource or list response, projected as asked.
    pub body: Option<Value>,
    /// The resource's version, when one resource is concerned.
    pub version: Option<i64>,
    /// The created resource's URL.
    pub location: Option<String>,
    /// What the provisioning log records of it.
    pub facts: LogFacts,
}

impl Outcome {
    /// Done, returning `body`.
    pub fn ok(body: Value) -> Outcome {
        Outcome { status: Status::Ok, body: Some(body), version: None, location: None, facts: LogFacts::default() }
    }

    /// Created at `location`, returning `body`.
    pub fn created(body: Value, location: String) -> Outcome {
        Outcome { status: Status::Created, location: Some(location), ..Outcome::ok(body) }
    }

    /// Done, returning nothing.
    pub fn no_content() -> Outcome {
        Outcome { status: Status::NoContent, body: None, ..Outcome::ok(Value::Null) }
    }

    /// The reader already has `version`.
    pub fn not_modified(version: i64) -> Outcome {
        Outcome { status: Status::NotModified, body: None, ..Outcome::ok(Value::Null) }.with_version(version)
    }

    /// The resource is at `version`.
    pub fn with_version(mut self, version: i64) -> Outcome {
        self.version = Some(version);
        self
    }

    /// What the log records.
    pub fn with_facts(mut self, facts: LogFacts) -> Outcome {
        self.facts = facts;
        self
    }
}
