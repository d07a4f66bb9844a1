//! socklab: a teaching lab for socket programming.
//!
//! Module map (data flows top to bottom for the capture tool):
//!
//! | module      | what it holds                                                        | pure? |
//! |-------------|----------------------------------------------------------------------|-------|
//! | [`cli`]     | options shared by every binary: `--color`, sizes like `64K`, exit codes | yes   |
//! | [`net`]     | name resolution, line framing, socket errors with a hint for students | I/O   |
//! | [`netns`]  | two "computers" on one machine: namespaces, veth, kernel packet loss | I/O   |
//! | [`narrate`] | one line per socket call, as the lab programs print it               | I/O   |
//! | [`chat`]    | the chat's message format, gap detection, and its screen (prompt)     | mostly |
//! | [`experiment`] | the TCP vs UDP loss and timing experiment                        | I/O   |
//! | [`events`]  | the datagram a lab program sends to `capture` for every call          | I/O   |
//! | [`wire`]    | bytes to `Segment` / `Datagram`: link, IP and transport decoding     | yes   |
//! | [`track`]   | connections, TCP state per endpoint, handshake and teardown           | yes   |
//! | [`render`]  | text, JSON, tables, ladder and SVG: everything a person sees          | yes   |
//! | [`capture`] | the libpcap source and pcap writer, privileges                        | I/O   |
//! | [`kernel`]  | any program's socket calls and the kernel's TCP states, from tracefs  | I/O   |
//! | [`sys`]     | the few libc calls no safe crate offers (the only `unsafe`)           | I/O   |
#![deny(unsafe_code)]

pub mod capture;
pub mod chat;
pub mod cli;
pub mod events;
pub mod experiment;
pub mod kernel;
pub mod narrate;
pub mod net;
pub mod netns;
pub mod render;
#[allow(unsafe_code)]
pub mod sys;
pub mod track;
pub mod wire;
