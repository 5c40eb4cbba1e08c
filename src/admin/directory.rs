//! The users and groups lists and the group detail page (`app::backend::DirectoryBackend`).

use app::backend::DirectoryBackend;

use super::Backend;

#[async_trait::async_trait]
impl DirectoryBackend for Backend {}
