//! `/tenants/:tenant`: the tenant layout (heading and navigation) and its overview page.

use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_params_map;

use crate::api::{get_tenant_overview, remember_tenant};
use crate::components::error_box::ErrorBox;
use crate::components::tenant_nav::TenantNav;
use crate::components::when::{when_or, When};
use crate::pages::home::profile_label;

/// The tenant named in the route.
pub fn use_tenant() -> Signal<String> {
    let params = use_params_map();
    Signal::derive(move || params.read().get("tenant").unwrap_or_default())
}

/// Heading and navigation around every tenant page.
#[component]
pub fn TenantLayout() -> impl IntoView {
    let tenant = use_tenant();
    // Offered first on the next visit; effects run in the browser only.
    Effect::new(move |_| {
        let name = tenant.get();
        leptos::task::spawn_local(async move {
            // Remembering is a courtesy: a failure changes nothing on the page.
            let _ = remember_tenant(name).await;
        });
    });
    view! {
        <section class="page">
            <h1>{move || tenant.get()}</h1>
            <TenantNav tenant/>
            <Outlet/>
        </section>
    }
}

/// The overview: SCIM endpoint and counts.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let tenant = use_tenant();
    let overview = Resource::new(move || tenant.get(), get_tenant_overview);
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! {
                        {(!o.open_alerts.is_empty()).then(|| view! {
                            <p class="warning" data-testid="open-alerts">{format!("Open alerts (Settings → Alerts): {}", o.open_alerts.join("; "))}</p>
                        })}
                        <dl class="facts">
                            <dt>"Display name"</dt>
                            <dd data-testid="display-name">{o.tenant.display_name.clone()}</dd>
                            <dt>"Tenant"</dt>
                            <dd>{if o.tenant.disabled { "Disabled by a platform administrator" } else { "Active" }}</dd>
                            <dt>"SCIM endpoint (Tenant URL in Entra ID)"</dt>
                            <dd><code data-testid="scim-endpoint">{o.scim_endpoint.clone()}</code></dd>
                            <dt>"Profile"</dt>
                            <dd>{profile_label(&o.tenant.profile)}</dd>
                            <dt>"Endpoint"</dt>
                            <dd>{if o.scim_enabled { "Enabled" } else { "Disabled" }}</dd>
                            <dt>"Last request from the identity provider"</dt>
                            <dd>{when_or(o.last_request_at.clone(), "never")}</dd>
                        </dl>
                        <div class="cards">
                            <div class="card"><span class="label">"Users"</span><span class="value" data-testid="count-users">{o.users}</span></div>
                            <div class="card"><span class="label">"Active"</span><span class="value" data-testid="count-active">{o.active}</span></div>
                            <div class="card"><span class="label">"Deactivated"</span><span class="value" data-testid="count-deactivated">{o.users - o.active}</span></div>
                            <div class="card"><span class="label">"Groups"</span><span class="value" data-testid="count-groups">{o.groups}</span></div>
                            <div class="card"><span class="label">"Requests (24 h)"</span><span class="value" data-testid="count-requests">{o.requests_24h}</span></div>
                            <div class="card"><span class="label">"Errors (24 h)"</span><span class="value" data-testid="count-errors">{o.errors_24h}</span></div>
                        </div>
                        <ApplicationHealth tenant=o.tenant.name.clone() applications=o.applications.clone()/>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The health of the applications the tenant provisions onward, one row each.
#[component]
fn ApplicationHealth(tenant: String, applications: Vec<crate::dto::ApplicationRow>) -> impl IntoView {
    let href = format!("/tenants/{tenant}/integrations/applications");
    if applications.is_empty() {
        return view! {
            <p class="hint">"Provisions no application onward yet ("<a href=href>"Integrations → Applications"</a>")."</p>
        }
        .into_any();
    }
    view! {
        <h3>"Applications"</h3>
        <div class="table-scroll"><table aria-label="Applications">
            <thead><tr>
                <th scope="col">"Application"</th><th scope="col">"Health"</th><th scope="col">"Waiting"</th>
                <th scope="col">"Failures, last hour"</th><th scope="col">"Last success"</th><th scope="col">"Last error"</th>
            </tr></thead>
            <tbody>{applications.into_iter().map(|a| view! {
                <tr>
                    <td><a href=href.clone()>{a.name.clone()}</a></td>
                    <td>{a.health()}</td>
                    <td>{a.backlog}{a.oldest_pending_at.clone().map(|at| view! { ", the oldest since " <When at/> })}</td>
                    <td>{a.failures_last_hour}</td>
                    <td>{when_or(a.last_success_at.clone(), "never")}</td>
                    <td>{a.last_error.clone().map(|e| view! { <code class="error-text">{e}</code> })}</td>
                </tr>
            }).collect_view()}</tbody>
        </table></div>
    }
    .into_any()
}
