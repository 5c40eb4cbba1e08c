//! The detail drawer of the provisioning log: one request in full, fetched when a row is
//! chosen (in the browser only; the server renders it closed).

use leptos::prelude::*;

use crate::api::get_log_entry;
use crate::components::error_box::ErrorBox;
use crate::components::when::When;
use crate::dto::LogEntryDetail;

/// The drawer of the row `selected` names (closed while it names none); closing it clears
/// `selected`.
#[component]
pub fn LogDrawer(tenant: Signal<String>, selected: RwSignal<Option<i64>>) -> impl IntoView {
    let entry = LocalResource::new(move || {
        let (tenant, id) = (tenant.get(), selected.get());
        async move {
            match id {
                Some(id) => Some(get_log_entry(tenant, id).await),
                None => None,
            }
        }
    });
    let close_button = NodeRef::<leptos::html::Button>::new();
    // Move the focus into the drawer when it opens, for keyboard and screen-reader users.
    Effect::new(move |_| {
        if selected.get().is_some() {
            if let Some(button) = close_button.get() {
                let _ = button.focus();
            }
        }
    });
    let close = move || selected.set(None);
    view! {
        <aside id="log-entry" class="drawer" role="dialog" aria-labelledby="log-entry-heading"
            hidden=move || selected.get().is_none()
            on:keydown=move |ev| if ev.key() == "Escape" { close() }>
            <div class="drawer-head">
                <h3 id="log-entry-heading">"Request detail"</h3>
                <button type="button" class="secondary small" node_ref=close_button on:click=move |_| close()>
                    "Close"
                </button>
            </div>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entry.await {
                        Some(Ok(detail)) => view! { <EntryView tenant=tenant.get_untracked() detail/> }.into_any(),
                        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                        None => ().into_any(),
                    }
                })}
            </Suspense>
        </aside>
    }
}

/// An excerpt with its heading, or a word that there is none.
#[component]
fn Excerpt(heading: &'static str, text: Option<String>, testid: &'static str) -> impl IntoView {
    view! {
        <h4>{heading}</h4>
        {match text {
            Some(text) => view! { <pre class="json" data-testid=testid>{text}</pre> }.into_any(),
            None => view! { <p class="hint">"No body."</p> }.into_any(),
        }}
    }
}

/// One request in full.
#[component]
fn EntryView(tenant: String, detail: LogEntryDetail) -> impl IntoView {
    let LogEntryDetail { row, request, response } = detail;
    let user_href = match (row.resource_type.as_deref(), row.resource_id.as_deref()) {
        (Some("User"), Some(id)) => Some(format!("/tenants/{tenant}/users/{id}")),
        _ => None,
    };
    let status_class = row.status_class();
    let resource = row.resource();
    let error = match (&row.scim_type, &row.detail) {
        (None, None) => None,
        (scim_type, detail) => Some(format!(
            "{}{}{}",
            scim_type.as_deref().unwrap_or_default(),
            if scim_type.is_some() && detail.is_some() { ": " } else { "" },
            detail.as_deref().unwrap_or_default()
        )),
    };
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "—".into());
    let repeated = (row.repeat_count > 1).then(|| {
        let last = row.last_seen.clone().unwrap_or_default();
        view! {
            <dt>"Repeated"</dt>
            <dd data-testid="log-entry-repeats">
                {format!("{} identical refusals, the first at {}, the last at ", row.repeat_count, row.time)}
                <When at=last.clone()/>
            </dd>
        }
    });
    view! {
        <dl class="facts" data-testid="log-entry">
            <dt>"Time"</dt>
            <dd><When at=row.time.clone()/></dd>
            <dt>"Request"</dt>
            <dd><code>{format!("{} {}", row.method, row.path)}</code></dd>
            <dt>"Operation"</dt>
            <dd>{row.operation}</dd>
            <dt>"Status"</dt>
            <dd><span class=status_class data-testid="log-entry-status">{row.status}</span></dd>
            {repeated}
            <dt>"SCIM error / detail"</dt>
            <dd data-testid="log-entry-error">{or_dash(error)}</dd>
            <dt>"Latency"</dt>
            <dd>{format!("{:.1} ms", row.latency_ms)}</dd>
            <dt>"Resource"</dt>
            <dd>
                {match (user_href, resource) {
                    (Some(href), Some(text)) => view! { <a href=href>{text}</a> }.into_any(),
                    (_, text) => view! { <code>{or_dash(text)}</code> }.into_any(),
                }}
            </dd>
            <dt>"User name"</dt>
            <dd>{or_dash(row.user_name)}</dd>
            <dt>"Credential"</dt>
            <dd><code>{or_dash(row.credential_id)}</code></dd>
            <dt>"Client address"</dt>
            <dd>{or_dash(row.client_addr)}</dd>
            <dt>"User agent"</dt>
            <dd>{or_dash(row.user_agent)}</dd>
            <dt>"Application"</dt>
            <dd>{match row.application {
                Some(app) => format!("Sent to {app}"),
                None => "Received".to_owned(),
            }}</dd>
            <dt>"Request id"</dt>
            <dd><code data-testid="log-entry-request-id">{or_dash(row.request_id)}</code></dd>
        </dl>
        <p class="hint">
            "Bodies are stored redacted — passwords, secrets and tokens replaced — and cut at 4 KiB; the \
             Authorization header is never stored."
        </p>
        <Excerpt heading="Request body" text=request testid="log-entry-request"/>
        <Excerpt heading="Response body" text=response testid="log-entry-response"/>
    }
}
