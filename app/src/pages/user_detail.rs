//! `/tenants/:tenant/users/:user`: one provisioned user — its internal attributes as the
//! mappers derived them, the claims each token type would carry, the SCIM resource, its groups
//! and its provisioning history — and, for those who may change the tenant, deactivating or
//! deleting it by hand.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{get_user_detail, DeactivateUser, DeleteUser};
use crate::components::confirm_button::ConfirmButton;
use crate::components::directory::{DirectoryDetail, ResourcePanel, StatusBadge};
use crate::components::download_link::percent_encode;
use crate::components::error_box::ErrorBox;
use crate::components::history_table::HistoryPanel;
use crate::components::when::When;
use crate::dto::{ClaimsPreview, GroupLink, InternalAttribute, PushedTo, UserDetail};
use crate::pages::tenant::use_tenant;

/// The page.
#[component]
pub fn UserDetailPage() -> impl IntoView {
    let tenant = use_tenant();
    let params = use_params_map();
    let user = Signal::derive(move || params.read().get("user").unwrap_or_default());
    let deactivate = ServerAction::<DeactivateUser>::new();
    let delete = ServerAction::<DeleteUser>::new();
    let detail = Resource::new(
        move || (tenant.get(), user.get(), deactivate.version().get()),
        |(tenant, user, _)| get_user_detail(tenant, user),
    );
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate(&format!("/tenants/{}/users", tenant.get_untracked()), Default::default());
        }
    });
    view! {
        <DirectoryDetail tenant noun="user" title="User" detail
            render=move |data| view! { <UserView tenant=tenant.get_untracked() data deactivate delete/> }.into_any()/>
        {move || deactivate.value().get().and_then(Result::err).map(|e| view! { <ErrorBox error=e/> })}
        {move || delete.value().get().and_then(Result::err).map(|e| view! { <ErrorBox error=e/> })}
    }
}

/// Everything about the user.
#[component]
fn UserView(
    tenant: String,
    data: UserDetail,
    deactivate: ServerAction<DeactivateUser>,
    delete: ServerAction<DeleteUser>,
) -> impl IntoView {
    let UserDetail {
        id,
        user_name,
        display_name,
        active,
        created,
        last_modified,
        resource,
        internal,
        mapping_pending,
        claims,
        groups,
        pushed_to,
        history,
        can_change,
    } = data;
    let mappers_href = format!("/tenants/{tenant}/integrations/scim/mappers");
    let target = StoredValue::new((tenant.clone(), id.clone()));
    let on_deactivate = Callback::new(move |()| {
        let (tenant, user) = target.get_value();
        deactivate.dispatch(DeactivateUser { tenant, user });
    });
    let on_delete = Callback::new(move |()| {
        let (tenant, user) = target.get_value();
        delete.dispatch(DeleteUser { tenant, user });
    });
    let busy = Signal::derive(move || deactivate.pending().get() || delete.pending().get());

    view! {
        <h2 class="user-heading">
            <span>{user_name.clone()}</span>
            " "
            <StatusBadge active/>
        </h2>
        <dl class="facts">
            <dt>"Display name"</dt>
            <dd>{display_name.unwrap_or_else(|| "—".into())}</dd>
            <dt>"SCIM id"</dt>
            <dd><code>{id.clone()}</code></dd>
            <dt>"Created"</dt>
            <dd><When at=created.clone()/></dd>
            <dt>"Last modified"</dt>
            <dd><When at=last_modified.clone()/></dd>
        </dl>
        {can_change.then(|| view! {
            <div class="actions user-actions">
                {active.then(|| view! {
                    <ConfirmButton label=Signal::stored("Deactivate user".to_owned())
                        question=Signal::stored(format!(
                            "Deactivate user \"{user_name}\" of tenant \"{tenant}\"? It can no longer sign in; the \
                             identity provider may activate it again on its next sync."
                        ))
                        confirm="Deactivate now" disabled=busy on_confirm=on_deactivate/>
                })}
                <ConfirmButton label=Signal::stored("Delete user".to_owned())
                    question=Signal::stored(format!(
                        "Delete user \"{user_name}\" of tenant \"{tenant}\"? This cannot be undone; the identity \
                         provider may create it again on its next sync."
                    ))
                    confirm="Delete now" danger=true disabled=busy on_confirm=on_delete/>
            </div>
        })}

        <section class="panel" aria-labelledby="internal-heading">
            <h3 id="internal-heading">"Internal attributes"</h3>
            <p class="hint">"What the mappers derived from the SCIM resource."</p>
            {mapping_pending.then(|| view! {
                <p class="warning pending" data-testid="mapping-pending">
                    "These attributes are being re-derived after a mapper change: they may still follow the previous mappers."
                </p>
            })}
            <InternalTable rows=internal mappers_href/>
        </section>

        <section class="panel" aria-labelledby="claims-heading">
            <h3 id="claims-heading">"Claims preview"</h3>
            <p class="hint">"The claims each token type would carry for this user, as the mappers' token switches say."</p>
            <div class="claims">
                {claims.into_iter().enumerate().map(|(i, c)| view! { <ClaimsCard index=i preview=c/> }).collect_view()}
            </div>
        </section>

        <ResourcePanel hint="The user as the identity provider reads it from the SCIM endpoint." resource/>

        <section class="panel" aria-labelledby="groups-heading">
            <h3 id="groups-heading">"Groups"</h3>
            <GroupList tenant=tenant.clone() groups/>
        </section>

        <section class="panel" aria-labelledby="pushed-heading">
            <h3 id="pushed-heading">"Provisioned to"</h3>
            <PushedList tenant=tenant.clone() pushed_to/>
        </section>

        <HistoryPanel noun="user" rows=history/>
    }
}

