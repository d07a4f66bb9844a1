//! Capture's facts as sentences in the process's language: each function
//! hands the fact to [`super::en`] or [`super::pt_br`] (the two modules
//! have the same functions), so renderers never choose a language.

use super::{lang, Lang};
use crate::track::{Annotation, Note, TcpState, UdpNote};
use crate::wire::TcpOptions;

pub use super::en::Options;

/// The note of a segment and the facts added to it, as one paragraph.
pub fn annotation(a: &Annotation) -> String {
    annotation_in(lang(), a)
}

/// [`annotation`] in a given language.
pub fn annotation_in(lang: Lang, a: &Annotation) -> String {
    match lang {
        Lang::En => super::en::annotation(a),
        Lang::PtBr => super::pt_br::annotation(a),
    }
}

/// One fact as a sentence.
pub fn note(n: &Note) -> String {
    note_in(lang(), n)
}

/// [`note`] in a given language.
pub fn note_in(lang: Lang, n: &Note) -> String {
    match lang {
        Lang::En => super::en::note(n),
        Lang::PtBr => super::pt_br::note(n),
    }
}

/// A state as a person reads it: the RFC name, or `no socket`.
pub fn state(s: TcpState) -> &'static str {
    state_in(lang(), s)
}

/// [`state`] in a given language.
pub fn state_in(lang: Lang, s: TcpState) -> &'static str {
    match lang {
        Lang::En => super::en::state(s),
        Lang::PtBr => super::pt_br::state(s),
    }
}

/// A SYN's options, on the packet's line or in a sentence.
pub fn options(o: &TcpOptions, form: Options) -> String {
    options_in(lang(), o, form)
}

/// [`options`] in a given language.
pub fn options_in(lang: Lang, o: &TcpOptions, form: Options) -> String {
    match lang {
        Lang::En => super::en::options(o, form),
        Lang::PtBr => super::pt_br::options(o, form),
    }
}

/// What one UDP datagram is.
pub fn udp(n: &UdpNote) -> String {
    udp_in(lang(), n)
}

/// [`udp`] in a given language.
pub fn udp_in(lang: Lang, n: &UdpNote) -> String {
    match lang {
        Lang::En => super::en::udp(n),
        Lang::PtBr => super::pt_br::udp(n),
    }
}
