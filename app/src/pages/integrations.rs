//! `/tenants/:tenant/integrations/scim`: the SCIM integration panel — the endpoint's settings,
//! the generated details an identity provider needs, the credentials with rotation and
//! revocation, and the audit trail of the changes made here.
//!
//! A new secret is shown once: it exists only in the value of the rotation's action (never in
//! the resource that lists credentials, which knows masked hints only), so leaving the page or
//! reloading it forgets the secret.

use leptos::html;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{
    get_scim_integration, EndGrace, ResetDirectory, RevokeClientSecret, RevokeScimSecret, RotateClientSecret,
    RotateScimSecret, UpdateScimSettings,
};
use crate::components::audit_table::AuditTable;
use crate::components::confirm_button::ConfirmButton;
use crate::components::copy_button::CopyButton;
use crate::components::error_box::ErrorBox;
use crate::components::field::{Checkbox, Field};
use crate::components::onboarding_checklist::OnboardingChecklist;
use crate::components::scim_tabs::ScimTabs;
use crate::components::typed_confirm::TypedConfirm;
use crate::components::use_interactive;
use crate::components::when::{when_or, When};
use crate::dto::{
    split_list, CredentialRow, NewSecret, ScimIntegration, ScimSettings, SecretKind, SettingsUpdate, GRACE_PERIODS,
    LINK_CHOICES,
};
use crate::error::AppError;
use crate::pages::tenant::use_tenant;