/// Attribute | Value | From, or why there is nothing.
#[component]
fn InternalTable(rows: Vec<InternalAttribute>, mappers_href: String) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <p data-testid="no-internal">
                "No internal attributes. No mappers configured, or none of them finds a value in this user: see "
                <a href=mappers_href>"Mappers"</a>"."
            </p>
        }
        .into_any();
    }
    view! {
        <div class="table-scroll"><table class="internal" aria-label="Internal attributes">
            <thead><tr><th scope="col">"Attribute"</th><th scope="col">"Value"</th><th scope="col">"From"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|a| view! {
                    <tr>
                        <th scope="row">{a.name}</th>
                        <td><code class="value">{a.value}</code></td>
                        <td><code>{a.claim}</code></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

/// One token type's claims.
#[component]
fn ClaimsCard(index: usize, preview: ClaimsPreview) -> impl IntoView {
    let heading_id = format!("claims-{index}-heading");
    let labelled_by = heading_id.clone();
    view! {
        <section class="claims-card" aria-labelledby=labelled_by>
            <h4 id=heading_id>{preview.token}</h4>
            <pre class="json">{preview.claims}</pre>
        </section>
    }
}

/// The groups the user belongs to, linked to their pages.
#[component]
fn GroupList(tenant: String, groups: Vec<GroupLink>) -> impl IntoView {
    if groups.is_empty() {
        return view! { <p data-testid="no-groups">"Not a member of any group."</p> }.into_any();
    }
    view! {
        <ul class="groups">
            {groups.into_iter().map(|g| view! {
                <li>
                    <a href=format!("/tenants/{tenant}/groups/{}", percent_encode(&g.id))>{g.display_name}</a>
                    " "<code class="hint">{g.id}</code>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The applications the user was provisioned to, with its id there and the last delivery.
#[component]
fn PushedList(tenant: String, pushed_to: Vec<PushedTo>) -> impl IntoView {
    let applications = format!("/tenants/{tenant}/integrations/applications");
    if pushed_to.is_empty() {
        return view! {
            <p data-testid="not-pushed">"Not provisioned to any application ("<a href=applications>"Integrations → Applications"</a>")."</p>
        }
        .into_any();
    }
    view! {
        <div class="table-scroll"><table aria-label="Provisioned to">
            <thead><tr><th scope="col">"Application"</th><th scope="col">"Id there"</th><th scope="col">"Last delivery"</th></tr></thead>
            <tbody>{pushed_to.into_iter().map(|p| view! {
                <tr><td><a href=applications.clone()>{p.application}</a></td><td><code>{p.target_id}</code></td><td><When at=p.delivered_at/></td></tr>
            }).collect_view()}</tbody>
        </table></div>
    }
    .into_any()
}
