//! `/login`: the way in, through the configured OpenID provider.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::get_sso_configured;
use crate::components::download_link::percent_encode;

/// The message for an `?error=` code set by the sign-in flow.
pub fn login_error_text(code: &str) -> &'static str {
    match code {
        "not_admin" => "This account is not an administrator of scimhub. Ask a platform administrator for access.",
        "link_invalid" => {
            "That sign-in link is invalid, expired or already used. Create a new one with \"scimhub admin login-link\"."
        }
        "sso_not_configured" => "Single sign-on is not configured on this server.",
        "state_mismatch" => "The sign-in attempt expired or was tampered with. Please try again.",
        _ => "Sign-in failed. Please try again; the server log has the details.",
    }
}

/// The sign-in page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error").map(|code| login_error_text(&code));
    let sso = Resource::new(|| (), |_| get_sso_configured());
    // The page asked for before signing in, handed on to the provider round trip.
    let start = move || match query.read().get("return_to") {
        Some(page) => format!("/auth/login?return_to={}", percent_encode(&page)),
        None => "/auth/login".to_owned(),
    };
    view! {
        <section class="page login">
            <h1>"Sign in to scimhub"</h1>
            {move || error().map(|text| view! { <div class="alert" role="alert">{text}</div> })}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    if sso.await.unwrap_or(false) {
                        view! { <a class="button" href=start rel="external">"Sign in with SSO"</a> }.into_any()
                    } else {
                        view! {
                            <p>"Single sign-on is not configured yet. Sign in with a one-time link:"</p>
                            <pre>"scimhub admin login-link"</pre>
                        }.into_any()
                    }
                })}
            </Suspense>
            <p class="hint">"Locked out of your identity provider? An operator can run "<code>"scimhub admin login-link"</code>" on the server for a one-time break-glass sign-in."</p>
        </section>
    }
}
