//! `/tenants/:tenant/integrations/applications`: *Integrations → Applications* — the SCIM
//! applications and webhooks the tenant provisions onward, each with its delivery health
//! (backlog, oldest waiting change, last success, last error), its dead letters, and the
//! actions on it; and the form that connects a new one. A webhook's signing secret is shown
//! once, in the answer of the action that created it.

use leptos::prelude::*;

use crate::api::{get_applications, ActOnApplication, AddApplication};
use crate::components::application_mapping::ApplicationMapping;
use crate::components::confirm_button::ConfirmButton;
use crate::components::copy_button::CopyButton;
use crate::components::error_box::ErrorBox;
use crate::components::field::{Checkbox, Field};
use crate::components::integrations_nav::IntegrationsNav;
use crate::components::use_interactive;
use crate::components::when::{when_or, When};
use crate::dto::{
    application_fields as fields, ApplicationAction, ApplicationRow, ApplicationsPanel, FormOutcome, NewApplication,
    AUTH_CHOICES,
};
use crate::pages::tenant::use_tenant;

/// The page.
#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let tenant = use_tenant();
    let add = ServerAction::<AddApplication>::new();
    let act = ServerAction::<ActOnApplication>::new();
    let refresh = RwSignal::new(0u32);
    let panel = Resource::new(
        move || (tenant.get(), add.version().get(), act.version().get(), refresh.get()),
        |(tenant, ..)| get_applications(tenant),
    );
    // Whether the form is offered: loaded once per tenant, so the form is not rebuilt (and what
    // was typed lost) when the list reloads.
    let may_change = Resource::new(
        move || tenant.get(),
        |tenant| async move { get_applications(tenant).await.map(|p| p.can_change).unwrap_or(false) },
    );
    let report = act.value();
    view! {
        <IntegrationsNav tenant/>
        <h2>"Integrations → Applications"</h2>
        <p class="hint">
            "Every change an identity provider makes in this tenant is pushed on to these applications: "
            "SCIM 2.0 services get the users (and groups) created, updated, deactivated and deleted; "
            "webhooks get a signed message per change. Nothing is lost while an application is down."
        </p>
        <p class="status-line" role="status" data-testid="application-report">{move || {
            report.get().map(|answer| match answer {
                Ok(r) => view! {
                    <span class=if r.ok { "status ok" } else { "status err" }>{format!("{}: {}", r.name, r.message)}</span>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })
        }}</p>
        <div class="actions">
            <button type="button" class="secondary" on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
        </div>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match panel.await {
                    Ok(data) => view! { <ApplicationList data act/> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                may_change.await.then(|| view! { <AddForm tenant add/> })
            })}
        </Transition>
    }
}

/// The applications, one section each.
#[component]
fn ApplicationList(data: ApplicationsPanel, act: ServerAction<ActOnApplication>) -> impl IntoView {
    let ApplicationsPanel { tenant, can_change, applications, mapper_attributes } = data;
    if applications.is_empty() {
        return view! {
            <p data-testid="no-applications">"No applications yet: connect one below to provision this tenant's users onward."</p>
        }
        .into_any();
    }
    let tenant = StoredValue::new(tenant);
    applications
        .into_iter()
        .map(|app| {
            let sources = mapper_attributes.clone();
            view! { <Application app tenant=tenant.get_value() can_change act sources/> }
        })
        .collect_view()
        .into_any()
}

/// The health badge's class and words.
fn health_badge(app: &ApplicationRow) -> (&'static str, &'static str) {
    match app.health() {
        "paused" => ("badge warn", "Paused"),
        "failing" => ("badge danger", "Failing"),
        "dead letters" => ("badge warn", "Dead letters"),
        "healthy" => ("badge ok", "Healthy"),
        _ => ("badge", "No delivery yet"),
    }
}

