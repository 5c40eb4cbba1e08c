//! The top bar: product name, tenant selector, the signed-in administrator, sign-out.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api::{get_current_admin, list_tenants, CreateTenant};
use crate::dto::TenantSummary;

/// The tenant named in the current URL (`/tenants/<name>/…`), if any.
pub fn tenant_in_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/tenants/")?;
    let name = rest.split('/').next().unwrap_or_default();
    (!name.is_empty()).then(|| name.to_owned())
}

/// The top bar (hidden on the sign-in page).
#[component]
pub fn TopBar() -> impl IntoView {
    let location = use_location();
    let created = use_context::<ServerAction<CreateTenant>>();
    let admin = Resource::new(|| (), |_| get_current_admin());
    let tenants = Resource::new(move || created.map(|a| a.version().get()), |_| list_tenants());
    let current = move || tenant_in_path(&location.pathname.get());
    let navigate = use_navigate();
    let go_to_tenant = Callback::new(move |name: String| {
        if !name.is_empty() {
            navigate(&format!("/tenants/{name}"), Default::default());
        }
    });

    view! {
        <Show when=move || location.pathname.get() != "/login">
            <header class="top-bar" role="banner">
                <a class="brand" href="/">"scimhub"</a>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let list = StoredValue::new(tenants.await.unwrap_or_default());
                        view! { <TenantSwitcher list current=Signal::derive(current) go_to_tenant/> }
                    })}
                </Transition>
                <span class="spacer"></span>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        admin.await.ok().flatten().map(|a| view! {
                            {a.platform_admin.then(|| view! { <a href="/audit">"Audit trail"</a> <a href="/api-tokens">"API tokens"</a> })}
                            <span class="admin" data-testid="admin-label">{a.label()}</span>
                            <form method="post" action="/auth/logout">
                                <button type="submit" class="secondary">"Sign out"</button>
                            </form>
                        })
                    })}
                </Transition>
            </header>
        </Show>
    }
}

/// The tenant that `text` picks: the one with exactly this name, else the only one whose name
/// or display name contains it (case-insensitive).
pub fn pick_tenant(list: &[TenantSummary], text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(exact) = list.iter().find(|t| t.name == text) {
        return Some(exact.name.clone());
    }
    let needle = text.to_lowercase();
    let mut hits = list
        .iter()
        .filter(|t| t.name.to_lowercase().contains(&needle) || t.display_name.to_lowercase().contains(&needle));
    match (hits.next(), hits.next()) {
        (Some(only), None) => Some(only.name.clone()),
        _ => None,
    }
}

/// Type-to-search over the tenants: suggestions show the display name and the exact name;
/// Enter (or a suggestion) opens the tenant that the text picks.
#[component]
fn TenantSwitcher(
    list: StoredValue<Vec<TenantSummary>>,
    current: Signal<Option<String>>,
    go_to_tenant: Callback<String>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let ambiguous = RwSignal::new(false);
    let placeholder = move || {
        let current = current.get();
        list.with_value(|l| {
            current
                .and_then(|name| l.iter().find(|t| t.name == name).map(|t| format!("{} ({})", t.display_name, t.name)))
                .unwrap_or_else(|| "Find a tenant…".to_owned())
        })
    };
    let open = move |text: String, exact_only: bool| {
        let picked = list.with_value(|l| {
            if exact_only {
                l.iter().find(|t| t.name == text.trim()).map(|t| t.name.clone())
            } else {
                pick_tenant(l, &text)
            }
        });
        ambiguous.set(picked.is_none() && !exact_only && !text.trim().is_empty());
        if let Some(name) = picked {
            query.set(String::new());
            go_to_tenant.run(name);
        }
    };
    view! {
        <div class="tenant-select">
            <input type="search" aria-label="Tenant" list="tenant-options" autocomplete="off" spellcheck="false"
                aria-describedby="tenant-select-hint"
                placeholder=placeholder
                prop:value=move || query.get()
                on:input=move |ev| {
                    ambiguous.set(false);
                    query.set(event_target_value(&ev));
                }
                on:change=move |ev| open(event_target_value(&ev), true)
                on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); open(query.get_untracked(), false) }/>
            <datalist id="tenant-options">
                {list.get_value().into_iter().map(|t| {
                    let label = format!("{} ({})", t.display_name, t.name);
                    view! { <option value=t.name label=label/> }
                }).collect_view()}
            </datalist>
            <span id="tenant-select-hint" class="visually-hidden" role="status">
                {move || ambiguous.get().then_some("No single tenant matches; type more of its name.")}
            </span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{pick_tenant, tenant_in_path};
    use crate::dto::TenantSummary;

    fn t(name: &str, display: &str) -> TenantSummary {
        TenantSummary {
            name: name.into(),
            display_name: display.into(),
            profile: "generic".into(),
            user_count: 0,
            disabled: false,
        }
    }

    #[test]
    fn typed_text_picks_one_tenant() {
        let list = [t("acme", "Acme Corp"), t("acme-eu", "Acme Europe"), t("globex", "Globex Inc")];
        assert_eq!(pick_tenant(&list, "acme").as_deref(), Some("acme"), "an exact name wins");
        assert_eq!(pick_tenant(&list, "EUROPE").as_deref(), Some("acme-eu"));
        assert_eq!(pick_tenant(&list, "glob").as_deref(), Some("globex"));
        assert_eq!(pick_tenant(&list, "acm"), None, "ambiguous");
        assert_eq!(pick_tenant(&list, "ACME"), None, "names are case-sensitive; two display names match");
        assert_eq!(pick_tenant(&list, " "), None);
    }

    #[test]
    fn tenant_is_read_from_the_path() {
        assert_eq!(tenant_in_path("/tenants/Acme/users").as_deref(), Some("Acme"));
        assert_eq!(tenant_in_path("/tenants/Acme").as_deref(), Some("Acme"));
        assert_eq!(tenant_in_path("/tenants/"), None);
        assert_eq!(tenant_in_path("/"), None);
    }
}
