//! socklab: a teaching lab for socket programming.
//!
//! Module map (data flows top to bottom for the capture tool):
//!
//! | module      | what it holds                                                        | pure? |
//! |-------------|----------------------------------------------------------------------|-------|
//! | [`cli`]     | options shared by every binary: `--color`, sizes like `64K`, exit codes | yes   |
//! | [`net`]     | name resolution, line framing, socket errors with a hint for students | I/O   |
//! | [`lab`]     | the narrated socket of the lab programs: one method per C call        | I/O   |
//! | [`netns`]  | the lab network: hosts in namespaces, the link between them, leftovers | I/O   |
//! | [`link`]    | the emulated cable: delay, rate, loss, reordering, duplication, events | mostly |
//! | [`userns`]  | the same without root: a private user namespace, and joining it     | I/O   |
//! | [`escape`]  | outside text made safe for a terminal: controls, bidi, format chars | yes   |
//! | [`textbuf`] | numbers, times and addresses appended to a `String` without `fmt`   | yes   |
//! | [`narrate`] | one line per socket call, as the lab programs print it               | I/O   |
//! | [`chat`]    | the chat's message format, gap detection, its screen and its threads  | mostly |
//! | [`experiment`] | the TCP vs UDP loss and timing experiment                        | I/O   |
//! | [`events`]  | the datagram a lab program sends to `capture` for every call          | I/O   |
//! | [`wire`]    | bytes to `Segment` / `Datagram`: link, IP and transport decoding     | yes   |
//! | [`track`]   | connections, TCP state per endpoint, handshake and teardown: typed facts | yes   |
//! | [`timeline`] | segments and socket calls merged in time order, calls attributed, typed relations | yes |
//! | [`i18n`]    | facts into sentences (en, pt-BR, Fluent catalogues): the only prose   | yes   |
//! | [`render`]  | text, JSON, tables, ladder and SVG: everything a person sees          | yes   |
//! | [`capture`] | the libpcap source and pcap writer, privileges, the bounded loop      | I/O   |
//! | [`web`]     | `capture --web`: the page that steps through packets, and `--quiz`    | I/O   |
//! | [`kernel`]  | any program's socket calls and the kernel's TCP states, from tracefs  | I/O   |
//! | [`sys`]     | the few libc calls no safe crate offers (the only `unsafe`)           | I/O   |
#![deny(unsafe_code)]

pub mod capture;
pub mod chat;
pub mod cli;
pub mod escape;
pub mod events;
pub mod experiment;
pub mod i18n;
pub mod kernel;
pub mod lab;
#[cfg(target_os = "linux")]
pub mod link;
pub mod narrate;
pub mod net;
pub mod netns;
pub mod render;
#[allow(unsafe_code)]
pub mod sys;
pub mod textbuf;
pub mod timeline;
pub mod track;
#[cfg(target_os = "linux")]
pub mod userns;
pub mod web;
pub mod wire;
