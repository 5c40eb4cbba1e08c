//! The top bar: product name, tenant selector, the signed-in administrator, sign-out.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api::{get_current_admin, list_tenants, CreateTenant};

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
                        let list = tenants.await.unwrap_or_default();
                        view! {
                            <label class="tenant-select">
                                <span class="visually-hidden">"Tenant"</span>
                                <select aria-label="Tenant" on:change=move |ev| go_to_tenant.run(event_target_value(&ev))>
                                    <option value="" selected=move || current().is_none()>"Choose a tenant…"</option>
                                    {list.into_iter().map(|t| {
                                        let name = t.name.clone();
                                        let selected = move || current().as_deref() == Some(name.as_str());
                                        let label = t.name.clone();
                                        view! { <option value=t.name selected=selected>{label}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                        }
                    })}
                </Transition>
                <span class="spacer"></span>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        admin.await.ok().flatten().map(|a| view! {
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

#[cfg(test)]
mod tests {
    use super::tenant_in_path;

    #[test]
    fn tenant_is_read_from_the_path() {
        assert_eq!(tenant_in_path("/tenants/Acme/users").as_deref(), Some("Acme"));
        assert_eq!(tenant_in_path("/tenants/Acme").as_deref(), Some("Acme"));
        assert_eq!(tenant_in_path("/tenants/"), None);
        assert_eq!(tenant_in_path("/"), None);
    }
}