/// One application: what it is, how delivery goes, its dead letters, and the actions on it.
#[component]
fn Application(
    app: ApplicationRow,
    tenant: String,
    can_change: bool,
    act: ServerAction<ActOnApplication>,
    /// The mappers' internal attributes a mapping may read.
    sources: Vec<String>,
) -> impl IntoView {
    let (badge, health) = health_badge(&app);
    let name = StoredValue::new(app.name.clone());
    let tenant = StoredValue::new(tenant);
    let run = move |action: ApplicationAction| {
        act.dispatch(ActOnApplication { tenant: tenant.get_value(), name: name.get_value(), action });
    };
    let kind = if app.kind == "webhook" { "Webhook" } else { "SCIM 2.0" };
    let backlog = match (app.backlog, app.oldest_pending_at.clone()) {
        (0, _) => view! { "Nothing waiting" }.into_any(),
        (n, Some(oldest)) => view! { {format!("{n} waiting, the oldest since ")}<When at=oldest/> }.into_any(),
        (n, None) => view! { {format!("{n} waiting")} }.into_any(),
    };
    let failing = (app.failing > 0).then(|| format!(" ({} failed at least once)", app.failing));
    let failures = match app.failures_last_hour {
        0 => "None".to_owned(),
        1 => "1 request".to_owned(),
        n => format!("{n} requests"),
    };
    let log = format!("/tenants/{}/log?dir=out&last=1h", tenant.get_value());
    let mapping = app.mapping.clone().map(|mapping| {
        view! { <ApplicationMapping tenant=tenant.get_value() name=name.get_value() mapping sources can_change/> }
    });
    let last_error = match app.last_error.clone() {
        Some(error) => {
            let at = app.last_error_at.clone().map(|at| view! { <When at/> });
            view! { <code class="error-text">{error}</code>" "{at} }.into_any()
        }
        None => view! { "None" }.into_any(),
    };
    let question =
        format!("Disconnect {} from tenant \"{}\"? Its waiting changes are dropped.", app.name, tenant.get_value());
    let skip_question = format!("Drop the {} dead letters of {}? They will not be delivered.", app.dead, app.name);
    let dead_letters = app.dead_letters.clone();
    let paused = app.paused;
    view! {
        <section class="panel application" aria-label=format!("Application {}", app.name) data-testid="application">
            <h3>{app.name.clone()}" "<span class="badge">{kind}</span>" "<span class=badge data-testid="application-health">{health}</span></h3>
            <div class="table-scroll"><table class="details">
                <tbody>
                    <tr><th scope="row">"URL"</th><td><code>{app.url.clone()}</code></td></tr>
                    <tr><th scope="row">"Authentication"</th><td>{app.auth.clone()}</td></tr>
                    <tr><th scope="row">"Receives"</th><td>{app.receives.join(" · ")}</td></tr>
                    <tr><th scope="row">"Backlog"</th><td data-testid="application-backlog">{backlog}{failing}</td></tr>
                    <tr><th scope="row">"Delivered"</th><td>{format!("{} changes", app.delivered)}</td></tr>
                    <tr><th scope="row">"Last success"</th><td>{when_or(app.last_success_at.clone(), "Never")}</td></tr>
                    <tr><th scope="row">"Last error"</th><td data-testid="application-error">{last_error}</td></tr>
                    <tr><th scope="row">"Failures in the last hour"</th><td data-testid="application-failures">
                        {failures}" · "<a href=log>"Requests sent, in the log"</a>
                    </td></tr>
                </tbody>
            </table></div>
            {can_change.then(|| view! {
                <div class="actions">
                    <button type="button" on:click=move |_| run(ApplicationAction::Test) disabled=act.pending()>"Test connection"</button>
                    <button type="button" class="secondary" on:click=move |_| run(ApplicationAction::Sync) disabled=act.pending()>"Sync now"</button>
                    <button type="button" class="secondary" disabled=act.pending()
                        on:click=move |_| run(if paused { ApplicationAction::Resume } else { ApplicationAction::Pause })>
                        {if paused { "Resume" } else { "Pause" }}
                    </button>
                    <ConfirmButton label=Signal::stored(format!("Remove {}", name.get_value())) question=Signal::stored(question)
                        confirm="Remove now" danger=true disabled=act.pending()
                        on_confirm=Callback::new(move |()| run(ApplicationAction::Remove))/>
                </div>
            })}
            {mapping}
            {(!dead_letters.is_empty()).then(|| view! {
                <h4>{format!("Dead letters ({})", app.dead)}</h4>
                <p class="hint">"Changes the application refused for good, with its answer. Fix the cause, then retry them."</p>
                <div class="table-scroll"><table aria-label=format!("Dead letters of {}", name.get_value())>
                    <thead><tr>
                        <th scope="col">"Resource"</th><th scope="col">"Change"</th><th scope="col">"Made"</th>
                        <th scope="col">"Attempts"</th><th scope="col">"Answer"</th>
                    </tr></thead>
                    <tbody>{dead_letters.into_iter().map(|d| view! {
                        <tr>
                            <td>{format!("{} {}", d.resource_type, d.name)}</td>
                            <td>{d.kind}</td>
                            <td><When at=d.created_at/></td>
                            <td>{d.attempts}</td>
                            <td><code class="error-text">{d.error}</code></td>
                        </tr>
                    }).collect_view()}</tbody>
                </table></div>
                {can_change.then(|| view! {
                    <div class="actions">
                        <button type="button" on:click=move |_| run(ApplicationAction::RetryDead) disabled=act.pending()>"Retry all"</button>
                        <ConfirmButton label=Signal::stored("Skip all".to_owned()) question=Signal::stored(skip_question)
                            confirm="Drop them" danger=true disabled=act.pending()
                            on_confirm=Callback::new(move |()| run(ApplicationAction::SkipDead))/>
                    </div>
                })}
            })}
        </section>
    }
    .into_any()
}

