//! `/`: the tenants this administrator manages, and a form to create one.

use leptos::prelude::*;

use crate::api::{list_tenants, CreateTenant};
use crate::components::error_box::ErrorBox;

/// The tenant list.
#[component]
pub fn HomePage() -> impl IntoView {
    let create = expect_context::<ServerAction<CreateTenant>>();
    let tenants = Resource::new(move || create.version().get(), |_| list_tenants());
    let create_error = move || create.value().get().and_then(|r| r.err());

    view! {
        <section class="page">
            <h1>"Tenants"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tenants.await {
                        Ok(list) if list.is_empty() => view! { <p>"No tenants yet. Create the first one below."</p> }.into_any(),
                        Ok(list) => view! {
                            <table>
                                <thead><tr><th>"Name"</th><th>"Profile"</th><th>"Users"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|t| view! {
                                        <tr>
                                            <td><a href=format!("/tenants/{}", t.name)>{t.name.clone()}</a></td>
                                            <td>{profile_label(&t.profile)}</td>
                                            <td class="num">{t.user_count}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>

            <h2>"Create a tenant"</h2>
            <ActionForm action=create attr:class="form">
                <label>
                    "Tenant name"
                    <input type="text" name="name" required maxlength="64" pattern="[A-Za-z0-9_\\-]{1,64}"
                        placeholder="acme" autocomplete="off"/>
                </label>
                <p class="hint">"1–64 letters, digits, '-' or '_'. Case-sensitive: it becomes part of the SCIM URL."</p>
                <label>
                    "Profile"
                    <select name="profile">
                        <option value="generic">"Generic"</option>
                        <option value="azure">"Azure"</option>
                    </select>
                </label>
                <p class="hint">"Generic is recommended in most cases; choose Azure only for Microsoft Entra ID."</p>
                <button type="submit">"Create tenant"</button>
            </ActionForm>
            {move || create_error().map(|e| view! { <ErrorBox error=e/> })}
        </section>
    }
}

/// The profile's display name.
pub fn profile_label(profile: &str) -> &'static str {
    match profile {
        "azure" => "Azure",
        _ => "Generic",
    }
}
