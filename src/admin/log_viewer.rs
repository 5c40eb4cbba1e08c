//! The provisioning log viewer (`app::backend::LogBackend`).

use app::backend::LogBackend;

use super::Backend;

#[async_trait::async_trait]
impl LogBackend for Backend {}
