//! Pieces shared by several pages.

pub mod error_box;
pub mod top_bar;