/// The panel.
#[component]
pub fn ScimIntegrationPage() -> impl IntoView {
    let tenant = use_tenant();
    let update = ServerAction::<UpdateScimSettings>::new();
    let rotate_bearer = ServerAction::<RotateScimSecret>::new();
    let revoke_bearer = ServerAction::<RevokeScimSecret>::new();
    let rotate_client = ServerAction::<RotateClientSecret>::new();
    let revoke_client = ServerAction::<RevokeClientSecret>::new();
    let reset = ServerAction::<ResetDirectory>::new();
    let end_grace = ServerAction::<EndGrace>::new();
    provide_context(end_grace);

    // The form loads once per tenant, so a refused input stays in it; the rest of the panel
    // reloads after every change.
    let form_data = Resource::new(move || tenant.get(), get_scim_integration);
    let panel = Resource::new(
        move || {
            let versions = (
                update.version().get(),
                rotate_bearer.version().get(),
                revoke_bearer.version().get(),
                rotate_client.version().get(),
                revoke_client.version().get(),
                reset.version().get(),
                end_grace.version().get(),
            );
            (tenant.get(), versions)
        },
        |(tenant, _)| get_scim_integration(tenant),
    );

    // A revocation also ends a secret that is still on screen: forget it.
    Effect::new(move |_| {
        if revoke_bearer.version().get() > 0 {
            rotate_bearer.clear();
        }
    });
    Effect::new(move |_| {
        if revoke_client.version().get() > 0 {
            rotate_client.clear();
        }
    });

    let new_bearer = Signal::derive(move || rotate_bearer.value().get().and_then(Result::ok));
    let new_client = Signal::derive(move || rotate_client.value().get().and_then(Result::ok));
    // The remote-token switch as the form shows it, saved or not: the details' badges follow it.
    let remote_switch = RwSignal::new(None::<bool>);
    // The outcome of the last rotation or revocation: a failure, or how many were revoked.
    let status = RwSignal::new(None::<Result<String, AppError>>);
    let on_rotated = move |value: Option<Result<NewSecret, AppError>>| match value {
        Some(Err(e)) => status.set(Some(Err(e))),
        Some(Ok(_)) => status.set(None),
        None => {}
    };
    let on_revoked = move |value: Option<Result<u64, AppError>>, kind: SecretKind| {
        if let Some(result) = value {
            status.set(Some(result.map(|n| revoked_text(n, kind))));
        }
    };
    Effect::new(move |_| on_rotated(rotate_bearer.value().get()));
    Effect::new(move |_| on_rotated(rotate_client.value().get()));
    Effect::new(move |_| on_revoked(revoke_bearer.value().get(), SecretKind::Bearer));
    Effect::new(move |_| on_revoked(revoke_client.value().get(), SecretKind::ClientSecret));
    Effect::new(move |_| {
        if let Some(result) = end_grace.value().get() {
            status.set(Some(result.map(|()| "Grace period ended: the previous secret no longer works.".to_owned())));
        }
    });

    let bearer_actions = SecretActions::new(
        rotate_bearer,
        revoke_bearer,
        |tenant, grace_secs| RotateScimSecret { tenant, grace_secs },
        |tenant| RevokeScimSecret { tenant },
    );
    let client_actions = SecretActions::new(
        rotate_client,
        revoke_client,
        |tenant, grace_secs| RotateClientSecret { tenant, grace_secs },
        |tenant| RevokeClientSecret { tenant },
    );
    let secret_block = move |data: &ScimIntegration, kind: SecretKind| {
        let credentials: Vec<CredentialRow> = data.credentials.iter().filter(|c| c.kind == kind).cloned().collect();
        let actions = if kind == SecretKind::Bearer { bearer_actions } else { client_actions };
        view! { <SecretBlock tenant=data.tenant.clone() kind credentials actions/> }
    };

    view! {
        <ScimTabs tenant/>
        <p class="hint">
            "Connect an identity provider (Microsoft Entra ID, Okta or any SCIM 2.0 client): choose the settings, \
             copy the integration details into the provider's provisioning setup, and generate a secret."
        </p>

        <OnboardingChecklist tenant/>

        <section class="panel" aria-labelledby="scim-settings-heading">
            <h3 id="scim-settings-heading">"Settings"</h3>
            {loaded(form_data, move |data| view! { <SettingsForm tenant=data.tenant initial=data.settings action=update remote_switch/> })}
        </section>

        <section class="panel" aria-labelledby="scim-details-heading">
            <h3 id="scim-details-heading">"Integration details"</h3>
            <p class="hint">"Generated by scimhub: enter them in the identity provider's provisioning settings."</p>
            {loaded(panel, move |data| view! { <Details data new_client remote_switch=remote_switch.into()/> })}
        </section>

        <section class="panel" aria-labelledby="scim-credentials-heading">
            <h3 id="scim-credentials-heading">"Credentials"</h3>
            <OneTimeSecret secret=new_bearer on_dismiss=Callback::new(move |()| rotate_bearer.clear())/>
            <OneTimeSecret secret=new_client on_dismiss=Callback::new(move |()| rotate_client.clear())/>
            <CredentialsStatus status/>
            {loaded(panel, move |data| view! {
                {secret_block(&data, SecretKind::Bearer)}
                {secret_block(&data, SecretKind::ClientSecret)}
            })}
        </section>

        <section class="panel" aria-labelledby="scim-reset-heading">
            <h3 id="scim-reset-heading">"Reset directory"</h3>
            <DirectoryResetForm tenant reset/>
        </section>

        <section class="panel" aria-labelledby="scim-audit-heading">
            <h3 id="scim-audit-heading">"Audit trail"</h3>
            <p class="hint">"The last 20 changes to this tenant, newest first (all of them under Audit trail)."</p>
            {loaded(panel, |data| view! { <AuditTable rows=data.audit/> })}
        </section>
    }
}

/// `render(data)` once the panel's data has loaded (the previous data stays while it reloads),
/// or the error.
fn loaded<V: IntoView + 'static>(
    data: Resource<Result<ScimIntegration, AppError>>,
    render: impl Fn(ScimIntegration) -> V + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => render(data).into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The settings form: enable, profile, Azure tenant ID, remote token authentication.
