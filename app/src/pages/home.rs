//! `/`: the Tenants page — the platform overview (platform administrators), the tenant the
//! administrator worked in last, a searchable, paginated list with each tenant's health, and a
//! form to create one.

use leptos::prelude::*;

use crate::api::{get_current_admin, get_last_tenant, get_platform_overview, list_tenant_page, CreateTenant};
use crate::components::audit_table::AuditTable;
use crate::components::error_box::ErrorBox;
use crate::components::field::{Field, SearchBox};
use crate::components::use_interactive;
use crate::components::when::when_or;
use crate::dto::{tenant_fields, FormOutcome, TenantRow, TENANT_PAGE_SIZE};

/// The Tenants page.
#[component]
pub fn HomePage() -> impl IntoView {
    let create = expect_context::<ServerAction<CreateTenant>>();
    let admin = Resource::new(|| (), |_| get_current_admin());
    let search = RwSignal::new(String::new());
    let offset = RwSignal::new(0u64);
    let tenants = Resource::new(
        move || (search.get(), offset.get(), create.version().get()),
        |(search, offset, _)| list_tenant_page(search, offset),
    );
    let last = Resource::new(|| (), |_| get_last_tenant());
    // Read through `Suspend` only, so the server's HTML and the hydrated page agree.
    let platform = move || async move { admin.await.ok().flatten().is_some_and(|a| a.platform_admin) };

    view! {
        <section class="page">
            <h1>"Tenants"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    last.await.ok().flatten().map(|name| view! {
                        <p class="continue">
                            "Continue with "
                            <a href=format!("/tenants/{name}") data-testid="last-tenant">{name.clone()}</a>
                        </p>
                    })
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move { platform().await.then(|| view! { <PlatformOverviewBox/> }) })}
            </Transition>

            <SearchBox id="tenant-search" label="Search tenants" placeholder="Name or display name" value=search
                on_input=move |()| offset.set(0)/>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tenants.await {
                        Ok(page) if page.total == 0 && search.get_untracked().is_empty() => {
                            view! { <p>"No tenants yet."</p> }.into_any()
                        }
                        Ok(page) if page.total == 0 => view! { <p role="status">"No tenant matches."</p> }.into_any(),
                        Ok(page) => {
                            let first = page.offset + 1;
                            let last = page.offset + page.rows.len() as u64;
                            let more = last < page.total;
                            view! {
                                <TenantTable rows=page.rows/>
                                <nav class="pager" aria-label="Tenant pages">
                                    <span role="status">{format!("{first}–{last} of {}", page.total)}</span>
                                    <button type="button" class="secondary" disabled=page.offset == 0
                                        on:click=move |_| offset.update(|o| *o = o.saturating_sub(TENANT_PAGE_SIZE))>
                                        "Previous"
                                    </button>
                                    <button type="button" class="secondary" disabled=!more
                                        on:click=move |_| offset.update(|o| *o += TENANT_PAGE_SIZE)>
                                        "Next"
                                    </button>
                                </nav>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>

            <Transition fallback=|| ()>
                {move || Suspend::new(async move { platform().await.then(|| view! { <CreateTenantForm create/> }) })}
            </Transition>
        </section>
    }
}

/// The tenants of one page, with their health.
#[component]
fn TenantTable(rows: Vec<TenantRow>) -> impl IntoView {
    view! {
        <div class="table-scroll"><table class="tenants">
            <thead><tr>
                <th scope="col">"Tenant"</th><th scope="col">"Profile"</th><th scope="col">"Status"</th>
                <th scope="col">"Users"</th><th scope="col">"Requests (24 h)"</th><th scope="col">"Errors (24 h)"</th>
                <th scope="col">"Last request"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|t| {
                    let status = if t.disabled {
                        ("badge danger", "Tenant disabled".to_owned())
                    } else if t.open_alerts > 0 {
                        ("badge danger", format!("{} open alert(s)", t.open_alerts))
                    } else if !t.scim_enabled {
                        ("badge warn", "Endpoint off".to_owned())
                    } else {
                        ("badge ok", "Active".to_owned())
                    };
                    let has_errors = t.errors_24h > 0;
                    view! {
                        <tr data-tenant=t.name.clone()>
                            <td>
                                <a href=format!("/tenants/{}", t.name)>{t.display_name.clone()}</a>
                                " " <code class="tenant-name">{t.name.clone()}</code>
                                {t.read_only.then(|| view! { " " <span class="badge">"Read-only"</span> })}
                            </td>
                            <td>{profile_label(&t.profile)}</td>
                            <td>
                                <span class=status.0>{status.1}</span>
                            </td>
                            <td class="num">{t.users}</td>
                            <td class="num">{t.requests_24h}</td>
                            <td class="num" class:error=has_errors>{t.errors_24h}</td>
                            <td>{when_or(t.last_request_at, "never")}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

/// Counts, and the break-glass sign-ins shown prominently.
#[component]
fn PlatformOverviewBox() -> impl IntoView {
    let created = expect_context::<ServerAction<CreateTenant>>();
    let overview = Resource::new(move || created.version().get(), |_| get_platform_overview());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                overview.await.ok().map(|o| view! {
                    <div class="cards">
                        <div class="card"><span class="label">"Tenants"</span><span class="value" data-testid="count-tenants">{o.tenants}</span></div>
                        <div class="card"><span class="label">"Disabled"</span><span class="value" data-testid="count-disabled">{o.disabled}</span></div>
                    </div>
                    {(!o.break_glass.is_empty()).then(|| view! {
                        <section class="warning" aria-labelledby="break-glass-heading">
                            <h2 id="break-glass-heading">"Break-glass sign-ins"</h2>
                            <p class="hint">"Sign-ins with a one-time link from "<code>"scimhub admin login-link"</code>", which bypass the identity provider. Check each was expected."</p>
                            <AuditTable rows=o.break_glass/>
                        </section>
                    })}
                })
            })}
        </Transition>
    }
}

/// Creating a tenant: its exact name, a display name and a profile.
#[component]
fn CreateTenantForm(create: ServerAction<CreateTenant>) -> impl IntoView {
    let interactive = use_interactive();
    let name = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let profile = RwSignal::new("generic".to_owned());
    let value = create.value();
    let refusal = move |field: &'static str| move || value.with(|v| FormOutcome::refusal(v, field));
    let other_error = move || value.get().and_then(Result::err);
    let created = move || match value.get() {
        Some(Ok(FormOutcome::Saved(t))) => Some(t.name),
        _ => None,
    };
    Effect::new(move |_| {
        if created().is_some() {
            name.set(String::new());
            display_name.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateTenant {
            name: name.get_untracked(),
            display_name: display_name.get_untracked(),
            profile: profile.get_untracked(),
        });
    };
    view! {
        <h2>"Create a tenant"</h2>
        <form class="form" on:submit=submit>
            <Field id="new-tenant-name" label="Tenant name" error=refusal(tenant_fields::NAME)
                hint="1–64 letters, digits, '-' or '_'. Case-sensitive: it becomes part of the SCIM URL.">
                <input type="text" required maxlength="64" autocomplete="off" spellcheck="false" placeholder="acme"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </Field>
            <Field id="new-tenant-display-name" label="Display name" error=refusal(tenant_fields::DISPLAY_NAME)>
                <input type="text" maxlength="200" autocomplete="off" placeholder="Acme Corporation"
                    prop:value=move || display_name.get() on:input=move |ev| display_name.set(event_target_value(&ev))/>
            </Field>
            <Field id="new-tenant-profile" label="Profile" error=refusal(tenant_fields::PROFILE)
                hint="Generic is recommended in most cases; choose Azure only for Microsoft Entra ID.">
                <select on:change=move |ev| profile.set(event_target_value(&ev))>
                    <option value="generic" selected=move || profile.get() == "generic">"Generic"</option>
                    <option value="azure" selected=move || profile.get() == "azure">"Azure"</option>
                </select>
            </Field>
            <div class="actions">
                <button type="submit" disabled=move || !interactive.get() || create.pending().get()>"Create tenant"</button>
                <span role="status">{move || created().map(|n| format!("Created tenant \"{n}\"."))}</span>
            </div>
            {move || other_error().map(|e| view! { <ErrorBox error=e/> })}
        </form>
    }
}

/// The profile's display name.
pub fn profile_label(profile: &str) -> &'static str {
    match profile {
        "azure" => "Azure",
        _ => "Generic",
    }
}
