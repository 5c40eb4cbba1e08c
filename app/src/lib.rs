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
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

pub use error::AppError;

use components::integrations_nav::IntegrationsIndex;
use components::security_headers::SecurityHeaders;
use components::top_bar::TopBar;
use pages::{
    admins::AdminsPage,
    applications::ApplicationsPage,
    audit::{PlatformAuditPage, TenantAuditPage},
    group_detail::GroupDetailPage,
    groups::GroupsPage,
    home::HomePage,
    integrations::ScimIntegrationPage,
    log::LogViewerPage,
    login::LoginPage,
    mappers::MappersPage,
    not_found::NotFound,
    tenant::*,
    tenant_settings::TenantSettingsPage,
    user_detail::UserDetailPage,
    users::UsersPage,
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
                    <Route path=path!("/") view=HomePage/>
                    <ParentRoute path=path!("/tenants/:tenant") view=TenantLayout>
                        <Route path=path!("") view=OverviewPage/>
                        <Route path=path!("users") view=UsersPage/>
                        <Route path=path!("users/:user") view=UserDetailPage/>
                        <Route path=path!("groups") view=GroupsPage/>
                        <Route path=path!("groups/:group") view=GroupDetailPage/>
                        <Route path=path!("log") view=LogViewerPage/>
                        <Route path=path!("integrations") view=IntegrationsIndex/>
                        <Route path=path!("integrations/scim") view=ScimIntegrationPage/>
                        <Route path=path!("integrations/applications") view=ApplicationsPage/>
                        <Route path=path!("integrations/scim/mappers") view=MappersPage/>
                        <Route path=path!("admins") view=AdminsPage/>
                        <Route path=path!("audit") view=TenantAuditPage/>
                        <Route path=path!("settings") view=TenantSettingsPage/>
                    </ParentRoute>
                    <Route path=path!("/audit") view=PlatformAuditPage/>
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
    leptos::mount::hydrate_body(App);
}