/// Connecting an application.
#[component]
fn AddForm(tenant: Signal<String>, add: ServerAction<AddApplication>) -> impl IntoView {
    let interactive = use_interactive();
    let form =
        RwSignal::new(NewApplication { kind: "scim".into(), auth: "bearer".into(), ..NewApplication::default() });
    let push_groups = RwSignal::new(false);
    let deactivate = RwSignal::new(false);
    let value = add.value();
    let refused = move |field: &'static str| ArcSignal::derive(move || value.with(|v| FormOutcome::refusal(v, field)));
    let other_error = move || value.get().and_then(Result::err);
    let added = move || match value.get() {
        Some(Ok(FormOutcome::Saved(added))) => Some(added),
        _ => None,
    };
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(FormOutcome::Saved(_)))) {
            form.update(|f| {
                f.name.clear();
                f.url.clear();
                f.secret.clear();
            });
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut application = form.get_untracked();
        application.push_groups = push_groups.get_untracked();
        application.deactivate_on_delete = deactivate.get_untracked();
        add.dispatch(AddApplication { tenant: tenant.get_untracked(), application });
    };
    let text = move |read: fn(&NewApplication) -> &String, write: fn(&mut NewApplication, String)| {
        (move || form.with(|f| read(f).clone()), move |ev| form.update(|f| write(f, event_target_value(&ev))))
    };
    let (name, set_name) = text(|f| &f.name, |f, v| f.name = v);
    let (url, set_url) = text(|f| &f.url, |f, v| f.url = v);
    let (user, set_user) = text(|f| &f.user, |f, v| f.user = v);
    let (token_url, set_token_url) = text(|f| &f.token_url, |f, v| f.token_url = v);
    let (secret, set_secret) = text(|f| &f.secret, |f, v| f.secret = v);
    let (groups, set_groups) = text(|f| &f.groups, |f, v| f.groups = v);
    let (events, set_events) = text(|f| &f.events, |f, v| f.events = v);
    let scim = move || form.with(|f| f.kind == "scim");
    let auth = move || form.with(|f| f.auth.clone());
    view! {
        <section class="panel" aria-labelledby="add-application-heading">
            <h3 id="add-application-heading">"Connect an application"</h3>
            {move || added().map(|a| view! {
                <div class="one-time" role="region" aria-label="Connected application">
                    <p role="status"><strong>{format!("Connected {}.", a.name)}</strong></p>
                    {a.signing_secret.map(|secret| {
                        let copied = secret.clone();
                        view! {
                            <p>"Its signing secret — copy it now, it will not be shown again:"</p>
                            <p class="secret-line">
                                <code class="secret" data-testid="webhook-secret">{secret}</code>
                                <CopyButton text=Signal::derive(move || copied.clone()) label="Copy the signing secret"/>
                            </p>
                        }
                    })}
                </div>
            })}
            <form class="form" on:submit=submit>
                <Field id="application-kind" label="Kind" error=refused(fields::KIND)>
                    <select on:change=move |ev| form.update(|f| f.kind = event_target_value(&ev))>
                        <option value="scim" selected=scim>"SCIM 2.0 application"</option>
                        <option value="webhook" selected=move || !scim()>"Webhook"</option>
                    </select>
                </Field>
                <Field id="application-name" label="Name" error=refused(fields::NAME)>
                    <input type="text" required maxlength="64" autocomplete="off" placeholder="CRM"
                        prop:value=name on:input=set_name/>
                </Field>
                <Field id="application-url" label="URL" error=refused(fields::URL)
                    hint="A SCIM application's base URL (where /Users is), or the URL that receives a webhook's messages.">
                    <input type="url" required autocomplete="off" spellcheck="false"
                        placeholder=move || if scim() { "https://app.example/scim/v2" } else { "https://hooks.example/scimhub" }
                        prop:value=url on:input=set_url/>
                </Field>
                <Show when=scim fallback=move || view! {
                    <Field id="application-events" label="Event types" error=refused(fields::EVENTS)
                        hint="Comma-separated; empty for all: user.created, user.updated, user.deactivated, user.deleted, group.created, group.updated, group.deleted, group.members_changed.">
                        <input type="text" autocomplete="off" spellcheck="false" prop:value=events on:input=set_events/>
                    </Field>
                }>
                    <Field id="application-auth" label="Authentication" error=refused(fields::AUTH)>
                        <select on:change=move |ev| form.update(|f| f.auth = event_target_value(&ev))>
                            {AUTH_CHOICES.into_iter().map(|(value, label)| view! {
                                <option value=value selected=move || auth() == value>{label}</option>
                            }).collect_view()}
                        </select>
                    </Field>
                    <Show when=move || auth() != "bearer">
                        <Field id="application-user" label="User name or client ID" error=refused(fields::USER)>
                            <input type="text" autocomplete="off" spellcheck="false" prop:value=user on:input=set_user/>
                        </Field>
                    </Show>
                    <Show when=move || auth() == "oauth">
                        <Field id="application-token-url" label="Token URL" error=refused(fields::TOKEN_URL)>
                            <input type="url" autocomplete="off" spellcheck="false" placeholder="https://login.example/oauth2/token"
                                prop:value=token_url on:input=set_token_url/>
                        </Field>
                    </Show>
                    <Field id="application-secret" label="Secret Token, password or client secret" error=refused(fields::SECRET)
                        hint="Stored encrypted; never shown again.">
                        <input type="password" autocomplete="new-password" prop:value=secret on:input=set_secret/>
                    </Field>
                    <Field id="application-groups" label="Only members of these groups" error=refused(fields::GROUPS)
                        hint="Group names, comma-separated; empty for every user.">
                        <input type="text" autocomplete="off" prop:value=groups on:input=set_groups/>
                    </Field>
                    <Checkbox label="Push groups too" checked=push_groups/>
                    <Checkbox label="Keep deleted users there, deactivated (instead of deleting them)" checked=deactivate/>
                </Show>
                <div class="actions">
                    <button type="submit" disabled=move || !interactive.get() || add.pending().get()>"Connect application"</button>
                </div>
                {move || other_error().map(|e| view! { <ErrorBox error=e/> })}
            </form>
        </section>
    }
}
