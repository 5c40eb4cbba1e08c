//! `/tenants/:tenant/users`: the users the identity provider synced — searchable by plain text
//! or a SCIM filter, by status, sortable, in keyset pages of 50. The whole state is in the URL.

use leptos::prelude::*;

use crate::api::{count_users, get_user_page};
use crate::components::directory::{DirectoryList, SortHeader, StatusBadge};
use crate::components::download_link::percent_encode;
use crate::components::when::When;
use crate::dto::{DirectoryQuery, SortKey, UserRow};
use crate::pages::tenant::use_tenant;

/// The list's own order.
const OWN_SORT: SortKey = SortKey::UserName;

/// The Users list.
#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <DirectoryList tenant=use_tenant() noun="user" heading="Users" status=true
            search_id="user-search" search_label="Search users"
            search_hint="Plain text finds the users whose user name, display name, external ID or email contains it, in any case."
            page=get_user_page count=count_users
            table=|tenant, rows, base, query| view! { <UserTable tenant rows base query/> }.into_any()/>
    }
}

/// The users of one page.
#[component]
fn UserTable(tenant: String, rows: Vec<UserRow>, base: Signal<String>, query: Memo<DirectoryQuery>) -> impl IntoView {
    view! {
        <table class="directory users" aria-label="Users">
            <thead><tr>
                <SortHeader label="User name" key=SortKey::UserName own=OWN_SORT base query/>
                <SortHeader label="Display name" key=SortKey::DisplayName own=OWN_SORT base query/>
                <th scope="col">"External ID"</th>
                <th scope="col">"Status"</th>
                <SortHeader label="Last provisioned" key=SortKey::LastProvisioned own=OWN_SORT base query/>
                <SortHeader label="Created" key=SortKey::Created own=OWN_SORT base query/>
                <th scope="col">"Source"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|u| view! {
                    <tr>
                        <td><a href=format!("/tenants/{tenant}/users/{}", percent_encode(&u.id))>{u.user_name}</a></td>
                        <td>{u.display_name.unwrap_or_default()}</td>
                        <td><code>{u.external_id.unwrap_or_default()}</code></td>
                        <td><StatusBadge active=u.active/></td>
                        <td><When at=u.last_provisioned.clone()/></td>
                        <td><When at=u.created.clone()/></td>
                        <td>{u.source.unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
