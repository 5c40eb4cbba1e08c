//! `/tenants/:tenant/integrations/scim/mappers`: the attribute mappers of a tenant's SCIM
//! integration — which SCIM attribute fills which internal user attribute, with which JSON type,
//! in which tokens — with an editor that checks the token claim as it is typed, the Microsoft
//! Entra ID defaults, the progress of re-deriving existing users after a change, and export and
//! import between tenants.
//!
//! The table reloads after every change; the form, the import text and the exported JSON live
//! outside it, so what is typed survives a refusal. Re-derivation progress is polled in the
//! browser only, from a resource of its own, so polling never rebuilds the table.

use std::time::Duration;

use leptos::html;
use leptos::prelude::*;
use scim::mapping::{entra_source, inversion_warning, parse_claim, ClaimType, MapperSpec, CUSTOM_EXTENSION_URN};

use crate::api::{
    get_mapper_panel, ApplyAzureDefaults, DeleteMapper, ExportMappers, ImportMappers, MapperForm, SaveMapper,
    IMPORT_FIELD,
};
use crate::components::confirm_button::ConfirmButton;
use crate::components::copy_button::CopyButton;
use crate::components::download_link::DownloadLink;
use crate::components::error_box::ErrorBox;
use crate::components::field::{Checkbox, Field};
use crate::components::polling::use_polling;
use crate::components::scim_tabs::ScimTabs;
use crate::components::use_interactive;
use crate::dto::{FormOutcome, MapperPanel, MapperRow, RederiveProgress};
use crate::error::AppError;
use crate::pages::tenant::use_tenant;

/// How often the progress of a re-derivation is asked for.
const POLL: Duration = Duration::from_millis(1500);

/// What the editor below the table shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Editor {
    /// Nothing.
    Closed,
    /// "Add mapper": how to add it (`azure`: the tenant's profile is Microsoft Entra ID).
    Choosing {
        /// The tenant's profile is Microsoft Entra ID.
        azure: bool,
    },
    /// The form, for a new mapper (`id` None) or a stored one.
    Form {
        /// The mapper edited, if it is stored.
        id: Option<String>,
        /// The stored name (the form's heading).
        title: String,
        /// The fields as they start.
        initial: MapperForm,
        /// The tenant's profile is Microsoft Entra ID (the form names Entra's sources).
        azure: bool,
    },
}

/// The actions of the page, shared by its parts.
#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveMapper>,
    delete: ServerAction<DeleteMapper>,
    defaults: ServerAction<ApplyAzureDefaults>,
    import: ServerAction<ImportMappers>,
    export: ServerAction<ExportMappers>,
}

/// What a form's last submission came to. The page takes it from the action once, in its own
/// long-lived owner, and hands it down: `ServerAction::value` makes a new arena handle in the
/// caller's owner, and a child inside a `Transition` is disposed when the panel reloads while
/// its view, still on screen until the new one is ready, keeps reading the handle.
type Submitted<T> = MappedSignal<Option<Result<FormOutcome<T>, AppError>>>;

