//! The dashboard's backend on the server's command line: the commands that do what a dashboard
//! page does (`mapper`, `user`, `group`, `log`, `audit`) call the same `AdminBackend` methods,
//! as an administrator named after the operating-system user, so they check, derive, log and
//! audit exactly as the dashboard and the API do. Whoever may run the binary against the
//! database is a platform administrator already.

use app::dto::{AdminIdentity, SignInMethod};
use app::AppError;
use clap::Parser;
use serde::Serialize;

use super::manage::operator;
use crate::admin::Backend;
use crate::config::{DatabaseArgs, ServeConfig};
use crate::sealed::SealArgs;
use crate::state::AppState;

/// Where the database (and, for applications, the sealing key) is.
#[derive(Debug, Clone, clap::Args)]
pub struct LocalArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    seal: SealArgs,
}

/// `serve`'s settings with their defaults, to build a state from.
#[derive(Parser)]
struct Defaults {
    #[command(flatten)]
    serve: ServeConfig,
}

/// The backend over the database, and the command line's administrator.
pub struct Local {
    /// The dashboard's backend.
    pub backend: Backend,
    /// The operating-system user, as a platform administrator.
    pub admin: AdminIdentity,
}

impl Local {
    /// Opens (and migrates) the database.
    pub async fn open(args: &LocalArgs) -> anyhow::Result<Local> {
        let mut config = Defaults::try_parse_from(["scimhub"])?.serve;
        config.database = args.database.clone();
        config.seal = args.seal.clone();
        let site = leptos::config::LeptosOptions::builder().output_name("scimhub").build();
        let state = crate::AppStateBuilder::new(config).leptos_options(site).build().await?;
        let who = operator();
        let mut admin = AdminIdentity::new(who.clone(), None, Some(who), SignInMethod::Cli);
        admin.platform_admin = true;
        Ok(Local { backend: Backend::new(state), admin })
    }

    /// Writes what is still buffered (the provisioning log of changes made by hand).
    pub async fn close(self) {
        self.state().flush_logs().await;
    }

    fn state(&self) -> &AppState {
        self.backend.state()
    }
}

/// A backend refusal as the command line says it.
pub fn refused(e: AppError) -> anyhow::Error {
    match e {
        AppError::InvalidField(field, message) => anyhow::anyhow!("{field}: {}", app::error::sentence(&message)),
        AppError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::anyhow!(other.sentence()),
    }
}

/// Prints `value` as pretty JSON.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Prints rows as an aligned table under `header`.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
