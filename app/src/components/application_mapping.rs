//! A SCIM application's outbound mapping on *Integrations → Applications*: its rules as text,
//! one `target = source` a line, saved (everything in scope is then pushed again) or reset to
//! the defaults; and a preview of one user as the application would receive it under the rules
//! as typed (before they are saved).

use leptos::prelude::*;

use crate::api::{PreviewApplicationUser, SaveApplicationMapping};
use crate::components::error_box::ErrorBox;
use crate::components::use_interactive;
use crate::dto::{application_fields as fields, FormOutcome};

/// An id for the controls of the application `name` (names may hold any printable character).
fn slug(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// The editor and the preview of one application's mapping.
#[component]
pub fn ApplicationMapping(
    /// The tenant.
    tenant: String,
    /// The application.
    name: String,
    /// Its rules as stored.
    mapping: String,
    /// The internal attributes the tenant's mappers fill (`attribute:<name>` sources).
    sources: Vec<String>,
    /// Whether this administrator may change it.
    can_change: bool,
) -> impl IntoView {
    let interactive = use_interactive();
    let save = ServerAction::<SaveApplicationMapping>::new();
    let preview = ServerAction::<PreviewApplicationUser>::new();
    let text = RwSignal::new(mapping);
    let user = RwSignal::new(String::new());
    let (tenant, name) = (StoredValue::new(tenant), StoredValue::new(name.clone()));
    let id = slug(&name.get_value());
    let (rules_id, user_id) = (format!("mapping-{id}"), format!("preview-{id}"));
    let saved = save.value();
    Effect::new(move |_| {
        if let Some(Ok(FormOutcome::Saved(s))) = saved.get() {
            text.set(s.mapping);
        }
    });
    let run_save = move |defaults: bool| {
        save.dispatch(SaveApplicationMapping {
            tenant: tenant.get_value(),
            name: name.get_value(),
            mapping: text.get_untracked(),
            defaults,
        });
    };
    let on_preview = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        preview.dispatch(PreviewApplicationUser {
            tenant: tenant.get_value(),
            name: name.get_value(),
            user: user.get_untracked(),
            mapping: text.get_untracked(),
        });
    };
    let save_status = move || {
        saved.get().map(|answer| match answer {
            Ok(FormOutcome::Saved(s)) => view! {
                <span class="status ok">{format!("Saved; {} users and groups queued to push again.", s.queued)}</span>
            }
            .into_any(),
            Ok(FormOutcome::Refused { message, .. }) => view! {
                <span class="field-error" role="alert">{message}</span>
            }
            .into_any(),
            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
        })
    };
    let shown = preview.value();
    let preview_result = move || {
        shown.get().map(|answer| match answer {
            Ok(FormOutcome::Saved(json)) => {
                view! { <pre class="json" data-testid="mapping-preview">{json}</pre> }.into_any()
            }
            Ok(FormOutcome::Refused { message, .. }) => view! {
                <p class="field-error" role="alert">{message}</p>
            }
            .into_any(),
            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
        })
    };
    let sources = if sources.is_empty() {
        "No mappers yet: rules read SCIM attributes (scim:title) or id.".to_owned()
    } else {
        format!(
            "Mapper attributes: {}.",
            sources.iter().map(|s| format!("attribute:{s}")).collect::<Vec<_>>().join(", ")
        )
    };
    let busy = move || !interactive.get() || save.pending().get();
    view! {
        <details class="mapping" data-testid="application-mapping">
            <summary>"Outbound mapping"</summary>
            <div class="field" data-field=fields::MAPPING>
                <label for=rules_id.clone()>"Rules: target = source, one a line"</label>
                <textarea id=rules_id rows="8" spellcheck="false" readonly=!can_change
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <p class="hint">
                    "A source is a SCIM attribute path of the user (scim:name.givenName, scim:urn:…:enterprise:2.0:User:department, email), "
                    "an internal attribute of the tenant's mappers (attribute:NAME), or id (scimhub's id). "
                    {sources}
                </p>
            </div>
            {can_change.then(|| view! {
                <div class="actions">
                    <button type="button" disabled=busy on:click=move |_| run_save(false)>"Save mapping"</button>
                    <button type="button" class="secondary" disabled=busy on:click=move |_| run_save(true)>"Reset to defaults"</button>
                </div>
            })}
            <p class="status-line" role="status">{save_status}</p>
            <form class="form inline" on:submit=on_preview>
                <div class="field" data-field=fields::PREVIEW_USER>
                    <label for=user_id.clone()>"Preview for a user"</label>
                    <input id=user_id type="search" autocomplete="off" spellcheck="false" placeholder="userName or id"
                        prop:value=move || user.get() on:input=move |ev| user.set(event_target_value(&ev))/>
                </div>
                <div class="actions">
                    <button type="submit" class="secondary" disabled=move || !interactive.get() || preview.pending().get()>
                        "Preview"
                    </button>
                </div>
            </form>
            {preview_result}
        </details>
    }
}