/// The page.
#[component]
pub fn MappersPage() -> impl IntoView {
    let tenant = use_tenant();
    let actions = Actions {
        save: ServerAction::new(),
        delete: ServerAction::new(),
        defaults: ServerAction::new(),
        import: ServerAction::new(),
        export: ServerAction::new(),
    };
    let Actions { save, delete, defaults, import, export } = actions;
    let (saved, imported) = (save.value(), import.value());
    let changes =
        move || (save.version().get(), delete.version().get(), defaults.version().get(), import.version().get());
    let panel = Resource::new(move || (tenant.get(), changes()), |(tenant, _)| get_mapper_panel(tenant));
    // Polled while existing users are re-derived (only in the browser).
    let (running, set_running) = signal(false);
    let tick = use_polling(move || running.get(), POLL);
    let progress =
        Resource::new(move || (tenant.get(), changes(), tick.get()), |(tenant, ..)| get_mapper_panel(tenant));
    Effect::new(move |_| set_running.set(progress.get().and_then(Result::ok).is_some_and(|p| p.rederive.is_some())));

    let editor = RwSignal::new(Editor::Closed);
    let status = RwSignal::new(None::<String>);
    let deleting = RwSignal::new(String::new());
    let import_json = RwSignal::new(String::new());
    let import_replace = RwSignal::new(false);

    Effect::new(move |_| {
        if let Some(Ok(FormOutcome::Saved(row))) = saved.get() {
            status.set(Some(format!("Saved mapper \"{}\".", row.spec.name)));
            editor.set(Editor::Closed);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            status.set(Some(format!("Deleted mapper \"{}\".", deleting.get_untracked())));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(FormOutcome::Saved(_))) = imported.get() {
            import_json.set(String::new());
            import_replace.set(false);
        }
    });
    // An export shows the mappers as they were: a change makes it stale, so it goes.
    Effect::new(move |previous: Option<_>| {
        let now = changes();
        if previous.is_some_and(|p| p != now) {
            export.clear();
        }
        now
    });

    view! {
        <ScimTabs tenant/>
        <h3 class="page-heading">"Mappers"</h3>
        <p class="hint">
            "Mappers turn the SCIM users the identity provider sends into the user attributes of your platform: each \
             reads one SCIM attribute (its token claim) and stores it under an internal user attribute, with a JSON \
             type, and says which tokens carry it as a claim. After a change, existing users are re-derived."
        </p>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                progress.await.ok().and_then(|p| p.rederive).map(|r| view! { <Progress progress=r/> })
            })}
        </Transition>
        <p class="status-line" role="status">{move || status.get()}</p>
        {move || delete.value().get().and_then(Result::err).map(|e| view! { <ErrorBox error=e/> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match panel.await {
                    Ok(data) => view! { <MapperList data actions editor status deleting/> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
        // Outside the reloading parts: what is typed in the form survives a refusal.
        <EditorArea tenant editor save saved/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                panel.await.ok().map(|data| view! {
                    {(data.azure && data.can_change).then(|| view! { <EntraDefaults tenant=data.tenant.clone() defaults/> })}
                    <Portability tenant=data.tenant can_change=data.can_change export import imported import_json import_replace/>
                })
            })}
        </Transition>
    }
}

/// "Re-deriving existing users: done of total", with a progress bar.
#[component]
fn Progress(progress: RederiveProgress) -> impl IntoView {
    let RederiveProgress { done, total } = progress;
    view! {
        <div class="rederive">
            <label for="rederive-progress">{format!("Re-deriving existing users: {done} of {total}")}</label>
            <progress id="rederive-progress" max=total.max(1).to_string() value=done.to_string()>
                {format!("{done} of {total}")}
            </progress>
        </div>
    }
}

/// A ✓ for a toggle that is on (and words for screen readers).
fn flag(on: bool) -> impl IntoView {
    view! {
        <td class="flag">
            <span aria-hidden="true">{if on { "✓" } else { "–" }}</span>
            <span class="visually-hidden">{if on { "yes" } else { "no" }}</span>
        </td>
    }
}

