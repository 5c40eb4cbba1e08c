//! `/tenants/:tenant/settings`: the retention of the tenant's provisioning log and its alerts
//! (its administrators), and the tenant itself — display name, disable or enable, delete with a typed
//! confirmation (platform administrators only). The server checks every right too.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::{
    get_current_admin, get_log_retention, get_tenant_overview, DeleteTenant, PreviewLogRetention, RenameTenant,
    SetLogRetention, SetTenantDisabled,
};
use crate::components::confirm_button::ConfirmButton;
use crate::components::error_box::ErrorBox;
use crate::components::field::Field;
use crate::components::typed_confirm::TypedConfirm;
use crate::components::use_interactive;
use crate::dto::{retention_fields, tenant_fields, FormOutcome, LogRetention, TenantSummary};
use crate::pages::alert_settings::AlertSettings;
use crate::pages::tenant::use_tenant;

/// The page.
#[component]
pub fn TenantSettingsPage() -> impl IntoView {
    let tenant = use_tenant();
    let rename = ServerAction::<RenameTenant>::new();
    let disable = ServerAction::<SetTenantDisabled>::new();
    let admin = Resource::new(|| (), |_| get_current_admin());
    // Not reloaded after a rename: the form already shows the new name (and keeps what was
    // typed when a name is refused).
    let overview =
        Resource::new(move || (tenant.get(), disable.version().get()), |(tenant, _)| get_tenant_overview(tenant));
    let retention = Resource::new(move || tenant.get(), get_log_retention);
    view! {
        <h2>"Tenant settings"</h2>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let can_change = admin.await.ok().flatten().is_some_and(|a| a.can_change(&tenant.get_untracked()));
                match retention.await {
                    Ok(current) => view! {
                        <RetentionForm tenant current can_change/>
                        <AlertSettings tenant can_change/>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let platform = admin.await.ok().flatten().is_some_and(|a| a.platform_admin);
                match overview.await {
                    Ok(_) if !platform => view! {
                        <p data-testid="settings-platform-only">"Only platform administrators can rename, disable or delete a tenant."</p>
                    }.into_any(),
                    Ok(o) => view! { <TenantForms summary=o.tenant rename disable/> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TenantForms(
    summary: TenantSummary,
    rename: ServerAction<RenameTenant>,
    disable: ServerAction<SetTenantDisabled>,
) -> impl IntoView {
    let interactive = use_interactive();
    let tenant = Signal::stored(summary.name.clone());
    let display_name = RwSignal::new(summary.display_name.clone());
    let delete = ServerAction::<DeleteTenant>::new();
    let navigate = use_navigate();
    let rename_value = rename.value();
    let rename_refused = move || rename_value.with(|v| FormOutcome::refusal(v, tenant_fields::DISPLAY_NAME));
    let renamed = move || matches!(rename_value.get(), Some(Ok(FormOutcome::Saved(_))));
    let delete_value = delete.value();
    let delete_refused = move || delete_value.with(|v| FormOutcome::refusal(v, tenant_fields::CONFIRM));
    Effect::new(move |_| {
        if matches!(delete_value.get(), Some(Ok(FormOutcome::Saved(())))) {
            navigate("/", Default::default());
        }
    });
    let disabled = summary.disabled;
    let toggle = Callback::new(move |()| {
        disable.dispatch(SetTenantDisabled { tenant: tenant.get_untracked(), disabled: !disabled });
    });
    let submit_rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        rename.dispatch(RenameTenant { tenant: tenant.get_untracked(), display_name: display_name.get_untracked() });
    };
    let run_delete = Callback::new(move |confirmation: String| {
        delete.dispatch(DeleteTenant { tenant: tenant.get_untracked(), confirmation });
    });
    let name = summary.name.clone();
    view! {
        <section class="panel" aria-labelledby="rename-heading">
            <h3 id="rename-heading">"Display name"</h3>
            <form class="form" on:submit=submit_rename>
                <Field id="tenant-display-name" label="Display name" error=rename_refused
                    hint=format!("Shown beside the exact name \"{name}\", which never changes.")>
                    <input type="text" maxlength="200" autocomplete="off"
                        prop:value=move || display_name.get() on:input=move |ev| display_name.set(event_target_value(&ev))/>
                </Field>
                <div class="actions">
                    <button type="submit" disabled=move || !interactive.get() || rename.pending().get()>"Rename"</button>
                    <span role="status">{move || renamed().then_some("Display name saved.")}</span>
                </div>
            </form>
        </section>

        <section class="panel" aria-labelledby="disable-heading">
            <h3 id="disable-heading">{if disabled { "Enable the tenant" } else { "Disable the tenant" }}</h3>
            <p class="hint">
                {if disabled {
                    "This tenant is disabled: its SCIM and token endpoints answer 403. Enabling it lets its identity provider in again."
                } else {
                    "A disabled tenant keeps all its data, but its SCIM and token endpoints answer 403 until it is enabled again."
                }}
            </p>
            <ConfirmButton
                label=Signal::stored(if disabled { format!("Enable tenant \"{}\"", summary.name) } else { format!("Disable tenant \"{}\"", summary.name) })
                question=Signal::stored(if disabled { format!("Enable tenant \"{}\"?", summary.name) } else { format!("Disable tenant \"{}\"? Its identity provider will get 403 until you enable it.", summary.name) })
                confirm=if disabled { "Enable now" } else { "Disable now" } danger=!disabled
                disabled=disable.pending() on_confirm=toggle/>
            {move || disable.value().get().and_then(Result::err).map(|e| view! { <ErrorBox error=e/> })}
        </section>

        <section class="panel danger-zone" aria-labelledby="delete-heading">
            <h3 id="delete-heading">"Delete the tenant"</h3>
            <p class="hint">
                "Deletes the tenant and all its data — users, groups, credentials, signing keys, provisioning log and \
                 administrator rights. The audit trail keeps a record. This cannot be undone."
            </p>
            <TypedConfirm tenant pending=delete.pending().into() on_confirm=run_delete
                button=Signal::derive(move || format!("Delete tenant \"{}\" and all its data", tenant.get()))/>
            <p class="field-error" role="alert">{delete_refused}</p>
            {move || delete_value.get().and_then(Result::err).map(|e| view! { <ErrorBox error=e/> })}
        </section>
    }
}

/// A limit as the number field shows it (blank: no limit).
fn shown<T: ToString>(limit: Option<T>) -> String {
    limit.map(|v| v.to_string()).unwrap_or_default()
}

/// What a retention keeps, in words.
fn kept(r: &LogRetention) -> String {
    match (r.days, r.rows) {
        (None, None) => "every row (no limit)".to_owned(),
        (Some(d), None) => format!("the last {d} days"),
        (None, Some(n)) => format!("the newest {n} rows"),
        (Some(d), Some(n)) => format!("the last {d} days, at most the newest {n} rows"),
    }
}

/// The retention of the tenant's provisioning log, with a preview of what it removes.
#[component]
fn RetentionForm(tenant: Signal<String>, current: LogRetention, can_change: bool) -> impl IntoView {
    let interactive = use_interactive();
    let days = RwSignal::new(shown(current.days));
    let rows = RwSignal::new(shown(current.rows));
    let save = ServerAction::<SetLogRetention>::new();
    let preview = ServerAction::<PreviewLogRetention>::new();
    let saved = save.value();
    let previewed = preview.value();
    let refusal = move |field: &'static str| {
        move || {
            saved
                .with(|v| FormOutcome::refusal(v, field))
                .or_else(|| previewed.with(|v| FormOutcome::refusal(v, field)))
        }
    };
    let ask_preview = move || {
        preview.dispatch(PreviewLogRetention {
            tenant: tenant.get_untracked(),
            days: days.get_untracked(),
            rows: rows.get_untracked(),
        });
    };
    let prunable = move || match (previewed.get(), saved.get()) {
        (Some(Ok(FormOutcome::Saved(n))), _) => Some(n),
        (None, Some(Ok(FormOutcome::Saved(r)))) => Some(r.prunable),
        (None, None) => Some(current.prunable),
        _ => None,
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        preview.clear();
        save.dispatch(SetLogRetention {
            tenant: tenant.get_untracked(),
            days: days.get_untracked(),
            rows: rows.get_untracked(),
        });
    };
    // A limit's field: blank for no limit; every change previews what it would remove.
    let limit = move |id: &'static str, label: &'static str, value: RwSignal<String>, field: &'static str| {
        view! {
            <Field id label error=refusal(field)>
                <input type="text" inputmode="numeric" autocomplete="off" placeholder="no limit" disabled=!can_change
                    prop:value=move || value.get()
                    on:input=move |ev| { value.set(event_target_value(&ev)); ask_preview(); }/>
            </Field>
        }
    };
    let status = move || match saved.get() {
        Some(Ok(FormOutcome::Saved(r))) => Some(format!("Saved: the log keeps {}.", kept(&r))),
        _ => None,
    };
    view! {
        <section class="panel" aria-labelledby="retention-heading">
            <h3 id="retention-heading">"Provisioning log retention"</h3>
            <p class="hint">{format!(
                "Now keeping {}. Older rows, and rows beyond the count, are pruned in the background every few minutes (and right after saving); provisioning is not held up. Leave a field empty for no limit of that kind.",
                kept(&current)
            )}</p>
            <form class="form" on:submit=submit>
                <div class="retention-fields">
                    {limit("retention-days", "Keep days", days, retention_fields::DAYS)}
                    {limit("retention-rows", "Keep rows", rows, retention_fields::ROWS)}
                </div>
                <p class="hint" role="status" data-testid="retention-preview">
                    {move || prunable().map(|n| match n {
                        0 => "This setting removes no rows now.".to_owned(),
                        1 => "This setting removes 1 row now.".to_owned(),
                        n => format!("This setting removes {n} rows now."),
                    })}
                </p>
                {can_change.then(|| view! {
                    <div class="actions">
                        <button type="submit" disabled=move || !interactive.get() || save.pending().get()>"Save retention"</button>
                        <span role="status">{status}</span>
                    </div>
                })}
            </form>
            {move || saved.get().and_then(Result::err).map(|e| view! { <ErrorBox error=e/> })}
        </section>
    }
}
