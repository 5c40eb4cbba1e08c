//! The scimhub admin dashboard: Leptos pages rendered on the server and hydrated in the
//! browser. Pages reach the server only through the server functions in [`api`].
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
// Release builds (no `erase_components`) type the views in full; the SCIM integration page
// nests deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod components;
pub mod dto;
pub mod error;
pub mod lazy_pages;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

pub use error::AppError;

use components::integrations_nav::IntegrationsIndex;
use components::security_headers::SecurityHeaders;
use components::top_bar::TopBar;
use lazy_pages::*;
use leptos_router::Lazy;
use pages::{
    integrations::ScimIntegrationPage,
    login::LoginPage,
    not_found::NotFound,
    tenant::{OverviewPage, TenantLayout},
};

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.ico"/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The dashboard.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // One action for "create tenant", shared so the selector refreshes when the list page adds one.
    provide_context(ServerAction::<api::CreateTenant>::new());
    view! {
        <SecurityHeaders/>
        <Title text="scimhub"/>
        <Router>
            <TopBar/>
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/") view={Lazy::<HomeRoute>::new()}/>
                    <ParentRoute path=path!("/tenants/:tenant") view=TenantLayout>
                        <Route path=path!("") view=OverviewPage/>
                        <Route path=path!("users") view={Lazy::<UsersRoute>::new()}/>
                        <Route path=path!("users/:user") view={Lazy::<UserDetailRoute>::new()}/>
                        <Route path=path!("groups") view={Lazy::<GroupsRoute>::new()}/>
                        <Route path=path!("groups/:group") view={Lazy::<GroupDetailRoute>::new()}/>
                        <Route path=path!("log") view={Lazy::<LogRoute>::new()}/>
                        <Route path=path!("integrations") view=IntegrationsIndex/>
                        <Route path=path!("integrations/scim") view=ScimIntegrationPage/>
                        <Route path=path!("integrations/applications") view={Lazy::<ApplicationsRoute>::new()}/>
                        <Route path=path!("integrations/scim/mappers") view={Lazy::<MappersRoute>::new()}/>
                        <Route path=path!("admins") view={Lazy::<AdminsRoute>::new()}/>
                        <Route path=path!("audit") view={Lazy::<TenantAuditRoute>::new()}/>
                        <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()}/>
                    </ParentRoute>
                    <Route path=path!("/audit") view={Lazy::<PlatformAuditRoute>::new()}/>
                    <Route path=path!("/api-tokens") view={Lazy::<ApiTokensRoute>::new()}/>
                </Routes>
            </main>
        </Router>
    }
}

/// Entry point of the browser bundle.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Waits for the lazily loaded route of the page being hydrated before hydrating it.
    leptos::mount::hydrate_lazy(App);
}
