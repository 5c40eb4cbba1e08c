//! Refusals cost bounded storage (hardening issue, finding 6): failed authentications are
//! limited per client address before authentication (429 with `Retry-After`, nothing logged),
//! only failures count, and identical refusals share one provisioning-log row with a count.

use std::sync::Arc;

use axum::http::{header, StatusCode};
use scimhub::config::AuthFailureArgs;
use scimhub::db::log::LogEntry;
use scimhub::db::log_sink::REFUSAL_WINDOW_MS;
use scimhub::tenant::Profile;

use crate::enumeration::{oauth_client, scim_from, token_from};
use crate::support::{config, fresh_database_url, Reply, TestApp, TestClock, TestTenant};

const NOW_MS: i64 = 1_800_000_000_000;
const A: &str = "192.0.2.1:50000";
const B: &str = "198.51.100.7:50000";

/// An app whose addresses may fail `burst` times, then once a minute (so nothing refills
/// during a test), on a clock the test moves.
async fn app(burst: u32) -> (TestApp, Arc<TestClock>) {
    let clock = TestClock::at(NOW_MS);
    let mut config = config(fresh_database_url().await);
    config.auth_failures = AuthFailureArgs { auth_failure_burst: burst, auth_failure_interval_ms: 60_000 };
    let state = scimhub::AppStateBuilder::new(config).clock(clock.clone()).build().await.unwrap();
    (TestApp { router: scimhub::router(state.clone()), state }, clock)
}

/// The tenant's log rows, newest first, with their counts.
async fn rows(app: &TestApp, t: &TestTenant) -> Vec<LogEntry> {
    app.state.log_sink.flush().await;
    scimhub::db::log::page(&app.state.db, &t.id, None, 2000).await.unwrap()
}

fn refusals(rows: &[LogEntry]) -> Vec<&LogEntry> {
    rows.iter().filter(|r| r.entry.status == 401).collect()
}

fn assert_blocked(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", reply.body);
    let wait: u64 = reply.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
}

#[tokio::test]
async fn a_thousand_bad_tokens_from_one_address_cost_one_row_then_nothing() {
    let (app, _clock) = app(20).await;
    let t = app.tenant("acme", Profile::Generic).await;
    // Valid credentials never count: more successes than the burst, and the address is free.
    for _ in 0..30 {
        assert_eq!(scim_from(&app, A, "acme", Some(&t.token)).await.status, StatusCode::OK);
    }
    let mut refused = 0;
    let mut blocked = 0;
    for i in 0..1000 {
        let reply = scim_from(&app, A, "acme", Some("scimhub_wrong")).await;
        if reply.status == StatusCode::UNAUTHORIZED {
            assert_eq!(blocked, 0, "request {i}: a 401 after a 429");
            refused += 1;
        } else {
            assert_blocked(&reply);
            assert_eq!(reply.body["status"], "429");
            blocked += 1;
        }
    }
    assert_eq!((refused, blocked), (20, 980), "the burst, then 429 until the next minute");
    let logged = rows(&app, &t).await;
    assert_eq!(logged.len(), 30 + 1, "the 30 reads and one row for the refusals");
    let row = refusals(&logged)[0];
    assert_eq!(row.repeat_count, 20, "the row counts every refusal that reached it");
    assert_eq!((row.entry.occurred_at, row.last_seen_at), (NOW_MS, Some(NOW_MS)));
    assert_eq!(row.entry.client_addr.as_deref(), Some("192.0.2.1"));

    // Blocked: even a valid token waits (no credential is looked at), and nothing is logged.
    assert_blocked(&scim_from(&app, A, "acme", Some(&t.token)).await);
    assert_blocked(&scim_from(&app, A, "ghost", None).await);
    assert_eq!(rows(&app, &t).await.len(), 31);

    // Another address is not affected, and starts a row of its own.
    assert_eq!(scim_from(&app, B, "acme", Some("scimhub_wrong")).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(scim_from(&app, B, "acme", Some(&t.token)).await.status, StatusCode::OK);
    let logged = rows(&app, &t).await;
    let counts: Vec<(Option<&str>, u64)> =
        refusals(&logged).iter().map(|r| (r.entry.client_addr.as_deref(), r.repeat_count)).collect();
    assert_eq!(counts, [(Some("198.51.100.7"), 1), (Some("192.0.2.1"), 20)]);

    // The checklist and the dashboard count the requests, not the rows.
    let (errors, _) = scimhub::db::onboarding::errors_since(&app.state.db, &t.id, 0).await.unwrap();
    assert_eq!(errors, 21);
    let (requests, errors, _) = scimhub::db::log::activity(&app.state.db, &t.id, 0).await.unwrap();
    assert_eq!((requests, errors), (30 + 20 + 2, 21));
}

#[tokio::test]
async fn identical_refusals_share_a_row_per_window_and_others_do_not() {
    let (app, clock) = app(100).await;
    let t = app.tenant("acme", Profile::Generic).await;
    for _ in 0..3 {
        scim_from(&app, A, "acme", Some("scimhub_wrong")).await;
    }
    scim_from(&app, A, "acme", None).await; // another reason
    clock.advance_ms(REFUSAL_WINDOW_MS);
    for _ in 0..2 {
        scim_from(&app, A, "acme", Some("scimhub_wrong")).await;
    }
    // Errors of an authenticated client are rows of their own, every one.
    for _ in 0..2 {
        let reply = app.scim(&t, axum::http::Method::GET, "/Users/nobody", None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
    let logged = rows(&app, &t).await;
    // (status, the refusal's first word, count, last seen)
    let summary: Vec<(u16, Option<&str>, u64, Option<i64>)> = logged
        .iter()
        .map(|r| {
            let reason = r.entry.detail.as_deref().filter(|_| r.entry.status == 401).and_then(|d| d.split(' ').next());
            (r.entry.status, reason, r.repeat_count, r.last_seen_at)
        })
        .collect();
    let later = NOW_MS + REFUSAL_WINDOW_MS;
    assert_eq!(
        summary,
        [
            (404, None, 1, None),
            (404, None, 1, None),
            (401, Some("invalid"), 2, Some(later)),
            (401, Some("missing"), 1, None),
            (401, Some("invalid"), 3, Some(NOW_MS)),
        ],
        "{logged:?}"
    );
}

#[tokio::test]
async fn the_token_endpoint_and_the_scim_api_share_the_limit_of_an_address() {
    let (app, _clock) = app(3).await;
    let t = app.tenant("acme", Profile::Generic).await;
    let (client_id, secret) = oauth_client(&app, &t).await;
    for _ in 0..3 {
        let reply = token_from(&app, A, "acme", &client_id, "scimhub_cs_wrong").await;
        assert_eq!((reply.status, reply.body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    }
    // Over the limit: 429 `slow_down`, even with the right secret, and at the SCIM API too.
    let reply = token_from(&app, A, "acme", &client_id, &secret).await;
    assert_blocked(&reply);
    assert_eq!(reply.body["error"], "slow_down");
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    assert_blocked(&scim_from(&app, A, "acme", Some(&t.token)).await);
    // Another address gets its token; failures at unknown tenants and at the SCIM API count.
    assert_eq!(token_from(&app, B, "acme", &client_id, &secret).await.status, StatusCode::OK);
    assert_eq!(token_from(&app, B, "ghost", &client_id, &secret).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(scim_from(&app, B, "ghost", Some(&t.token)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(scim_from(&app, B, "acme", None).await.status, StatusCode::UNAUTHORIZED);
    assert_blocked(&token_from(&app, B, "acme", &client_id, &secret).await);
}
