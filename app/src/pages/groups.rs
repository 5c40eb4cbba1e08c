//! `/tenants/:tenant/groups`: the groups the identity provider synced — searchable by plain text
//! or a SCIM filter, sortable, in keyset pages of 50. The whole state is in the URL.

use leptos::prelude::*;

use crate::api::{count_groups, get_group_page};
use crate::components::directory::{DirectoryList, SortHeader};
use crate::components::download_link::percent_encode;
use crate::components::when::When;
use crate::dto::{DirectoryQuery, GroupRow, SortKey};
use crate::pages::tenant::use_tenant;

/// The list's own order.
const OWN_SORT: SortKey = SortKey::DisplayName;

/// The Groups list.
#[component]
pub fn GroupsPage() -> impl IntoView {
    view! {
        <DirectoryList tenant=use_tenant() noun="group" heading="Groups"
            search_id="group-search" search_label="Search groups"
            search_hint="Plain text finds the groups whose display name or external ID contains it, in any case."
            page=get_group_page count=count_groups
            table=|tenant, rows, base, query| view! { <GroupTable tenant rows base query/> }.into_any()/>
    }
}

/// The groups of one page.
#[component]
fn GroupTable(tenant: String, rows: Vec<GroupRow>, base: Signal<String>, query: Memo<DirectoryQuery>) -> impl IntoView {
    view! {
        <table class="directory groups" aria-label="Groups">
            <thead><tr>
                <SortHeader label="Display name" key=SortKey::DisplayName own=OWN_SORT base query/>
                <th scope="col">"External ID"</th>
                <th scope="col" class="num">"Members"</th>
                <SortHeader label="Last provisioned" key=SortKey::LastProvisioned own=OWN_SORT base query/>
                <SortHeader label="Created" key=SortKey::Created own=OWN_SORT base query/>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|g| view! {
                    <tr>
                        <td><a href=format!("/tenants/{tenant}/groups/{}", percent_encode(&g.id))>{g.display_name}</a></td>
                        <td><code>{g.external_id.unwrap_or_default()}</code></td>
                        <td class="num">{g.members}</td>
                        <td><When at=g.last_provisioned.clone()/></td>
                        <td><When at=g.created.clone()/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
