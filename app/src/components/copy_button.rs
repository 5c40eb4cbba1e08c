//! A button that copies a value to the clipboard (`navigator.clipboard.writeText`) and says
//! whether that worked, for screen readers too.

use leptos::prelude::*;

/// Copies `text` to the clipboard; `done` learns whether it worked. Does nothing on the server.
fn copy_text(text: &str, done: impl Fn(bool) + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::prelude::*;

        #[wasm_bindgen]
        extern "C" {
            /// The promise `writeText` returns.
            type WritePromise;
            #[wasm_bindgen(catch, js_namespace = ["navigator", "clipboard"], js_name = writeText)]
            fn write_text(text: &str) -> Result<WritePromise, JsValue>;
            #[wasm_bindgen(method, js_name = then)]
            fn then_either(this: &WritePromise, ok: &JsValue, err: &JsValue) -> WritePromise;
        }

        // Without a clipboard (an insecure context) writeText is missing and the call throws;
        // a refused permission rejects the promise. Both end as "not copied", never as an
        // unhandled error.
        match write_text(text) {
            Ok(promise) => {
                let failed = done.clone();
                let ok = Closure::once_into_js(move |_: JsValue| done(true));
                let err = Closure::once_into_js(move |_: JsValue| failed(false));
                promise.then_either(&ok, &err);
            }
            Err(_) => done(false),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        done(false);
    }
}

/// "Copy", with an accessible name that says what is copied (`label`, e.g. "Copy SCIM
/// endpoint") and a polite status message after the click.
#[component]
pub fn CopyButton(
    /// What is copied.
    #[prop(into)]
    text: Signal<String>,
    /// The button's accessible name.
    #[prop(into)]
    label: String,
    /// Disabled until the page is interactive.
    #[prop(into, optional)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let click = move |_| {
        copied.set(None);
        copy_text(&text.get_untracked(), move |ok| copied.set(Some(ok)));
    };
    view! {
        <span class="copy">
            <button type="button" class="secondary small" aria-label=label on:click=click disabled=move || disabled.get()>
                "Copy"
            </button>
            <span class="copy-status" role="status">
                {move || match copied.get() {
                    Some(true) => "Copied",
                    Some(false) => "Not copied: select the text and copy it by hand",
                    None => "",
                }}
            </span>
        </span>
    }
}
