//! Escaping text from outside for the terminal: the one place `render`
//! imports it from.
//!
//! A bridge for now: the functions still live in `narrate`; they move here
//! (a module that imports nothing above it) in a separate change.
pub use crate::narrate::{escape, escape_max};
