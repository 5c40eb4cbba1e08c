//! The `scimhub` command.

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's allocator: the request path allocates many small short-lived
/// values (JSON trees, strings), where glibc's spent about a tenth of the CPU in the create and
/// lookup profiles (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = scimhub::cli::Cli::parse();
    // Logs go to stderr, so stdout carries only what commands print (a secret, a link).
    let logs = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .with_writer(std::io::stderr);
    match cli.log_format {
        scimhub::cli::LogFormat::Json => logs.json().init(),
        scimhub::cli::LogFormat::Text => logs.init(),
    }
    match cli.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
