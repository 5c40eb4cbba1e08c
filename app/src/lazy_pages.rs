//! The dashboard's tool pages as lazily loaded routes: their code (and the code only they use)
//! goes to WASM chunks of their own when the client is built with `cargo leptos build --split`,
//! fetched when such a page is first shown. The pages an administrator lands on from a link —
//! sign-in, a tenant's overview and its SCIM endpoint — stay in the main bundle: wasm-split cuts a
//! route into many small chunks (the SCIM page alone into 141), and over HTTP/1.1 fetching them
//! one round trip after another made that page's first load slower (1.99 s instead of 1.39 s at
//! 4 Mbit/s, docs/benchmarks.md). The tenants page is lazy although it is where sign-in lands:
//! it splits into a single chunk (27 KB), so it costs one request more, and the main bundle
//! every page waits for is 18 KB smaller. Without `--split` (tests, debug builds) the routes
//! behave as plain ones.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::pages::{
    admins::AdminsPage,
    api_tokens::ApiTokensPage,
    applications::ApplicationsPage,
    audit::{PlatformAuditPage, TenantAuditPage},
    group_detail::GroupDetailPage,
    groups::GroupsPage,
    home::HomePage,
    log::LogViewerPage,
    mappers::MappersPage,
    tenant_settings::TenantSettingsPage,
    user_detail::UserDetailPage,
    users::UsersPage,
};

/// Declares a lazily loaded route showing a page component (it loads no data of its own:
/// each page starts its resources when it renders).
macro_rules! lazy_page {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[doc = concat!("The lazily loaded route of [`", stringify!($page), "`].")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> AnyView {
                let $route = this;
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    HomeRoute => HomePage,
    UsersRoute => UsersPage,
    GroupsRoute => GroupsPage,
    UserDetailRoute => UserDetailPage,
    GroupDetailRoute => GroupDetailPage,
    LogRoute => LogViewerPage,
    ApplicationsRoute => ApplicationsPage,
    MappersRoute => MappersPage,
    AdminsRoute => AdminsPage,
    TenantAuditRoute => TenantAuditPage,
    SettingsRoute => TenantSettingsPage,
    PlatformAuditRoute => PlatformAuditPage,
    ApiTokensRoute => ApiTokensPage,
}
