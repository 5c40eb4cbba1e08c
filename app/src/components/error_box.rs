//! How a failed server call is shown.

use leptos::prelude::*;

use crate::error::AppError;

/// A readable error message, with a sign-in link when the session has ended, and a link to the
/// tenant a wrong-case tenant name meant.
#[component]
pub fn ErrorBox(error: AppError) -> impl IntoView {
    let sign_in = matches!(error, AppError::Unauthenticated);
    let meant = match &error {
        AppError::TenantInOtherCase(name) => Some(name.clone()),
        _ => None,
    };
    let text = error.sentence();
    view! {
        <div class="alert" role="alert">
            <p>{text}</p>
            <Show when=move || sign_in>
                <a href="/login" rel="external">"Sign in"</a>
            </Show>
            {meant.map(|name| view! {
                <a href=format!("/tenants/{}", form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>())>
                    {format!("Open tenant {name}")}
                </a>
            })}
        </div>
    }
}
