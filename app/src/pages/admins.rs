//! `/tenants/:tenant/admins`: who may administer the tenant — its own administrators (by OIDC
//! subject, email or IdP group/role claim; optionally read-only) and the platform
//! administrators — and, for platform administrators, adding and removing them.

use leptos::prelude::*;

use crate::api::{get_current_admin, get_tenant_admins, GrantTenantAdmin, RevokeTenantAdmin};
use crate::components::confirm_button::ConfirmButton;
use crate::components::error_box::ErrorBox;
use crate::components::field::{Checkbox, Field};
use crate::components::use_interactive;
use crate::components::when::When;
use crate::dto::{FormOutcome, GrantRow, TenantAdmins, PRINCIPAL_KINDS};
use crate::pages::tenant::use_tenant;

/// The page.
#[component]
pub fn AdminsPage() -> impl IntoView {
    let tenant = use_tenant();
    let grant = ServerAction::<GrantTenantAdmin>::new();
    let revoke = ServerAction::<RevokeTenantAdmin>::new();
    let admins = Resource::new(
        move || (tenant.get(), grant.version().get(), revoke.version().get()),
        |(tenant, ..)| get_tenant_admins(tenant),
    );
    // The form stays outside the reloading lists, so what is typed survives a refusal.
    let admin = Resource::new(|| (), |_| get_current_admin());
    view! {
        <h2>"Administrators"</h2>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match admins.await {
                    Ok(data) => view! { <AdminLists data revoke/> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
        {move || revoke.value().get().and_then(Result::err).map(|e| view! { <ErrorBox error=e/> })}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let platform = admin.await.ok().flatten().is_some_and(|a| a.platform_admin);
                platform.then(|| view! { <GrantForm tenant grant/> })
            })}
        </Transition>
    }
}

fn kind_label(kind: &str) -> &'static str {
    PRINCIPAL_KINDS.iter().find(|(k, _)| *k == kind).map(|(_, label)| *label).unwrap_or("Unknown")
}

/// The tenant's administrators and the platform's.
#[component]
fn AdminLists(data: TenantAdmins, revoke: ServerAction<RevokeTenantAdmin>) -> impl IntoView {
    let TenantAdmins { tenant, grants, platform_grants, configured, rights_claim, can_manage, .. } = data;
    let tenant = StoredValue::new(tenant);
    let row = move |g: GrantRow, removable: bool| {
        let question = format!("Remove {} from the administrators of tenant \"{}\"?", g.principal, tenant.get_value());
        let (kind, principal) = (g.kind.clone(), g.principal.clone());
        let remove = Callback::new(move |()| {
            revoke.dispatch(RevokeTenantAdmin {
                tenant: tenant.get_value(),
                kind: kind.clone(),
                principal: principal.clone(),
            });
        });
        view! {
            <tr>
                <td>{kind_label(&g.kind)}</td>
                <td><code>{g.principal.clone()}</code></td>
                <td>{if g.read_only { "Read-only" } else { "Full" }}</td>
                <td><When at=g.created_at.clone()/>" by "{g.created_by}</td>
                <td>{removable.then(|| view! {
                    <ConfirmButton label=Signal::stored(format!("Remove {}", g.principal)) question=Signal::stored(question)
                        confirm="Remove now" danger=true disabled=revoke.pending() on_confirm=remove/>
                })}</td>
            </tr>
        }
    };
    let table = move |rows: Vec<GrantRow>, removable: bool, label: &'static str| {
        view! {
            <div class="table-scroll"><table class="grants" aria-label=label>
                <thead><tr>
                    <th scope="col">"By"</th><th scope="col">"Identity"</th><th scope="col">"Access"</th>
                    <th scope="col">"Granted"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>{rows.into_iter().map(|g| row(g, removable)).collect_view()}</tbody>
            </table></div>
        }
    };
    view! {
        <section aria-labelledby="tenant-admins-heading">
            <h3 id="tenant-admins-heading">"Tenant administrators"</h3>
            {if grants.is_empty() {
                view! { <p data-testid="no-tenant-admins">"No tenant administrators yet: only platform administrators manage this tenant."</p> }.into_any()
            } else {
                table(grants, can_manage, "Tenant administrators").into_any()
            }}
        </section>
        <section aria-labelledby="platform-admins-heading">
            <h3 id="platform-admins-heading">"Platform administrators"</h3>
            <p class="hint">"They manage every tenant. Set by the server's configuration or by "<code>"scimhub admin grant --platform"</code>"."</p>
            <ul>{configured.into_iter().map(|c| view! { <li>{c}" (configuration)"</li> }).collect_view()}</ul>
            {(!platform_grants.is_empty()).then(|| table(platform_grants, false, "Platform administrators by grant"))}
            {rights_claim.map(|claim| view! {
                <p class="hint">{format!("Group or role grants match the values of the \"{claim}\" claim in the ID token.")}</p>
            })}
        </section>
    }
}

/// Adding an administrator (platform administrators).
#[component]
fn GrantForm(tenant: Signal<String>, grant: ServerAction<GrantTenantAdmin>) -> impl IntoView {
    let interactive = use_interactive();
    let kind = RwSignal::new("email".to_owned());
    let principal = RwSignal::new(String::new());
    let read_only = RwSignal::new(false);
    let value = grant.value();
    let refused = move || value.with(|v| FormOutcome::refusal(v, TenantAdmins::PRINCIPAL));
    let other_error = move || value.get().and_then(Result::err);
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(FormOutcome::Saved(_)))) {
            principal.set(String::new());
            read_only.set(false);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        grant.dispatch(GrantTenantAdmin {
            tenant: tenant.get_untracked(),
            kind: kind.get_untracked(),
            principal: principal.get_untracked(),
            read_only: read_only.get_untracked(),
        });
    };
    view! {
        <h3>"Add an administrator"</h3>
        <form class="form" on:submit=submit>
            <Field id="grant-kind" label="Identify by">
                <select on:change=move |ev| kind.set(event_target_value(&ev))>
                    {PRINCIPAL_KINDS.into_iter().map(|(value, label)| view! {
                        <option value=value selected=move || kind.get() == value>{label}</option>
                    }).collect_view()}
                </select>
            </Field>
            <Field id="grant-principal" label="Identity" error=refused>
                <input type="text" required maxlength="256" autocomplete="off" spellcheck="false"
                    placeholder="it-admin@customer.example"
                    prop:value=move || principal.get() on:input=move |ev| principal.set(event_target_value(&ev))/>
            </Field>
            <Checkbox label="Read-only (may look, may not change anything)" checked=read_only/>
            <div class="actions">
                <button type="submit" disabled=move || !interactive.get() || grant.pending().get()>
                    {move || format!("Grant access to tenant \"{}\"", tenant.get())}
                </button>
            </div>
            {move || other_error().map(|e| view! { <ErrorBox error=e/> })}
        </form>
    }
}