/// The table of mappers and, for those who may change them, "Add mapper".
#[component]
fn MapperList(
    data: MapperPanel,
    actions: Actions,
    editor: RwSignal<Editor>,
    status: RwSignal<Option<String>>,
    deleting: RwSignal<String>,
) -> impl IntoView {
    let interactive = use_interactive();
    let Actions { save, delete, .. } = actions;
    let MapperPanel { tenant, azure, can_change, mappers, .. } = data;
    let tenant = StoredValue::new(tenant);
    let show_entra = azure || mappers.iter().any(|m| m.entra_source.is_some());
    let open = move |next: Editor| {
        save.clear();
        status.set(None);
        editor.set(next);
    };
    let row = move |m: MapperRow| {
        let MapperRow { id, spec, entra_source } = m;
        let name = spec.name.clone();
        let edit =
            Editor::Form { id: Some(id.clone()), title: spec.name.clone(), initial: MapperForm::of(&spec), azure };
        let question = format!(
            "Delete mapper \"{name}\" of tenant \"{}\"? Existing users lose its attribute.",
            tenant.get_value()
        );
        let remove = {
            let (id, name) = (id.clone(), name.clone());
            Callback::new(move |()| {
                deleting.set(name.clone());
                status.set(None);
                // The form of a deleted mapper would save a new one: close it.
                if matches!(editor.get_untracked(), Editor::Form { id: Some(ref edited), .. } if *edited == id) {
                    editor.set(Editor::Closed);
                }
                delete.dispatch(DeleteMapper { tenant: tenant.get_value(), id: id.clone() });
            })
        };
        view! {
            <tr data-mapper=spec.user_attribute.clone()>
                <th scope="row">{spec.name.clone()}</th>
                <td>{spec.user_attribute.clone()}</td>
                <td class="claim-cell"><code class="claim">{spec.claim.clone()}</code></td>
                <td>{spec.json_type.label()}{spec.invert.then_some(", inverted")}</td>
                {flag(spec.multivalued)}
                {flag(spec.id_token)}
                {flag(spec.access_token)}
                {flag(spec.userinfo)}
                {flag(spec.introspection)}
                {show_entra.then(|| view! {
                    <td>{entra_source.map(|s| view! { <span class="badge">{format!("Entra: {s}")}</span> })}</td>
                })}
                {can_change.then(|| view! {
                    <td class="row-actions">
                        <button type="button" class="secondary small" disabled=move || !interactive.get()
                            on:click=move |_| open(edit.clone())>
                            "Edit"<span class="visually-hidden">{format!(" mapper {name}")}</span>
                        </button>
                        <ConfirmButton label=Signal::stored("Delete".to_owned()) question=Signal::stored(question)
                            confirm="Delete now" danger=true disabled=delete.pending() on_confirm=remove/>
                    </td>
                })}
            </tr>
        }
    };
    view! {
        {can_change.then(|| view! {
            <div class="actions toolbar">
                <button type="button" disabled=move || !interactive.get() on:click=move |_| open(Editor::Choosing { azure })>
                    "Add mapper"
                </button>
            </div>
        })}
        {(!can_change).then(|| view! {
            <p class="hint" data-testid="mappers-read-only">"You have read-only access: you may look at the mappers and export them."</p>
        })}
        {if mappers.is_empty() {
            view! {
                <p data-testid="no-mappers">
                    {if azure {
                        "No mappers yet: add one, or apply the Microsoft Entra ID defaults below."
                    } else {
                        "No mappers yet."
                    }}
                </p>
            }.into_any()
        } else {
            view! {
                <div class="table-scroll">
                    <table class="mappers" aria-label="Mappers">
                        <thead><tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"User attribute"</th>
                            <th scope="col">"Token claim"</th>
                            <th scope="col">"Claim JSON type"</th>
                            <th scope="col">"Multivalued"</th>
                            <th scope="col">"ID token"</th>
                            <th scope="col">"Access token"</th>
                            <th scope="col">"Userinfo"</th>
                            <th scope="col">"Introspection"</th>
                            {show_entra.then(|| view! { <th scope="col">"Entra source"</th> })}
                            {can_change.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                        </tr></thead>
                        <tbody>{mappers.into_iter().map(row).collect_view()}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

/// The editor below the table: the choice of how to add a mapper, or the form.
#[component]
fn EditorArea(
    tenant: Signal<String>,
    editor: RwSignal<Editor>,
    save: ServerAction<SaveMapper>,
    saved: Submitted<MapperRow>,
) -> impl IntoView {
    move || match editor.get() {
        Editor::Closed => ().into_any(),
        Editor::Choosing { azure } => view! { <AddChoice azure editor/> }.into_any(),
        Editor::Form { id, title, initial, azure } => {
            view! { <MapperEditor tenant=tenant.get_untracked() id title initial azure editor save saved/> }.into_any()
        }
    }
}

/// "Add mapper": by configuration (the only way so far).
#[component]
fn AddChoice(azure: bool, editor: RwSignal<Editor>) -> impl IntoView {
    let first = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(el) = first.get() {
            let _ = el.focus();
        }
    });
    let configure =
        move |_| editor.set(Editor::Form { id: None, title: String::new(), initial: MapperForm::default(), azure });
    view! {
        <section class="editor" aria-labelledby="add-mapper-heading">
            <h3 id="add-mapper-heading">"Add mapper"</h3>
            <p class="hint">"How do you want to add it?"</p>
            <div class="choices">
                <button type="button" class="choice" node_ref=first on:click=configure aria-describedby="by-configuration-hint">
                    "By configuration"
                </button>
                <p class="hint" id="by-configuration-hint">"Choose the mapper type, then set its fields one by one."</p>
            </div>
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| editor.set(Editor::Closed)>"Cancel"</button>
            </div>
        </section>
    }
}

/// The mapper form: a new one (`id` None) or a stored one.
#[component]
fn MapperEditor(
    tenant: String,
    id: Option<String>,
    title: String,
    initial: MapperForm,
    azure: bool,
    editor: RwSignal<Editor>,
    save: ServerAction<SaveMapper>,
    saved: Submitted<MapperRow>,
) -> impl IntoView {
    let interactive = use_interactive();
    let editing = id.is_some();
    let name = RwSignal::new(initial.name.clone());
    let user_attribute = RwSignal::new(initial.user_attribute.clone());
    let claim = RwSignal::new(initial.claim.clone());
    let json_type = RwSignal::new(initial.json_type.clone());
    let multivalued = RwSignal::new(initial.multivalued);
    let invert = RwSignal::new(initial.invert);
    let id_token = RwSignal::new(initial.id_token);
    let access_token = RwSignal::new(initial.access_token);
    let userinfo = RwSignal::new(initial.userinfo);
    let introspection = RwSignal::new(initial.introspection);
    // What was sent last: the server's refusal of a field shows while the field still holds it.
    let sent = RwSignal::new(None::<MapperForm>);
    let name_input = NodeRef::<html::Input>::new();
    let attribute_input = NodeRef::<html::Input>::new();
    let claim_input = NodeRef::<html::Input>::new();
    let type_input = NodeRef::<html::Select>::new();

    let form = move || MapperForm {
        name: name.get_untracked(),
        user_attribute: user_attribute.get_untracked(),
        claim: claim.get_untracked(),
        json_type: json_type.get_untracked(),
        multivalued: multivalued.get_untracked(),
        invert: invert.get_untracked(),
        id_token: id_token.get_untracked(),
        access_token: access_token.get_untracked(),
        userinfo: userinfo.get_untracked(),
        introspection: introspection.get_untracked(),
    };
    // The claim is checked in the browser with the server's own rules, as it is typed.
    let claim_problem = move || {
        let text = claim.get();
        let text = text.trim();
        if text.is_empty() {
            None
        } else {
            parse_claim(text).err()
        }
    };
    let value = saved;
    let refused = move |field: &'static str, unchanged: bool| {
        if unchanged {
            value.with(|v| FormOutcome::refusal(v, field))
        } else {
            None
        }
    };
    let sent_has =
        move |pick: fn(&MapperForm) -> &String, now: String| sent.with(|s| s.as_ref().is_some_and(|s| *pick(s) == now));
    let name_error = move || refused(MapperSpec::NAME, sent_has(|f| &f.name, name.get()));
    let attribute_error =
        move || refused(MapperSpec::USER_ATTRIBUTE, sent_has(|f| &f.user_attribute, user_attribute.get()));
    let claim_error =
        move || claim_problem().or_else(|| refused(MapperSpec::CLAIM, sent_has(|f| &f.claim, claim.get())));
    let type_error = move || {
        let unchanged = sent_has(|f| &f.json_type, json_type.get());
        refused(MapperSpec::JSON_TYPE, unchanged).or_else(|| refused(MapperSpec::INVERT, unchanged))
    };
    // Storing `active` into an attribute named for its opposite without inverting: warn, offer it.
    let inversion = move || {
        let spec = MapperSpec {
            user_attribute: user_attribute.get().trim().to_owned(),
            claim: claim.get().trim().to_owned(),
            json_type: ClaimType::parse(&json_type.get()).unwrap_or(ClaimType::String),
            invert: invert.get(),
            ..MapperSpec::new("", "", ClaimType::String)
        };
        inversion_warning(&spec)
    };
    let boolean = move || json_type.get() == ClaimType::Boolean.as_str();
    let other_error = move || value.get().and_then(Result::err);
    let entra_hint = move || {
        let text = claim.get();
        let source = if azure { entra_source(text.trim()) } else { None };
        source.map(|source| format!("In Microsoft Entra ID's default attribute mappings, this comes from {source}."))
    };

    // The form takes the focus when it opens; a refused field takes it after a save.
    Effect::new(move |_| {
        if let Some(el) = name_input.get() {
            let _ = el.focus();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(FormOutcome::Refused { field, .. })) = value.get() {
            // Focus is a courtesy: a failure to focus changes nothing.
            let _ = match field.as_str() {
                MapperSpec::USER_ATTRIBUTE => attribute_input.get_untracked().map(|el| el.focus()),
                MapperSpec::CLAIM => claim_input.get_untracked().map(|el| el.focus()),
                MapperSpec::JSON_TYPE => type_input.get_untracked().map(|el| el.focus()),
                _ => name_input.get_untracked().map(|el| el.focus()),
            };
        }
    });

    let tenant = StoredValue::new(tenant);
    let id = StoredValue::new(id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = claim.get_untracked();
        if parse_claim(text.trim()).is_err() {
            if let Some(el) = claim_input.get_untracked() {
                let _ = el.focus();
            }
            return;
        }
        let form = form();
        sent.set(Some(form.clone()));
        save.dispatch(SaveMapper { tenant: tenant.get_value(), id: id.get_value(), form });
    };
    // An empty claim has its message only once Save was tried.
    let tried = RwSignal::new(false);
    let claim_message = move || {
        claim_error()
            .or_else(|| (tried.get() && claim.get().trim().is_empty()).then(|| parse_claim("").err()).flatten())
    };
    let heading = if editing { format!("Edit mapper \"{title}\"") } else { "Add mapper".to_owned() };
    let custom_example = format!("{CUSTOM_EXTENSION_URN}:tag");
    // The claim's longer hint, after its error.
    let claim_hint = move || {
        view! {
            <div class="hint" id="mapper-claim-hint">
                "The SCIM attribute it reads:"
                <ul>
                    <li>"core User attribute: "<code>"name.givenName"</code>", "<code>"userName"</code>", "<code>"active"</code></li>
                    <li>"enterprise extension: "<code>"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"</code></li>
                    <li>"custom extension: "<code>{custom_example}</code></li>
                    <li><code>"email"</code>" is an alias of the primary email (else the work one, else the first)."</li>
                </ul>
            </div>
            <p class="hint entra" id="mapper-claim-entra">{entra_hint}</p>
        }
    };

    view! {
        <section class="editor" aria-labelledby="mapper-form-heading">
            <h3 id="mapper-form-heading">{heading}</h3>
            <form class="form mapper-form" on:submit=submit>
                <Field id="mapper-type" label="Mapper type"
                    hint="Reads one SCIM attribute of the user and stores it as an internal user attribute.">
                    <select disabled>
                        <option value="userAttribute" selected>"User Attribute"</option>
                    </select>
                </Field>
                <Field id="mapper-name" label="Name" error=name_error>
                    <input type="text" node_ref=name_input required maxlength="100" autocomplete="off" spellcheck="false"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </Field>
                <Field id="mapper-user-attribute" label="User attribute" error=attribute_error
                    hint="The internal attribute it fills, and the name the tokens carry its value under: a letter, then \
                          letters, digits, '_', '.' or '-'. One mapper per attribute.">
                    <input type="text" node_ref=attribute_input required maxlength="100" autocomplete="off" spellcheck="false"
                        placeholder="firstName"
                        prop:value=move || user_attribute.get() on:input=move |ev| user_attribute.set(event_target_value(&ev))/>
                </Field>
                <Field id="mapper-claim" label="Token claim" error=claim_message
                    described_by="mapper-claim-hint mapper-claim-entra" after=claim_hint>
                    <input type="text" node_ref=claim_input required maxlength="300" autocomplete="off" spellcheck="false"
                        placeholder="name.givenName"
                        prop:value=move || claim.get() on:input=move |ev| claim.set(event_target_value(&ev))/>
                </Field>
                <Field id="mapper-json-type" label="Claim JSON type" error=type_error>
                    <select node_ref=type_input on:change=move |ev| json_type.set(event_target_value(&ev))>
                        {ClaimType::ALL.into_iter().map(|t| view! {
                            <option value=t.as_str() prop:selected=move || json_type.get() == t.as_str()>{t.label()}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <Checkbox id="mapper-invert" label="Invert" checked=invert disabled=Signal::derive(move || !boolean())
                    hint="Boolean only: stores the opposite value, for an attribute that says the opposite of its claim \
                          (as Entra ID's Not([IsSoftDeleted]) does for active)."/>
                {move || inversion().map(|warning| view! {
                    <div class="alert warn" role="status" data-testid="mapper-inversion-warning">
                        <p>{warning}</p>
                        <button type="button" class="secondary" on:click=move |_| invert.set(true)>"Invert it"</button>
                    </div>
                })}
                <Checkbox id="mapper-multivalued" label="Multivalued" checked=multivalued
                    hint="On: every value, as a JSON array (e.g. all emails). Off: one value (of a list, the primary one, else the first)."/>
                <fieldset class="field">
                    <legend>"Tokens that carry the claim"</legend>
                    <Checkbox label="Add to ID token" checked=id_token/>
                    <Checkbox label="Add to access token" checked=access_token/>
                    <Checkbox label="Add to userinfo" checked=userinfo/>
                    <Checkbox label="Add to token introspection" checked=introspection/>
                </fieldset>
                <div class="actions">
                    <button type="submit" on:click=move |_| tried.set(true)
                        disabled=move || !interactive.get() || save.pending().get() || claim_problem().is_some()>
                        "Save"
                    </button>
                    <button type="button" class="secondary" on:click=move |_| editor.set(Editor::Closed)>"Cancel"</button>
                </div>
                {move || other_error().map(|e| view! { <ErrorBox error=e/> })}
            </form>
        </section>
    }
}

/// "Apply Microsoft Entra ID defaults" (Azure profile; administrators who may change).
#[component]
fn EntraDefaults(tenant: String, defaults: ServerAction<ApplyAzureDefaults>) -> impl IntoView {
    let interactive = use_interactive();
    let tenant = StoredValue::new(tenant);
    let outcome = move || {
        defaults.value().get().map(|result| match result {
            Ok(1) => view! { <p class="saved" role="status">"Created 1 mapper."</p> }.into_any(),
            Ok(0) => view! {
                <p class="saved" role="status">"Created 0 mappers: every user attribute of the defaults is already mapped."</p>
            }
            .into_any(),
            Ok(n) => view! { <p class="saved" role="status">{format!("Created {n} mappers.")}</p> }.into_any(),
            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
        })
    };
    view! {
        <section class="panel" aria-labelledby="entra-defaults-heading">
            <h3 id="entra-defaults-heading">"Microsoft Entra ID defaults"</h3>
            <p class="hint">
                "Creates the seven mappers of Microsoft Entra ID's setup guide — status, loginName, firstName, manager, \
                 lastName, tag and email — from the attributes Entra sends by default. A user attribute that already \
                 has a mapper is skipped, so nothing you configured is changed."
            </p>
            <div class="actions">
                <button type="button" class="secondary"
                    disabled=move || !interactive.get() || defaults.pending().get()
                    on:click=move |_| { defaults.dispatch(ApplyAzureDefaults { tenant: tenant.get_value() }); }>
                    "Apply Microsoft Entra ID defaults"
                </button>
            </div>
            {outcome}
        </section>
    }
}

/// Export (everyone) and import (administrators who may change) of the mappers as JSON.
#[component]
fn Portability(
    tenant: String,
    can_change: bool,
    export: ServerAction<ExportMappers>,
    import: ServerAction<ImportMappers>,
    imported: Submitted<u32>,
    import_json: RwSignal<String>,
    import_replace: RwSignal<bool>,
) -> impl IntoView {
    let interactive = use_interactive();
    let file_name = format!("{tenant}-mappers.json");
    let tenant = StoredValue::new(tenant);
    let exported = move || export.value().get();
    let import_value = imported;
    let import_refused = move || import_value.with(|v| FormOutcome::refusal(v, IMPORT_FIELD));
    let imported_message = move || match import_value.get() {
        Some(Ok(FormOutcome::Saved(1))) => Some("Imported 1 mapper.".to_owned()),
        Some(Ok(FormOutcome::Saved(n))) => Some(format!("Imported {n} mappers.")),
        _ => None,
    };
    let import_error = move || import_value.get().and_then(Result::err);
    let submit_import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        import.dispatch(ImportMappers {
            tenant: tenant.get_value(),
            json: import_json.get_untracked(),
            replace: import_replace.get_untracked(),
        });
    };
    let show_export = move || {
        let file_name = file_name.clone();
        exported().map(move |result| match result {
            Ok(json) => {
                let text = Signal::stored(json.clone());
                view! {
                    <Field id="mappers-export" label="Exported mappers" class="export" after=move || view! {
                        <div class="actions">
                            <CopyButton text label="Copy exported mappers"/>
                            <DownloadLink text file_name=file_name/>
                        </div>
                    }>
                        <textarea readonly rows="12" spellcheck="false" prop:value=json></textarea>
                    </Field>
                }
                .into_any()
            }
            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
        })
    };
    view! {
        <section class="panel" aria-labelledby="mappers-portability-heading">
            <h3 id="mappers-portability-heading">"Export and import"</h3>
            <p class="hint">"Copy the mappers to another tenant: export them here as JSON, import them there."</p>
            <div class="actions">
                <button type="button" class="secondary"
                    disabled=move || !interactive.get() || export.pending().get()
                    on:click=move |_| { export.dispatch(ExportMappers { tenant: tenant.get_value() }); }>
                    "Export mappers"
                </button>
            </div>
            {show_export}
            {can_change.then(|| view! {
                <form class="form import" on:submit=submit_import>
                    <h4>"Import mappers"</h4>
                    <Field id="mappers-import" label="Mappers JSON" error=import_refused
                        hint="A JSON array of mappers as \"Export mappers\" gives it. All or nothing: if one is refused, none is stored.">
                        <textarea rows="8" spellcheck="false" required
                            placeholder="[{\"name\": \"firstName\", \"userAttribute\": \"firstName\", \"claim\": \"name.givenName\", \"jsonType\": \"String\"}]"
                            prop:value=move || import_json.get()
                            on:input=move |ev| import_json.set(event_target_value(&ev))></textarea>
                    </Field>
                    <Checkbox label="Replace existing mappers" checked=import_replace/>
                    <div class="actions">
                        <button type="submit" disabled=move || !interactive.get() || import.pending().get()>"Import"</button>
                        <span class="saved" role="status">{imported_message}</span>
                    </div>
                    {move || import_error().map(|e| view! { <ErrorBox error=e/> })}
                </form>
            })}
        </section>
    }
}
