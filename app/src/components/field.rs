//! Form fields: a label, its control, a hint and the field's error, tied together by ids, so
//! every form gives screen readers the same description of a control (`for=`,
//! `aria-describedby`, `aria-invalid`); a checkbox with its hint; and the search box above a
//! list.

use crate::error::sentence;
use leptos::prelude::*;

/// One field: `<div class="field">` holding the label, the control (the children: one input,
/// select or textarea), the hint `{id}-hint` and the error `{id}-error` (an alert).
///
/// The control gets its `id`, the `aria-describedby` of the hint, the error and `described_by`,
/// and — when the field has an `error` — `aria-invalid` while there is one: write them not on
/// the control itself.
///
/// The hint and the error are reference-counted signals (`ArcSignal`), not arena ones: a field
/// inside a `Transition` stays on screen while its replacement loads, after the owner that built
/// its props is gone, and its attributes still follow the page's signals meanwhile.
#[component]
pub fn Field(
    /// The control's id.
    id: &'static str,
    /// The label's text.
    label: &'static str,
    /// The hint below the control.
    #[prop(optional, into)]
    hint: Option<ArcSignal<String>>,
    /// Why the field is refused, for a field that can be (empty while it is not).
    #[prop(optional, into)]
    error: Option<ArcSignal<Option<String>>>,
    /// The ids of other elements that describe the control, separated by spaces.
    #[prop(optional)]
    described_by: &'static str,
    /// Classes beside `field`.
    #[prop(optional)]
    class: &'static str,
    /// What follows the error inside the field (a longer hint, a datalist, actions).
    #[prop(optional, into)]
    after: Option<ViewFnOnce>,
    /// The control.
    children: Children,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let describing = [hint.is_some().then_some(hint_id.as_str()), error.is_some().then_some(error_id.as_str())];
    let described = describing.into_iter().flatten().chain((!described_by.is_empty()).then_some(described_by));
    let described = described.collect::<Vec<_>>().join(" ");
    let validity = error.clone();
    let invalid = move || validity.as_ref().map(|e| if e.with(Option::is_some) { "true" } else { "false" });
    let attrs =
        view! { <{..} id=id aria-describedby=(!described.is_empty()).then_some(described) aria-invalid=invalid/> };
    let class = if class.is_empty() { "field".to_owned() } else { format!("field {class}") };
    view! {
        <div class=class>
            <label for=id>{label}</label>
            {children().add_any_attr(attrs)}
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            {error.map(|error| {
                let text = move || error.with(|e| e.as_deref().map(sentence));
                view! { <p class="field-error" id=error_id role="alert">{text}</p> }
            })}
            {after.map(ViewFnOnce::run)}
        </div>
    }
}

/// A checkbox inside its label, bound to `checked`; with a `hint`, in a field of its own with
/// the hint below (`{id}-hint`, describing the checkbox).
#[component]
pub fn Checkbox(
    /// The label's text.
    label: &'static str,
    /// Whether it is checked.
    checked: RwSignal<bool>,
    /// The checkbox's id (its hint's id is made from it).
    #[prop(optional)]
    id: Option<&'static str>,
    /// What checking it does.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Whether it cannot be changed now.
    #[prop(optional, into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let hint_id = id.filter(|_| hint.is_some()).map(|id| format!("{id}-hint"));
    let check = view! {
        <label class="check">
            <input type="checkbox" id=id aria-describedby=hint_id.clone() disabled=move || disabled.get()
                prop:checked=move || checked.get() on:change=move |ev| checked.set(event_target_checked(&ev))/>
            {label}
        </label>
    };
    match hint {
        None => check.into_any(),
        Some(hint) => view! {
            <div class="field">
                {check}
                <p class="hint indent" id=hint_id>{hint}</p>
            </div>
        }
        .into_any(),
    }
}

/// The search box above a list: typing into it changes `value` and runs `on_input` (e.g. back
/// to the first page). The children follow the box (e.g. export links).
#[component]
pub fn SearchBox(
    /// The box's id.
    id: &'static str,
    /// The label's text.
    label: &'static str,
    /// What may be typed.
    placeholder: &'static str,
    /// What is typed.
    value: RwSignal<String>,
    /// Runs after every change.
    #[prop(into)]
    on_input: Callback<()>,
    /// What follows the box.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="search">
            <label for=id>{label}</label>
            <input id=id type="search" autocomplete="off" placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    on_input.run(());
                }/>
            {children.map(|children| children())}
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use leptos::prelude::*;

    use super::{Checkbox, Field};

    /// The server's HTML of `view`, without the hydration markers.
    fn html(view: impl FnOnce() -> AnyView) -> String {
        let owner = Owner::new();
        owner.set();
        view().to_html().replace("<!>", "")
    }

    #[test]
    fn the_control_carries_the_ids_of_its_label_hint_and_error() {
        let page = html(|| {
            let error = RwSignal::new(Some("Refused.".to_owned()));
            view! { <Field id="f" label="F" hint="A hint." error=error described_by="other"><input type="text"/></Field> }
                .into_any()
        });
        assert!(page.contains(r#"<label for="f">F</label>"#), "{page}");
        assert!(page.contains(r#"id="f""#), "{page}");
        assert!(page.contains(r#"aria-describedby="f-hint f-error other""#), "{page}");
        assert!(page.contains(r#"aria-invalid="true""#), "{page}");
        assert!(page.contains(r#"<p id="f-hint" class="hint">A hint.</p>"#), "{page}");
        assert!(page.contains(r#"<p id="f-error" role="alert" class="field-error">Refused.</p>"#), "{page}");
    }

    #[test]
    fn a_plain_field_has_neither_description_nor_validity() {
        let page = html(|| view! { <Field id="g" label="G" class="wide"><select></select></Field> }.into_any());
        assert!(page.starts_with(r#"<div class="field wide">"#), "{page}");
        assert!(page.contains(r#"<select id="g""#), "{page}");
        assert!(!page.contains("aria-"), "{page}");
        assert!(!page.contains("<p"), "{page}");
    }

    #[test]
    fn a_field_that_may_be_refused_is_valid_until_it_is() {
        let page = html(|| {
            let error = ArcSignal::stored(None::<String>);
            view! { <Field id="h" label="H" error><input/></Field> }.into_any()
        });
        assert!(page.contains(r#"aria-describedby="h-error""#), "{page}");
        assert!(page.contains(r#"aria-invalid="false""#), "{page}");
    }

    #[test]
    fn a_checkbox_hint_describes_it() {
        let page = html(|| {
            let checked = RwSignal::new(true);
            view! { <Checkbox id="c" label="C" checked hint="What it does."/> }.into_any()
        });
        assert!(page.contains(r#"aria-describedby="c-hint""#), "{page}");
        assert!(page.contains(r#"<p id="c-hint" class="hint indent">What it does.</p>"#), "{page}");
        let plain = html(|| {
            let checked = RwSignal::new(false);
            view! { <Checkbox label="D" checked/> }.into_any()
        });
        assert!(plain.starts_with(r#"<label class="check">"#), "{plain}");
        assert!(!plain.contains("aria-"), "{plain}");
    }
}