#[component]
fn SettingsForm(
    tenant: String,
    initial: ScimSettings,
    action: ServerAction<UpdateScimSettings>,
    remote_switch: RwSignal<Option<bool>>,
) -> impl IntoView {
    let interactive = use_interactive();
    let enabled = RwSignal::new(initial.enabled);
    // The endpoint's state as stored: switching it off asks first, naming the tenant.
    let stored_enabled = RwSignal::new(initial.enabled);
    let confirm_off = RwSignal::new(false);
    let profile = RwSignal::new(initial.profile);
    let azure_id = RwSignal::new(initial.azure_tenant_id.unwrap_or_default());
    let remote = RwSignal::new(initial.remote_token_auth);
    Effect::new(move |_| remote_switch.set(Some(remote.get())));
    let link_by = RwSignal::new(initial.link_users_by);
    let required = RwSignal::new(initial.required_attributes.join(", "));
    let azure_input = NodeRef::<html::Input>::new();
    let profile_input = NodeRef::<html::Input>::new();
    let link_input = NodeRef::<html::Select>::new();
    let required_input = NodeRef::<html::Input>::new();

    let value = action.value();
    let azure_error = move || value.with(|v| SettingsUpdate::refusal(v, ScimSettings::AZURE_TENANT_ID));
    let profile_error = move || value.with(|v| SettingsUpdate::refusal(v, ScimSettings::PROFILE));
    let link_error = move || value.with(|v| SettingsUpdate::refusal(v, ScimSettings::LINK_USERS_BY));
    let required_error = move || value.with(|v| SettingsUpdate::refusal(v, ScimSettings::REQUIRED_ATTRIBUTES));
    let other_error = move || value.get().and_then(Result::err);
    let saved = move || !action.pending().get() && value.with(|v| matches!(v, Some(Ok(SettingsUpdate::Saved(_)))));

    // After a save: show what was stored (the ID in lower case); after a refusal: go to the field.
    Effect::new(move |_| match value.get() {
        Some(Ok(SettingsUpdate::Saved(s))) => {
            enabled.set(s.enabled);
            stored_enabled.set(s.enabled);
            profile.set(s.profile);
            azure_id.set(s.azure_tenant_id.unwrap_or_default());
            remote.set(s.remote_token_auth);
            link_by.set(s.link_users_by);
            required.set(s.required_attributes.join(", "));
        }
        Some(Ok(SettingsUpdate::Refused { field, .. })) => {
            // Focus is a courtesy: a failure to focus changes nothing.
            let _ = match field.as_str() {
                ScimSettings::PROFILE => profile_input.get_untracked().map(|el| el.focus()),
                ScimSettings::LINK_USERS_BY => link_input.get_untracked().map(|el| el.focus()),
                ScimSettings::REQUIRED_ATTRIBUTES => required_input.get_untracked().map(|el| el.focus()),
                _ => azure_input.get_untracked().map(|el| el.focus()),
            };
        }
        _ => {}
    });

    let tenant_name = StoredValue::new(tenant.clone());
    let save = move || {
        confirm_off.set(false);
        action.dispatch(UpdateScimSettings {
            tenant: tenant_name.get_value(),
            enabled: enabled.get_untracked(),
            profile: profile.get_untracked(),
            azure_tenant_id: azure_id.get_untracked(),
            remote_token_auth: remote.get_untracked(),
            link_users_by: link_by.get_untracked(),
            required_attributes: split_list(&required.get_untracked()).join(","),
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if stored_enabled.get_untracked() && !enabled.get_untracked() {
            confirm_off.set(true);
        } else {
            save();
        }
    };
    let link_hint = move || {
        let chosen = link_by.get();
        let hint = LINK_CHOICES.iter().find(|(value, ..)| *value == chosen).map(|(.., hint)| *hint).unwrap_or_default();
        format!("{hint} Every adoption is logged as a link.")
    };
    let radio = move |value: &'static str, label: &'static str, hint: &'static str, first: bool| {
        let hint_id = format!("scim-profile-{value}-hint");
        let node = if first { profile_input } else { NodeRef::new() };
        view! {
            <label class="check">
                <input type="radio" name="profile" value=value node_ref=node aria-describedby=hint_id.clone()
                    prop:checked=move || profile.get() == value
                    on:change=move |_| profile.set(value.to_owned())/>
                {label}
            </label>
            <p class="hint indent" id=hint_id>{hint}</p>
        }
    };

    view! {
        <form class="form settings" on:submit=submit>
            <Checkbox id="scim-enabled" label="Enable endpoint" checked=enabled
                hint="When off, the SCIM endpoint answers every request with 403 and stores nothing."/>

            <fieldset class="field" aria-describedby="scim-profile-error">
                <legend>"Profile"</legend>
                {radio("generic", "Generic", "Recommended in most cases", true)}
                {radio("azure", "Azure", "Only for Microsoft Entra ID", false)}
                <p class="field-error" id="scim-profile-error" role="alert">{profile_error}</p>
            </fieldset>

            <Field id="scim-azure-tenant-id" label="Azure tenant ID" error=azure_error
                hint="Needed only to accept tokens Microsoft Entra ID issues itself (not for a Secret Token or remote token \
                      authentication). The Tenant ID of your Microsoft Entra ID tenant (Entra admin center → \
                      Overview): a GUID of 32 hexadecimal digits in the form 8-4-4-4-12, e.g. \
                      72f988bf-86f1-41af-91ab-2d7cd011db47. Upper or lower case (it is stored in lower case), without braces; \
                      not the domain name and not an application (client) ID.">
                <input type="text" node_ref=azure_input
                    autocomplete="off" spellcheck="false" inputmode="text" maxlength="80"
                    placeholder="00000000-0000-0000-0000-000000000000"
                    prop:value=move || azure_id.get()
                    on:input=move |ev| azure_id.set(event_target_value(&ev))/>
            </Field>

            <Checkbox id="scim-remote" label="Use remote token authentication" checked=remote
                hint="OAuth 2.0 client credentials: the identity provider gets short-lived access tokens from the token \
                      endpoint with the client ID and a client secret, instead of sending a static secret token."/>

            <fieldset class="field advanced">
                <legend>"Advanced SCIM settings"</legend>
                <Field id="scim-link-users-by" label="User linking on creation" error=link_error hint=link_hint>
                    <select node_ref=link_input on:change=move |ev| link_by.set(event_target_value(&ev))>
                        {LINK_CHOICES.iter().map(|(value, label, _)| view! {
                            <option value=*value prop:selected=move || link_by.get() == *value>{*label}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <Field id="scim-required-attributes" label="Required attributes" error=required_error
                    hint="SCIM attributes every user must carry besides userName, separated by commas: e.g. displayName, \
                          emails, name.givenName or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department. \
                          A create, replace or update that leaves one empty is refused with 400 naming the attribute.">
                    <input type="text" node_ref=required_input
                        autocomplete="off" spellcheck="false" maxlength="2000"
                        placeholder="displayName, emails"
                        prop:value=move || required.get()
                        on:input=move |ev| required.set(event_target_value(&ev))/>
                </Field>
            </fieldset>

            <div class="actions" hidden=move || confirm_off.get()>
                <button type="submit" disabled=move || !interactive.get() || action.pending().get()>"Update"</button>
                <span class="saved" role="status">{move || saved().then_some("Settings saved.")}</span>
            </div>
            <Show when=move || confirm_off.get()>
                <div class="confirm" role="alertdialog" tabindex="-1" aria-labelledby="scim-disable-question"
                    on:keydown=move |ev| if ev.key() == "Escape" { confirm_off.set(false) }>
                    <p class="question" id="scim-disable-question">
                        {move || format!("Disable the SCIM endpoint of tenant \"{}\"?", tenant_name.get_value())}
                    </p>
                    <p class="hint">"Its identity provider gets 403 for every request until the endpoint is enabled again."</p>
                    <div class="actions">
                        <button type="button" class="danger" on:click=move |_| save()>"Disable and save"</button>
                        <button type="button" class="secondary" on:click=move |_| confirm_off.set(false)>"Cancel"</button>
                    </div>
                </div>
            </Show>
            {move || other_error().map(|e| view! { <ErrorBox error=e/> })}
        </form>
    }
}

/// The generated values an identity provider needs, each with a copy button.
#[component]
fn Details(
    data: ScimIntegration,
    new_client: Signal<Option<NewSecret>>,
    remote_switch: Signal<Option<bool>>,
) -> impl IntoView {
    let interactive = use_interactive();
    let stored_remote = data.settings.remote_token_auth;
    let remote_only = move || {
        if remote_switch.get().unwrap_or(stored_remote) {
            "Only with remote token authentication"
        } else {
            "Only with remote token authentication (off)"
        }
    };
    let has_client_secret = data.credentials.iter().any(|c| c.kind == SecretKind::ClientSecret);
    let copy = move |text: String, label: &'static str| {
        view! { <CopyButton text=Signal::derive(move || text.clone()) label disabled=Signal::derive(move || !interactive.get())/> }
    };
    let client_id = data.client_id.clone();
    view! {
        <div class="table-scroll"><table class="details">
            <thead><tr><th scope="col">"Field"</th><th scope="col">"Value"</th><th scope="col">"Needed"</th><th scope="col"><span class="visually-hidden">"Copy"</span></th></tr></thead>
            <tbody>
                <tr>
                    <th scope="row">"SCIM endpoint (Tenant URL in Entra ID)"</th>
                    <td><code data-testid="detail-scim-endpoint">{data.scim_endpoint.clone()}</code></td>
                    <td><span class="badge ok">"Mandatory"</span></td>
                    <td>{copy(data.scim_endpoint.clone(), "Copy SCIM endpoint")}</td>
                </tr>
                {(data.settings.profile == "azure").then(|| {
                    let tenant_url = format!("{}?aadOptscim062020", data.scim_endpoint);
                    view! {
                        <tr>
                            <th scope="row">"Tenant URL for Entra ID"</th>
                            <td>
                                <code data-testid="detail-tenant-url">{tenant_url.clone()}</code><br/>
                                <span class="hint">"The flag makes Entra ID send PATCH requests as SCIM 2.0 defines them."</span>
                            </td>
                            <td><span class="badge ok">"Mandatory"</span></td>
                            <td>{copy(tenant_url, "Copy Tenant URL")}</td>
                        </tr>
                    }
                })}
                <tr>
                    <th scope="row">"Token endpoint"</th>
                    <td><code data-testid="detail-token-endpoint">{data.token_endpoint.clone()}</code></td>
                    <td><span class="badge">{remote_only}</span></td>
                    <td>{copy(data.token_endpoint.clone(), "Copy token endpoint")}</td>
                </tr>
                <tr>
                    <th scope="row">"Client ID"</th>
                    <td>{match client_id.clone() {
                        Some(id) => view! { <code data-testid="detail-client-id">{id}</code> }.into_any(),
                        None => view! { <span class="hint">"Created with the first client secret (see Credentials)"</span> }.into_any(),
                    }}</td>
                    <td><span class="badge">{remote_only}</span></td>
                    <td>{client_id.map(|id| copy(id, "Copy client ID"))}</td>
                </tr>
                <tr>
                    <th scope="row">"Client secret"</th>
                    {move || match new_client.get() {
                        Some(s) => {
                            let secret = s.secret.clone();
                            view! {
                                <td><code class="secret">{s.secret}</code><br/><span class="hint">"Shown once: copy it now."</span></td>
                                <td><span class="badge">{remote_only}</span></td>
                                <td>{copy(secret, "Copy client secret")}</td>
                            }.into_any()
                        }
                        None => view! {
                            <td><span class="hint">{if has_client_secret {
                                "scimhub_cs_… (shown once when generated; rotate it under Credentials for a new one)"
                            } else {
                                "None yet: generate one under Credentials"
                            }}</span></td>
                            <td><span class="badge">{remote_only}</span></td>
                            <td></td>
                        }.into_any(),
                    }}
                </tr>
            </tbody>
        </table></div>
    }
}

/// Rotation and revocation of one kind of secret, as callbacks that take the tenant.
#[derive(Clone, Copy)]
struct SecretActions {
    rotate: Callback<(String, u64)>,
    revoke: Callback<String>,
    busy: Signal<bool>,
}

impl SecretActions {
    /// Dispatches to `rotate` and `revoke` with the inputs `rotate_input` and `revoke_input` make.
    fn new<R, V>(
        rotate: ServerAction<R>,
        revoke: ServerAction<V>,
        rotate_input: fn(String, u64) -> R,
        revoke_input: fn(String) -> V,
    ) -> Self
    where
        R: ServerFn + Clone + Send + Sync + 'static,
        R::Output: Send + Sync + 'static,
        R::Error: Send + Sync + 'static,
        V: ServerFn + Clone + Send + Sync + 'static,
        V::Output: Send + Sync + 'static,
        V::Error: Send + Sync + 'static,
    {
        SecretActions {
            rotate: Callback::new(move |(tenant, grace_secs)| {
                rotate.dispatch(rotate_input(tenant, grace_secs));
            }),
            revoke: Callback::new(move |tenant| {
                revoke.dispatch(revoke_input(tenant));
            }),
            busy: Signal::derive(move || rotate.pending().get() || revoke.pending().get()),
        }
    }
}

/// What a confirmation step is about to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Rotate,
    Revoke,
}

/// The texts of a secret kind's block.
#[derive(Clone, Copy)]
struct Texts {
    key: &'static str,
    heading: &'static str,
    about: &'static str,
    noun: &'static str,
    rotate: &'static str,
    generate: &'static str,
    revoke: &'static str,
    revoke_effect: &'static str,
}

fn texts(kind: SecretKind) -> Texts {
    match kind {
        SecretKind::Bearer => Texts {
            key: "bearer",
            heading: "SCIM secret token",
            about: "The identity provider sends it as Authorization: Bearer … (Entra ID: Admin Credentials → Secret Token).",
            noun: "SCIM secret",
            rotate: "Rotate secret token",
            generate: "Generate secret token",
            revoke: "Revoke secret token",
            revoke_effect: "Every SCIM secret token of the tenant stops working at once, also one in a grace period: \
                            the identity provider's requests are refused (401) until it gets a new one.",
        },
        SecretKind::ClientSecret => Texts {
            key: "client",
            heading: "Client secrets",
            about: "Used with the client ID at the token endpoint (remote token authentication). During a grace \
                    period the old and the new secret both work.",
            noun: "client secret",
            rotate: "Rotate client secret",
            generate: "Generate client secret",
            revoke: "Revoke client secrets",
            revoke_effect: "Every client secret of the tenant stops working at once. Access tokens already issued \
                            stay valid until they expire (at most the token lifetime).",
        },
    }
}

/// One kind of secret: its usable credentials, and Rotate / Revoke behind a confirmation step
/// that names the tenant.
#[component]
fn SecretBlock(
    tenant: String,
    kind: SecretKind,
    credentials: Vec<CredentialRow>,
    actions: SecretActions,
) -> impl IntoView {
    let SecretActions { rotate: on_rotate, revoke: on_revoke, busy } = actions;
    let interactive = use_interactive();
    let t = texts(kind);
    let confirm = RwSignal::new(None::<Pending>);
    let grace = RwSignal::new(0u64);
    let dialog = NodeRef::<html::Div>::new();
    let rotate_button = NodeRef::<html::Button>::new();
    let revoke_button = NodeRef::<html::Button>::new();
    let has_any = !credentials.is_empty();
    let heading_id = format!("secret-{}-heading", t.key);
    let section_label = heading_id.clone();
    let question_id = format!("secret-{}-question", t.key);
    let effect_id = format!("secret-{}-effect", t.key);

    // The confirmation takes the focus when it opens.
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            let _ = el.focus();
        }
    });
    let close = move || {
        let opener = if confirm.get_untracked() == Some(Pending::Revoke) { revoke_button } else { rotate_button };
        confirm.set(None);
        // The opener is shown again on the next render; focus it then.
        request_animation_frame(move || {
            if let Some(el) = opener.get_untracked() {
                let _ = el.focus();
            }
        });
    };
    let target = StoredValue::new(tenant.clone());
    let go = move |_| {
        match confirm.get_untracked() {
            Some(Pending::Rotate) => on_rotate.run((target.get_value(), grace.get_untracked())),
            Some(Pending::Revoke) => on_revoke.run(target.get_value()),
            None => {}
        }
        confirm.set(None);
        grace.set(0);
    };
    let question = {
        let tenant = tenant.clone();
        move || match confirm.get() {
            Some(Pending::Revoke) if kind == SecretKind::ClientSecret => {
                format!("Revoke the client secrets of tenant \"{tenant}\"?")
            }
            Some(Pending::Revoke) => format!("Revoke the {} of tenant \"{tenant}\"?", t.noun),
            _ if has_any => format!("Rotate the {} of tenant \"{tenant}\"?", t.noun),
            _ => format!("Generate a {} for tenant \"{tenant}\"?", t.noun),
        }
    };
    let effect = move || match confirm.get() {
        Some(Pending::Revoke) => t.revoke_effect,
        _ if has_any => {
            "A new secret is generated and shown once. Without a grace period the current one stops working at \
             once: enter the new one in the identity provider right away."
        }
        _ => "A new secret is generated and shown once: copy it into the identity provider.",
    };
    let disabled = move || !interactive.get() || busy.get();

    view! {
        <section class="secret-block" aria-labelledby=section_label>
            <h4 id=heading_id>{t.heading}</h4>
            <p class="hint">{t.about}</p>
            {if credentials.is_empty() {
                view! { <p data-testid=format!("no-{}", t.key)>{format!("No {} yet.", t.noun)}</p> }.into_any()
            } else {
                view! { <CredentialTable rows=credentials/> }.into_any()
            }}
            <div class="actions" hidden=move || confirm.get().is_some()>
                <button type="button" node_ref=rotate_button disabled=disabled
                    on:click=move |_| confirm.set(Some(Pending::Rotate))>
                    {if has_any { t.rotate } else { t.generate }}
                </button>
                {has_any.then(|| view! {
                    <button type="button" class="danger-outline" node_ref=revoke_button disabled=disabled
                        on:click=move |_| confirm.set(Some(Pending::Revoke))>
                        {t.revoke}
                    </button>
                })}
            </div>
            <Show when=move || confirm.get().is_some()>
                <div class="confirm" role="alertdialog" tabindex="-1" node_ref=dialog
                    aria-labelledby=question_id.clone() aria-describedby=effect_id.clone()
                    on:keydown=move |ev| if ev.key() == "Escape" { close() }>
                    <p class="question" id=question_id.clone()>{question.clone()}</p>
                    <p class="hint" id=effect_id.clone()>{effect}</p>
                    <Show when=move || has_any && confirm.get() == Some(Pending::Rotate)>
                        <label class="inline">
                            "Keep the previous secret working for"
                            <select on:change=move |ev| grace.set(event_target_value(&ev).parse().unwrap_or(0))>
                                {GRACE_PERIODS.into_iter().map(|(secs, label)| view! {
                                    <option value=secs.to_string() selected=move || grace.get() == secs>{label}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    </Show>
                    <div class="actions">
                        <button type="button" class=move || if confirm.get() == Some(Pending::Revoke) { "danger" } else { "" }
                            disabled=disabled on:click=go>
                            {move || match confirm.get() {
                                Some(Pending::Revoke) => "Revoke now",
                                _ if has_any => "Rotate now",
                                _ => "Generate now",
                            }}
                        </button>
                        <button type="button" class="secondary" on:click=move |_| close()>"Cancel"</button>
                    </div>
                </div>
            </Show>
        </section>
    }
}

/// The usable credentials of one kind; a superseded one in its grace period can be ended now.
#[component]
fn CredentialTable(rows: Vec<CredentialRow>) -> impl IntoView {
    let end_grace = expect_context::<ServerAction<EndGrace>>();
    let tenant = use_tenant();
    let end_now = move |id: String| {
        let short = id.chars().take(8).collect::<String>();
        let question = format!("Stop the previous secret (ID {short}) now? Clients still using it are refused.");
        view! {
            " "
            <ConfirmButton label=Signal::stored("End grace now".to_owned()) question=Signal::stored(question)
                confirm="End grace now" danger=true disabled=end_grace.pending()
                on_confirm=Callback::new(move |()| {
                    end_grace.dispatch(EndGrace { tenant: tenant.get_untracked(), credential_id: id.clone() });
                })/>
        }
    };
    view! {
        <div class="table-scroll"><table class="credentials">
            <thead><tr>
                <th scope="col">"Secret"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th>
                <th scope="col">"Expires"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|c| view! {
                    <tr>
                        <td><code>{c.hint}</code>" "<span class="hint">{format!("ID {}", c.id.chars().take(8).collect::<String>())}</span></td>
                        <td><When at=c.created_at.clone()/></td>
                        <td>{when_or(c.last_used_at, "never")}</td>
                        <td>{match c.expires_at {
                            Some(at) => view! {
                                <span class="badge off"><When at/>" (grace period)"</span>{end_now(c.id.clone())}
                            }.into_any(),
                            None => view! { "—" }.into_any(),
                        }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

/// The highlighted box that shows a new secret once.
#[component]
fn OneTimeSecret(secret: Signal<Option<NewSecret>>, on_dismiss: Callback<()>) -> impl IntoView {
    let node = NodeRef::<html::Div>::new();
    // The box takes the focus when it appears, so keyboard and screen-reader users land on it.
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            let _ = el.focus();
        }
    });
    move || {
        secret.get().map(|s| {
            let t = texts(s.kind);
            let label = format!("New {}", t.noun);
            let previous = match (s.superseded, s.previous_valid_until.clone()) {
                (0, _) => String::new(),
                (_, Some(until)) => format!("The previous one keeps working until {until}."),
                (_, None) => "The previous one was revoked.".to_owned(),
            };
            let text = s.secret.clone();
            view! {
                <div class="one-time" role="region" aria-label=label tabindex="-1" node_ref=node>
                    <p><strong>{format!("Your new {}. Copy it now: it will not be shown again.", t.noun)}</strong></p>
                    {s.client_id.map(|id| view! { <p>"Client ID: "<code>{id}</code></p> })}
                    <p class="secret-line">
                        <code class="secret" data-testid=format!("new-secret-{}", t.key)>{s.secret}</code>
                        <CopyButton text=Signal::derive(move || text.clone()) label=format!("Copy new {}", t.noun)/>
                    </p>
                    {(!previous.is_empty()).then(|| view! { <p class="hint">{previous}</p> })}
                    <button type="button" class="secondary" on:click=move |_| on_dismiss.run(())>"I have copied it"</button>
                </div>
            }
        })
    }
}

/// What a revocation did, in words.
fn revoked_text(n: u64, kind: SecretKind) -> String {
    let noun = texts(kind).noun;
    match n {
        0 => format!("There was no {noun} to revoke."),
        1 => format!("Revoked 1 {noun}."),
        n => format!("Revoked {n} {noun}s."),
    }
}

/// The outcome of the last revocation, or why a rotation or revocation failed.
#[component]
fn CredentialsStatus(status: RwSignal<Option<Result<String, AppError>>>) -> impl IntoView {
    view! {
        <p class="status-line" role="status">{move || status.get().and_then(Result::ok)}</p>
        {move || status.get().and_then(Result::err).map(|e| view! { <ErrorBox error=e/> })}
    }
}

/// Deletes every user and group of the tenant after the admin typed its exact name.
#[component]
fn DirectoryResetForm(tenant: Signal<String>, reset: ServerAction<ResetDirectory>) -> impl IntoView {
    let run = Callback::new(move |confirmation: String| {
        reset.dispatch(ResetDirectory { tenant: tenant.get_untracked(), confirmation });
    });
    view! {
        <p class="hint">
            "Deletes every user and group of this tenant, for a fresh full sync: the identity provider \
             creates them again on its next full cycle (Entra ID: Restart provisioning). Settings, \
             credentials and logs stay. This cannot be undone."
        </p>
        <TypedConfirm tenant pending=reset.pending().into() on_confirm=run
            button=Signal::derive(move || format!("Reset the directory of tenant \"{}\"", tenant.get()))/>
        {move || reset.value().get().map(|outcome| match outcome {
            Ok(done) => view! {
                <p role="status">{format!("Deleted {} user(s) and {} group(s).", done.users, done.groups)}</p>
            }.into_any(),
            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
        })}
    }
}
