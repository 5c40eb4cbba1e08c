//! `/api-tokens` (platform administrators): the tokens scripts use for the administration API
//! (`/admin/api/v1`) — made here with their scope, shown once, listed with when they were last
//! used, revoked at once.

use leptos::prelude::*;

use crate::api::{get_api_tokens, CreateApiToken, RevokeApiToken};
use crate::components::confirm_button::ConfirmButton;
use crate::components::copy_button::CopyButton;
use crate::components::error_box::ErrorBox;
use crate::components::field::{Checkbox, Field};
use crate::components::use_interactive;
use crate::components::when::{when_or, When};
use crate::dto::{api_token_fields as fields, ApiTokenRow, FormOutcome};

/// The expiries the form offers: (days, label); blank is never.
const EXPIRIES: [(&str, &str); 5] =
    [("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("", "Never")];

/// The page.
#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| get_api_tokens());
    view! {
        <section class="page">
            <h1>"API tokens"</h1>
            <p class="hint">
                "Scripts and pipelines use the administration API at "<code>"/admin/api/v1"</code>
                " with a token as "<code>"Authorization: Bearer …"</code>". Its description is at "
                <a href="/admin/api/v1/openapi.json">"/admin/api/v1/openapi.json"</a>"."
            </p>
            <CreateForm create/>
            <h2>"Tokens"</h2>
            {move || match revoke.value().get() {
                Some(Ok(())) => Some(view! { <p role="status">"Revoked: scripts using it are refused from now on."</p> }.into_any()),
                Some(Err(e)) => Some(view! { <ErrorBox error=e/> }.into_any()),
                None => None,
            }}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(rows) if rows.is_empty() => view! { <p data-testid="no-api-tokens">"No API tokens yet."</p> }.into_any(),
                        Ok(rows) => view! { <TokenTable rows revoke/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A token's state in words: revoked, expired or usable.
fn state(row: &ApiTokenRow) -> AnyView {
    match (&row.revoked_at, &row.expires_at) {
        (Some(at), _) => view! { "Revoked " <When at=at.clone()/> }.into_any(),
        (None, Some(at)) => view! { "Expires " <When at=at.clone()/> }.into_any(),
        (None, None) => "Never expires".into_any(),
    }
}

/// The tokens, newest first.
#[component]
fn TokenTable(rows: Vec<ApiTokenRow>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    let row = move |t: ApiTokenRow| {
        let id = t.id.clone();
        let question = format!("Revoke the API token \"{}\"? Scripts using it stop working at once.", t.name);
        let on_confirm = Callback::new(move |()| {
            revoke.dispatch(RevokeApiToken { id: id.clone() });
        });
        let usable = t.revoked_at.is_none();
        view! {
            <tr data-testid="api-token-row">
                <td>{t.name.clone()}</td>
                <td>{t.scope()}</td>
                <td><When at=t.created_at.clone()/>" by "{t.created_by.clone()}</td>
                <td>{when_or(t.last_used_at.clone(), "Never")}</td>
                <td>{state(&t)}</td>
                <td>{usable.then(|| view! {
                    <ConfirmButton label=Signal::stored(format!("Revoke {}", t.name)) question=Signal::stored(question)
                        confirm="Revoke now" danger=true disabled=revoke.pending() on_confirm/>
                })}</td>
            </tr>
        }
    };
    view! {
        <div class="table-scroll"><table class="grants" aria-label="API tokens">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Reaches"</th><th scope="col">"Made"</th>
                <th scope="col">"Last used"</th><th scope="col">"State"</th>
                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
            </tr></thead>
            <tbody>{rows.into_iter().map(row).collect_view()}</tbody>
        </table></div>
    }
}

/// Making a token; the new token is shown once above the form.
#[component]
fn CreateForm(create: ServerAction<CreateApiToken>) -> impl IntoView {
    let interactive = use_interactive();
    let name = RwSignal::new(String::new());
    let platform = RwSignal::new(false);
    let tenants = RwSignal::new(String::new());
    let read_only = RwSignal::new(false);
    let expires = RwSignal::new("90".to_owned());
    let value = create.value();
    let refused = move |field: &'static str| ArcSignal::derive(move || value.with(|v| FormOutcome::refusal(v, field)));
    let other_error = move || value.get().and_then(Result::err);
    let made = move || match value.get() {
        Some(Ok(FormOutcome::Saved(made))) => Some(made),
        _ => None,
    };
    Effect::new(move |_| {
        if made().is_some() {
            name.set(String::new());
            tenants.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateApiToken {
            name: name.get_untracked(),
            platform: platform.get_untracked(),
            tenants: tenants.get_untracked(),
            read_only: read_only.get_untracked(),
            expires_days: expires.get_untracked(),
        });
    };
    view! {
        <h2>"Make a token"</h2>
        {move || made().map(|m| {
            let token = m.token.clone();
            view! {
                <div class="one-time" role="region" aria-label="New API token">
                    <p role="status"><strong>{format!("Made the token \"{}\" ({}).", m.row.name, m.row.scope())}</strong></p>
                    <p>"Copy it now: it will not be shown again (only its hash is kept)."</p>
                    <p class="secret-line">
                        <code class="secret" data-testid="api-token">{m.token}</code>
                        <CopyButton text=Signal::derive(move || token.clone()) label="Copy the API token"/>
                    </p>
                </div>
            }
        })}
        <form class="form" on:submit=submit>
            <Field id="api-token-name" label="Name" error=refused(fields::NAME) hint="What uses it, e.g. the onboarding pipeline.">
                <input type="text" required maxlength="100" autocomplete="off"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </Field>
            <Checkbox label="Platform: every tenant, and tenants, administrators and tokens themselves" checked=platform/>
            <Show when=move || !platform.get()>
                <Field id="api-token-tenants" label="Tenants" error=refused(fields::TENANTS)
                    hint="Exact names, comma-separated (case-sensitive, as in the Tenant URL).">
                    <input type="text" autocomplete="off" spellcheck="false" placeholder="contoso, fabrikam"
                        prop:value=move || tenants.get() on:input=move |ev| tenants.set(event_target_value(&ev))/>
                </Field>
            </Show>
            <Checkbox label="Read-only (may look, may not change anything)" checked=read_only/>
            <Field id="api-token-expires" label="Expires after" error=refused(fields::EXPIRES_DAYS)>
                <select on:change=move |ev| expires.set(event_target_value(&ev))>
                    {EXPIRIES.into_iter().map(|(days, label)| view! {
                        <option value=days selected=move || expires.get() == days>{label}</option>
                    }).collect_view()}
                </select>
            </Field>
            <div class="actions">
                <button type="submit" disabled=move || !interactive.get() || create.pending().get()>"Make the token"</button>
            </div>
            {move || other_error().map(|e| view! { <ErrorBox error=e/> })}
        </form>
    }
}
