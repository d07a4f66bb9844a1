//! Facts into sentences: the only place that writes the prose a student
//! reads about a capture.
//!
//! The tracker hands out typed facts ([`crate::track::Note`],
//! [`crate::track::UdpNote`], states, options); each language is one
//! module here that spells them. English ([`en`]) is the only one so far;
//! the names of C calls, flags and RFC states stay as they are in every
//! language.

pub mod en;
