//! `/tenants/:tenant/groups/:group`: one provisioned group — its facts, its members in pages of
//! 50 (the page is in the URL), its SCIM resource and its provisioning history.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{get_group_detail, get_group_members};
use crate::components::directory::{DirectoryDetail, Pager, ResourcePanel, StatusBadge};
use crate::components::download_link::percent_encode;
use crate::components::error_box::ErrorBox;
use crate::components::history_table::HistoryPanel;
use crate::components::when::When;
use crate::dto::{GroupDetail, MemberKind, MemberPage, MemberRow, PageAt};
use crate::error::AppError;
use crate::pages::tenant::use_tenant;

/// The page.
#[component]
pub fn GroupDetailPage() -> impl IntoView {
    let tenant = use_tenant();
    let params = use_params_map();
    let group = Signal::derive(move || params.read().get("group").unwrap_or_default());
    let query = use_query_map();
    let at = Memo::new(move |_| query.with(|q| PageAt::from_params(|name| q.get(name))));
    let detail = Resource::new(move || (tenant.get(), group.get()), |(tenant, group)| get_group_detail(tenant, group));
    let members = Resource::new(
        move || (tenant.get(), group.get(), at.get()),
        |(tenant, group, at)| get_group_members(tenant, group, at),
    );
    view! {
        <DirectoryDetail tenant noun="group" title="Group" detail
            render=move |data| view! { <GroupView tenant=tenant.get_untracked() data members at/> }.into_any()/>
    }
}

/// Everything about the group.
#[component]
fn GroupView(
    tenant: String,
    data: GroupDetail,
    members: Resource<Result<MemberPage, AppError>>,
    at: Memo<PageAt>,
) -> impl IntoView {
    let GroupDetail {
        id,
        display_name,
        external_id,
        created,
        last_modified,
        member_count,
        resource,
        members_in_resource,
        history,
    } = data;
    let base = format!("/tenants/{tenant}/groups/{}", percent_encode(&id));
    let resource_hint = if members_in_resource {
        "The group as the identity provider reads it from the SCIM endpoint."
    } else {
        "The group as the identity provider reads it from the SCIM endpoint, without its members: they are listed above."
    };
    view! {
        <h2 class="group-heading">{display_name}</h2>
        <dl class="facts">
            <dt>"SCIM id"</dt>
            <dd><code>{id}</code></dd>
            <dt>"External ID"</dt>
            <dd>{external_id.map_or_else(|| view! { "—" }.into_any(), |e| view! { <code>{e}</code> }.into_any())}</dd>
            <dt>"Members"</dt>
            <dd data-testid="member-count">{member_count}</dd>
            <dt>"Created"</dt>
            <dd><When at=created.clone()/></dd>
            <dt>"Last modified"</dt>
            <dd><When at=last_modified.clone()/></dd>
        </dl>

        <section class="panel" aria-labelledby="members-heading">
            <h3 id="members-heading">"Members"</h3>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    let (tenant, base) = (tenant.clone(), base.clone());
                    Suspend::new(async move {
                        match members.await {
                            Ok(page) => view! { <MemberList tenant base page first=at.get_untracked() == PageAt::First/> }.into_any(),
                            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>

        <ResourcePanel hint=resource_hint resource/>
        <HistoryPanel noun="group" rows=history/>
    }
}

/// One page of members: name (linked to its page), type, userName and status of users.
#[component]
fn MemberList(tenant: String, base: String, page: MemberPage, first: bool) -> impl IntoView {
    if page.rows.is_empty() && first {
        return view! { <p data-testid="no-members">"No members."</p> }.into_any();
    }
    let href = move |at: PageAt| format!("{base}{}", at.to_query());
    view! {
        <div class="table-scroll"><table class="directory members" aria-label="Members">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"User name"</th><th scope="col">"Status"</th>
            </tr></thead>
            <tbody>
                {page.rows.into_iter().map(|m| view! { <MemberItem tenant=tenant.clone() member=m/> }).collect_view()}
            </tbody>
        </table></div>
        <Pager label="Pages of members" cursors=page.cursors first href/>
    }
    .into_any()
}

/// One member.
#[component]
fn MemberItem(tenant: String, member: MemberRow) -> impl IntoView {
    let (kind, collection) = match member.kind {
        MemberKind::User => ("User", "users"),
        MemberKind::Group => ("Group", "groups"),
    };
    view! {
        <tr>
            <td><a href=format!("/tenants/{tenant}/{collection}/{}", percent_encode(&member.id))>{member.display}</a></td>
            <td>{kind}</td>
            <td>{member.user_name.unwrap_or_default()}</td>
            <td>{member.active.map(|active| view! { <StatusBadge active/> })}</td>
        </tr>
    }
}
