//! Frases em português do Brasil, para um aluno do segundo ano: the
//! Portuguese twin of [`super::en`], function for function.
//!
//! Capture's notes are made here in Rust rather than in a Fluent catalogue
//! because each one is a match over typed facts: nested enums (which FIN,
//! why a retransmission, what the ACK of a FIN leads to), numbers and
//! optional clauses. A `match` with no wildcard arm makes the compiler
//! refuse a new [`Note`] variant until both languages say it; Fluent would
//! only find out at run time. The other messages of capture (errors, the
//! demo, the table's headers) are in the Fluent catalogues.
//!
//! What stays as it is: C calls (`connect()`), flags (`SYN`), RFC state
//! names (`TIME-WAIT`), errno names (`ECONNREFUSED`). Numbers in these
//! notes are whole numbers, so no decimal separator appears.

use std::fmt::Write as _;

use super::en::Options;
use crate::kernel::returned::KernelReturn;
use crate::kernel::SockState;
use crate::timeline::{LinkEvent, LinkWhat, Spread};
use crate::track::note::{AfterFinAck, Resent, ResetCause, SecondFin, SynAckWhy, SynAcked, Why};
use crate::track::{
    Annotation, Inferred, KernelDiff, LinkDrop, Note, Side, TcpState, UdpNote, Until,
};
use crate::wire::TcpOptions;

/// How long Linux keeps a socket in TIME-WAIT (2×MSL), for the notes.
const LINUX_TIME_WAIT_SECS: u32 = 60;

/// The note of a segment and the facts added to it, as one paragraph.
pub fn annotation(a: &Annotation) -> String {
    let mut out = note(&a.note);
    for n in &a.extra {
        out.push(' ');
        out.push_str(&note(n));
    }
    out
}

/// A state as a person reads it: the RFC name, or `sem socket`.
pub fn state(s: TcpState) -> &'static str {
    match s {
        TcpState::NoSocket => "sem socket",
        other => other.as_str(),
    }
}

/// A SYN's options; `sem opções` (terse) or empty (words) when it has none.
/// The terse form is tcpdump's, the same in every language.
pub fn options(o: &TcpOptions, form: Options) -> String {
    match form {
        Options::Terse => {
            if o.mss.is_none() && !o.sack_permitted && o.timestamps.is_none() && o.wscale.is_none()
            {
                "sem opções".into()
            } else {
                super::en::options(o, Options::Terse)
            }
        }
        Options::Words => {
            let mut parts: Vec<String> = Vec::new();
            if let Some(mss) = o.mss {
                parts.push(format!("MSS {mss}"));
            }
            if let Some(ws) = o.wscale {
                parts.push(format!(
                    "escala de janela {ws} (janelas × {})",
                    1u64 << ws.min(14)
                ));
            }
            if o.sack_permitted {
                parts.push("SACK permitido".into());
            }
            if o.timestamps.is_some() {
                parts.push("timestamps".into());
            }
            parts.join(", ")
        }
    }
}

/// What one UDP datagram is.
pub fn udp(n: &UdpNote) -> String {
    match *n {
        UdpNote::First { len } => format!(
            "datagrama UDP de {len} {}: nenhum handshake vem antes dele e nenhum encerramento \
             depois; ele é independente.",
            bytes_word(len)
        ),
        UdpNote::Next { len, n } => format!(
            "datagrama UDP de {len} {} (o {n}º deste fluxo).",
            bytes_word(len)
        ),
        UdpNote::Reply { len, n } => format!(
            "resposta UDP de {len} {} (o {n}º datagrama deste fluxo), enviada de volta ao \
             endereço de onde veio o primeiro datagrama.",
            bytes_word(len)
        ),
    }
}

/// [`note`] appended to `out`. The notes of nearly every segment of a
/// big file (data and its acknowledgement) are written piece by piece,
/// without `format!`; the others are [`note`]'s own sentence.
pub fn note_into(out: &mut String, n: &Note) {
    use crate::textbuf::push_u32;
    match *n {
        Note::Data { from, len, rel_seq } => {
            out.push_str(o(from));
            out.push_str(" envia ");
            push_u32(out, len);
            out.push(' ');
            out.push_str(bytes_word(len));
            out.push_str(" (seq ");
            push_u32(out, rel_seq);
            out.push_str("..");
            push_u32(out, rel_seq.wrapping_add(len));
            out.push_str(").");
        }
        Note::Ack {
            from,
            acked,
            rel_ack,
        } => {
            out.push_str(o(from));
            match acked {
                Some(0) => out.push_str(
                    " não reconhece nada novo: o próximo byte esperado continua sendo o ",
                ),
                Some(n) => {
                    out.push_str(" reconhece ");
                    push_u32(out, n);
                    out.push(' ');
                    out.push_str(bytes_word(n));
                    out.push_str(": o próximo byte esperado é o ");
                }
                None => out.push_str(" reconhece: o próximo byte esperado é o "),
            }
            push_u32(out, rel_ack);
            out.push('.');
        }
        _ => out.push_str(&note(n)),
    }
}

/// One fact as a sentence.
pub fn note(n: &Note) -> String {
    match n {
        Note::Syn { isn, options } => format!(
            "handshake 1/3: o cliente pede para se conectar com SYN, número de sequência inicial \
             (ISN) {isn}{}.",
            options_clause(options)
        ),
        Note::SynAck {
            isn,
            rel_ack,
            client,
            options,
        } => {
            let opts = options_clause(options);
            match client {
                SynAcked::Isn {
                    client_isn,
                    syn_seen,
                } => format!(
                    "handshake 2/3: o servidor aceita com SYN-ACK, com o seu próprio ISN \
                     {isn}{opts}; ack {rel_ack} = o ISN do cliente {client_isn} + 1{}: o SYN \
                     conta como um byte no espaço de sequência. O connect() do cliente retorna.",
                    if *syn_seen {
                        ""
                    } else {
                        " (o SYN dele não foi capturado)"
                    }
                ),
                SynAcked::Mismatch => format!(
                    "handshake 2/3: o servidor aceita com SYN-ACK, com o seu próprio ISN \
                     {isn}{opts}; o ack {rel_ack} não corresponde ao ISN do cliente + 1."
                ),
            }
        }
        Note::HandshakeAck {
            rel_ack,
            server_isn,
        } => format!(
            "handshake 3/3: o cliente reconhece o SYN do servidor (ack {rel_ack} = o ISN do \
             servidor {server_isn} + 1); agora o accept() pode devolver a conexão."
        ),
        // Written once, by note_into (the hot path of a big file).
        Note::Data { .. } | Note::Ack { .. } => {
            let mut out = String::new();
            note_into(&mut out, n);
            out
        }
        Note::HalfClose {
            closer,
            from,
            len,
            rel_seq,
        } => format!(
            "meio-fechamento: {} terminou de enviar (shutdown(SHUT_WR)), mas {} ainda envia \
             {len} {} ({}).",
            o(*closer),
            o(*from),
            bytes_word(*len),
            seq_range(*rel_seq, *len)
        ),
        Note::OutOfOrder { from, len, rel_seq } => format!(
            "fora de ordem: os bytes {rel_seq}..{} {} chegam depois de bytes posteriores; eles \
             nunca tinham aparecido nesta captura, então este é o segmento original, \
             reordenado no caminho, e não uma retransmissão.",
            rel_seq.wrapping_add(*len),
            de(*from)
        ),
        Note::CompletesHandshake => {
            "O ACK dele também completa o handshake (passo 3/3): agora o accept() pode devolver a \
             conexão."
                .into()
        }
        Note::AcksFin { of, rel_ack } => format!(
            "Ele também reconhece o FIN {} (encerramento 2, ack {rel_ack}).",
            de(*of)
        ),
        Note::DupAck { from, n, rel_ack } => format!(
            "ACK duplicado nº {n}: {me} repete o seu último reconhecimento (ack {rel_ack}) porque \
             falta um segmento: bytes posteriores chegaram, o byte {rel_ack} não, então {me} volta \
             a pedi-lo {} (3 ACKs duplicados disparam a retransmissão rápida).",
            ao(from.other()),
            me = o(*from)
        ),
        Note::WindowUpdate {
            from,
            window,
            old,
            rel_ack,
        } => format!(
            "atualização de janela: a janela de recepção {} agora é de {window} bytes (era \
             {old}); o próximo byte esperado continua sendo o {rel_ack}.",
            de(*from)
        ),
        Note::ZeroWindow { from } => format!(
            "Janela 0: o buffer de recepção {} está cheio: {} precisa esperar.",
            de(*from),
            o(from.other())
        ),
        Note::WindowScaled {
            from,
            raw,
            shift,
            bytes,
        } => format!(
            "Escala de janela: win {raw} conta unidades de {} bytes (escala de janela {shift}, \
             combinada no SYN e no SYN-ACK), então a janela de recepção {} é de {bytes} bytes; \
             as janelas do próprio SYN e do SYN-ACK nunca são escaladas.",
            1u64 << shift,
            de(*from)
        ),
        Note::KeepAlive { from, len, rel_seq } => {
            let what = if *len == 0 {
                "um segmento vazio".to_string()
            } else {
                format!(
                    "{len} {} antigo{}",
                    bytes_word(*len),
                    if *len == 1 { "" } else { "s" }
                )
            };
            format!(
                "sonda de keep-alive: numa conexão ociosa, {} envia {what} com seq {rel_seq} = \
                 próximo − 1, para verificar se {} ainda está lá (ele precisa responder com um \
                 ACK).",
                o(*from),
                o(from.other())
            )
        }
        Note::ZeroWindowProbe { from, rel_seq } => format!(
            "sonda de janela zero: a janela {} é 0, então {} envia seq {rel_seq} = próximo − 1 \
             para perguntar se ela já abriu.",
            de(from.other()),
            o(*from)
        ),
        Note::KeepAliveAck { from, rel_ack } => format!(
            "{} responde à sonda de keep-alive: ele ainda está lá (próximo byte esperado \
             {rel_ack}).",
            o(*from)
        ),
        Note::Retransmission { from, what } => retransmission(*from, what),
        Note::FirstFin {
            from,
            fin_rel_seq,
            len,
        } => format!(
            "encerramento 1: {} envia {}FIN (seq {fin_rel_seq}): não tem mais nada a enviar; \
             recv() {} vai retornar 0.",
            o(*from),
            last_bytes(*len, *fin_rel_seq),
            no(from.other())
        ),
        Note::SecondFin {
            from,
            kind,
            fin_rel_seq,
            rel_ack,
            len,
        } => {
            let data = last_bytes(*len, *fin_rel_seq);
            match kind {
                SecondFin::AfterAck => format!(
                    "encerramento 3: {} envia {data}FIN (seq {fin_rel_seq}): também não tem mais \
                     nada a enviar; {} responde com o último ACK.",
                    o(*from),
                    o(from.other())
                ),
                SecondFin::Folded => format!(
                    "encerramento 3: o {data}FIN {} (seq {fin_rel_seq}) também reconhece o FIN \
                     {} (ack {rel_ack}): o ACK do passo 2 vai dentro deste FIN, então o \
                     encerramento é em três vias: continuam sendo os quatro passos, em três \
                     segmentos.",
                    de(*from),
                    de(from.other())
                ),
                SecondFin::Simultaneous => format!(
                    "encerramento 3: o {data}FIN {} (seq {fin_rel_seq}) não reconhece o FIN {}: \
                     os dois lados fecharam ao mesmo tempo (fechamento simultâneo), e cada um \
                     agora espera o ACK do seu próprio FIN.",
                    de(*from),
                    de(from.other())
                ),
            }
        }
        Note::FinAcked {
            from,
            step,
            rel_ack,
            then,
        } => {
            let (me, peer) = (*from, from.other());
            let mut s = format!(
                "encerramento {step}: {} reconhece o FIN {} (ack {rel_ack}).",
                o(me),
                de(peer)
            );
            let tail = match then {
                AfterFinAck::PeerWaitsForFin => {
                    format!("{} agora espera o FIN {}.", cap(o(peer)), de(me))
                }
                AfterFinAck::PeerDoneSenderWaits => format!(
                    "{} terminou; {} fica em TIME-WAIT por 2×MSL ({LINUX_TIME_WAIT_SECS} s no \
                     Linux) para que segmentos atrasados se extingam.",
                    cap(o(peer)),
                    o(me)
                ),
                AfterFinAck::PeerDone => format!("{} terminou.", cap(o(peer))),
                AfterFinAck::BothWait => format!(
                    "Os dois lados agora ficam em TIME-WAIT por 2×MSL ({LINUX_TIME_WAIT_SECS} s \
                     no Linux)."
                ),
                AfterFinAck::PeerWaits => format!(
                    "{} agora fica em TIME-WAIT por 2×MSL ({LINUX_TIME_WAIT_SECS} s no Linux).",
                    cap(o(peer))
                ),
                AfterFinAck::Other { .. } => String::new(),
            };
            if !tail.is_empty() {
                s.push(' ');
                s.push_str(&tail);
            }
            s
        }
        Note::Reset { from, cause } => match cause {
            ResetCause::Abort => format!(
                "reset: {} aborta a conexão com RST: ela termina na hora, sem encerramento, e os \
                 dados ainda não lidos se perdem. Causas comuns: SO_LINGER 0 no close(), \
                 close() com dados não lidos no buffer de recepção, ou um segmento de uma \
                 conexão que já não existe.",
                o(*from)
            ),
            ResetCause::DataAfterClose => format!(
                "reset: {} já tinha fechado o seu socket (o FIN dele foi antes) e mesmo assim \
                 chegaram dados para ele, então o kernel dele responde com RST: a conexão \
                 termina na hora e esses dados se perdem.",
                o(*from)
            ),
        },
        Note::Refused { port } => format!(
            "reset: conexão recusada: nada escuta na porta {port}, então não existe nenhum \
             socket de servidor: o host do servidor (o kernel dele) responde ao SYN com RST e o \
             connect() falha com ECONNREFUSED."
        ),
        Note::LateReset { from } => format!(
            "reset depois do fim da conexão: {} envia RST para um segmento de uma conexão que já \
             não existe.",
            o(*from)
        ),
        Note::AfterReset { from } => format!(
            "segmento atrasado {} depois do reset: a conexão já não existe, então ele é \
             respondido com RST ou descartado.",
            de(*from)
        ),
        Note::AfterClose { from } => format!(
            "segmento atrasado {} depois do fechamento da conexão: ela já não existe, então ele \
             é respondido com RST ou descartado.",
            de(*from)
        ),
        Note::NoAck { from } => format!(
            "{} envia um segmento sem o flag ACK: incomum depois do handshake.",
            o(*from)
        ),
        Note::OddFin { from } => format!(
            "{} envia outro FIN, com um número de sequência diferente: incomum.",
            o(*from)
        ),
        Note::Untracked { max } => format!(
            "não acompanhado: já são {max} conexões acompanhadas; este segmento é contado, mas \
             não analisado (os números são absolutos)."
        ),
        Note::FinsCrossed { side: s } => format!(
            "{} nunca esteve em CLOSE-WAIT: o FIN dele saiu antes de o FIN {} chegar até ele.",
            cap(o(*s)),
            de(s.other())
        ),
        Note::CloseCalled {
            side: s,
            queued: true,
        } => format!(
            "{} já tinha entrado em close(): o kernel dele está fechando desde aquele momento, e \
             o FIN dele espera atrás dos dados ainda na fila.",
            cap(o(*s))
        ),
        Note::CloseCalled {
            side: s,
            queued: false,
        } => format!(
            "{} já tinha entrado em close() (um evento de chamada de socket diz isso): o kernel \
             dele já estava fechando antes deste segmento.",
            cap(o(*s))
        ),
        Note::Inferred(i) => inferred(i),
        Note::Kernel {
            side: s,
            kernel,
            why,
        } => kernel_diff(*s, *kernel, *why),
        Note::KernelNotResent { from, len, rel_seq } => format!(
            "O kernel nunca enviou estes bytes ({}) de novo: este é o original {}, que chega \
             depois de bytes posteriores (fora de ordem), e não uma retransmissão.",
            seq_range(*rel_seq, *len),
            de(*from)
        ),
        Note::KernelCopy { from } => format!(
            "O kernel {} nunca o enviou de novo: esta cópia foi feita no caminho, não pelo TCP.",
            de(*from)
        ),
        Note::LinkDropped { reason } => format!(
            "O enlace o descartou ({}) depois deste ponto de captura: ele nunca chegou ao outro \
             host, cujo estado não muda.",
            link_drop(*reason)
        ),
        Note::LinkDelayed {
            delay_us,
            queued_us,
        } if *queued_us >= 100 => format!(
            "O enlace o atrasou {} ({} disso na fila antes do limite de taxa).",
            ms(*delay_us),
            ms(*queued_us)
        ),
        Note::LinkDelayed { delay_us, .. } => format!("O enlace o atrasou {}.", ms(*delay_us)),
        Note::LinkReordered { overtaken_by } => format!(
            "O enlace o segurou atrás de {}.",
            if *overtaken_by == 1 {
                "um segmento posterior".to_string()
            } else {
                format!("{overtaken_by} segmentos posteriores")
            }
        ),
        Note::LinkDuplicated { copy: false } => {
            "O enlace o duplicou: uma segunda cópia vai atrás dele até o outro host.".to_string()
        }
        Note::LinkDuplicated { copy: true } => {
            "Esta é a segunda cópia que o enlace fez do segmento anterior, e não uma \
             retransmissão."
                .to_string()
        }
        Note::LinkLostOriginal { ago_us } => format!(
            "Por que foi enviado de novo: o original foi descartado no enlace {} antes.",
            ms(*ago_us)
        ),
        Note::LinkLostAck { ago_us } => format!(
            "Por que foi enviado de novo: o original chegou, mas o ACK dele foi descartado no \
             enlace {} antes.",
            ms(*ago_us)
        ),
    }
}

fn kernel_diff(s: Side, kernel: SockState, why: KernelDiff) -> String {
    match why {
        KernelDiff::TimeWaitMiniSocket => format!(
            "O kernel já trocou o socket {} por um mini-socket de TIME-WAIT: o socket completo \
             está em {kernel} (o estado do próprio kernel), e um pequeno registro da conexão \
             guarda as portas dela por {LINUX_TIME_WAIT_SECS} s.",
            de(s)
        ),
        KernelDiff::FinQueued { ago_us } => format!(
            "O kernel {} entrou em {kernel} no close() ou no shutdown(){}, enquanto o FIN dele \
             ainda esperava na fila atrás de dados: o estado muda com a chamada, não com o FIN \
             na rede.",
            de(s),
            if ago_us < 1000 {
                String::new()
            } else {
                format!(" {} antes deste segmento", ms(ago_us))
            }
        ),
        KernelDiff::NotReceived => format!(
            "O socket {} nunca recebeu este segmento: o kernel dele ainda estava em {kernel} (o \
             segmento se perdeu depois do ponto de captura).",
            de(s)
        ),
        KernelDiff::Other => format!(
            "O estado do próprio kernel para o socket {} aqui: {kernel}.",
            de(s)
        ),
    }
}

/// `perda aleatória`, `a fila cheia`...
fn link_drop(r: LinkDrop) -> &'static str {
    match r {
        LinkDrop::Random => "perda aleatória",
        LinkDrop::Burst => "uma rajada de perdas",
        LinkDrop::QueueFull => "a fila antes do limite de taxa estava cheia",
        LinkDrop::Overflow => "quadros demais em trânsito",
        LinkDrop::Other => "por um motivo que ele não informou",
    }
}

/// Microseconds as a person reads them: `50,0 ms`, `850 µs`, `1,20 s`.
fn ms(us: u64) -> String {
    crate::render::human_duration(std::time::Duration::from_micros(us))
}

fn retransmission(from: Side, what: &Resent) -> String {
    let (me, peer) = (o(from), from.other());
    match *what {
        Resent::Syn {
            isn,
            answer_seen: false,
        } => format!(
            "retransmissão: {me} envia o seu SYN de novo (o mesmo ISN {isn}): nenhum SYN-ACK \
             voltou a tempo (o Linux espera 1 s, depois 2 s, 4 s...)."
        ),
        Resent::Syn {
            isn,
            answer_seen: true,
        } => format!(
            "retransmissão: {me} envia o seu SYN de novo (o mesmo ISN {isn}): o SYN-ACK visto \
             aqui não chegou até ele (perdido depois do ponto de captura, ou mais lento que o \
             timer de 1 s dele), então o connect() dele ainda está esperando."
        ),
        Resent::SynAck {
            why: SynAckWhy::NoAck,
        } => format!(
            "retransmissão: {me} envia o seu SYN-ACK de novo: o ACK {} não chegou a tempo.",
            de(peer)
        ),
        Resent::SynAck {
            why: SynAckWhy::SynAgain,
        } => format!(
            "retransmissão: {me} envia o seu SYN-ACK de novo: ele responde ao SYN repetido {}.",
            de(peer)
        ),
        Resent::SynAck {
            why: SynAckWhy::AckNotReceived,
        } => format!(
            "retransmissão: {me} envia o seu SYN-ACK de novo, embora o ACK {} tenha sido visto \
             aqui: esse ACK não tinha chegado até ele (perdido depois do ponto de captura, ou \
             mais lento que o timer dele).",
            de(peer)
        ),
        Resent::Fin {
            rel_seq,
            ack_seen: false,
        } => format!(
            "retransmissão: {me} envia o seu FIN (seq {rel_seq}) de novo: ele não foi reconhecido \
             a tempo."
        ),
        Resent::Fin {
            rel_seq,
            ack_seen: true,
        } => format!(
            "retransmissão: {me} envia o seu FIN (seq {rel_seq}) de novo: o ACK dele visto aqui \
             não tinha chegado até ele (perdido depois do ponto de captura, ou mais lento que o \
             timer dele), e ele continua esperando esse ACK."
        ),
        Resent::Data { rel_seq, len, why } => {
            let range = format!("os bytes {rel_seq}..{}", rel_seq.wrapping_add(len));
            match why {
                Why::Timeout => format!(
                    "retransmissão: {me} envia {range} de novo: eles não foram reconhecidos a \
                     tempo (perdidos, ou o ACK deles se perdeu)."
                ),
                Why::Fast => format!(
                    "retransmissão: {me} envia {range} de novo: retransmissão rápida depois de 3 \
                     ACKs duplicados {}.",
                    de(peer)
                ),
                Why::FirstCopyNotSeen => format!(
                    "retransmissão: {me} envia {range} de novo: bytes posteriores chegaram antes \
                     e esta cópia é mais nova que eles, então a primeira cópia se perdeu antes do \
                     ponto de captura."
                ),
                Why::AckNotReceived => format!(
                    "retransmissão: {me} envia {range} de novo, embora o ACK deles tenha sido \
                     visto aqui: esse ACK não tinha chegado até ele (perdido depois do ponto de \
                     captura, ou mais lento que o timer dele)."
                ),
            }
        }
    }
}

fn inferred(i: &Inferred) -> String {
    let st = state(i.state);
    match i.until {
        Until::SynAnswered => format!(
            "O {st} {} é deduzido: só a resposta o torna certo (um SYN-ACK; um RST significaria \
             que não há socket, e nenhuma resposta, que o SYN foi descartado).",
            de(i.side)
        ),
        Until::FinAcked => format!(
            "O {st} {} é deduzido: ele se confirma quando {} reconhecer este FIN (um FIN dele \
             mesmo que não o reconheça significaria que os dois fecharam ao mesmo tempo).",
            de(i.side),
            o(i.side)
        ),
    }
}

/// ", opções MSS 65495, ..." clause, or nothing.
fn options_clause(opts: &TcpOptions) -> String {
    let text = options(opts, Options::Words);
    if text.is_empty() {
        String::new()
    } else {
        format!(", opções {text}")
    }
}

/// "seq 1..7"
fn seq_range(rel_seq: u32, len: u32) -> String {
    format!("seq {rel_seq}..{}", rel_seq.wrapping_add(len))
}

/// "os seus últimos 5 bytes (seq 7..12) e " for a FIN that carries data.
fn last_bytes(len: u32, fin_rel_seq: u32) -> String {
    if len == 0 {
        String::new()
    } else {
        let mut s = String::new();
        let from = fin_rel_seq.wrapping_sub(len);
        let _ = if len == 1 {
            write!(s, "o seu último byte (seq {from}..{fin_rel_seq}) e ")
        } else {
            write!(
                s,
                "os seus últimos {len} bytes (seq {from}..{fin_rel_seq}) e "
            )
        };
        s
    }
}

/// "o cliente", "o servidor": both nouns are masculine, so the articles
/// and contractions below fit either side.
fn o(s: Side) -> &'static str {
    match s {
        Side::Client => "o cliente",
        Side::Server => "o servidor",
    }
}

/// "do cliente", "do servidor".
fn de(s: Side) -> &'static str {
    match s {
        Side::Client => "do cliente",
        Side::Server => "do servidor",
    }
}

/// "ao cliente", "ao servidor".
fn ao(s: Side) -> &'static str {
    match s {
        Side::Client => "ao cliente",
        Side::Server => "ao servidor",
    }
}

/// "no cliente", "no servidor".
fn no(s: Side) -> &'static str {
    match s {
        Side::Client => "no cliente",
        Side::Server => "no servidor",
    }
}

/// The phrase with a capital first letter (a sentence starts with it).
fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `(1500 bytes saíram em 2 segmentos)`.
pub fn spread(s: &Spread) -> String {
    format!(
        "({} {} saíram em {} segmentos)",
        s.bytes,
        if s.bytes == 1 { "byte" } else { "bytes" },
        s.segments
    )
}

/// A frame the link dropped on its way to this capture's host, which
/// never saw it: `um PSH-ACK com 6 bytes de bob para alice foi descartado
/// no enlace (perda aleatória): ele nunca chegou aqui.`
pub fn link_unseen(ev: &LinkEvent) -> String {
    let what = match (ev.tcp, ev.proto) {
        (Some(tcp), _) => {
            let label = tcp.flags.label();
            match ev.payload {
                Some(n) if n > 0 => format!("um {label} com {n} {}", bytes_word(n)),
                _ => format!("um {label}"),
            }
        }
        (None, "udp") => "um datagrama UDP".to_string(),
        _ => "um quadro".to_string(),
    };
    let reason = match ev.what {
        LinkWhat::Dropped(r) => link_drop(r),
        _ => "",
    };
    format!(
        "{what} de {} para {} foi descartado no enlace ({reason}): ele nunca chegou aqui.",
        ev.from, ev.to
    )
}

fn bytes_word(n: u32) -> &'static str {
    if n == 1 {
        "byte"
    } else {
        "bytes"
    }
}

// ---- What a socket call returned (typed results) ---------------------

/// A socket call as the kernel saw it: `connect() ...`, `send() 5 bytes
/// ...`, `accept() -> novo socket para 127.0.0.1:53312`, `connect() ->
/// ECONNREFUSED`.
pub fn kernel_call(c: &crate::kernel::Call) -> String {
    use crate::kernel::Phase;
    use crate::timeline::SocketCall;
    let name = c.call.name();
    let args = match c.call {
        SocketCall::Shutdown(Some(how)) => how.as_str(),
        _ => "",
    };
    match c.phase {
        Phase::Enter => match (c.call.moves_bytes(), c.bytes) {
            (true, Some(n)) if matches!(c.call, SocketCall::Send | SocketCall::Sendto) => {
                format!("{name}() {n} {} ...", bytes_word64(n))
            }
            _ => format!("{name}({args}) ..."),
        },
        Phase::Return => format!("{name}({args}) -> {}", kernel_result(c)),
    }
}

/// What a call returned, as the kernel says: `ok`, `6 bytes`, `novo socket
/// para 127.0.0.1:53312`, `0 bytes: o outro lado fechou...`, `ECONNREFUSED`.
pub fn kernel_result(c: &crate::kernel::Call) -> String {
    kernel_return(&KernelReturn::of(c))
}

/// [`kernel_result`] from the typed result.
pub fn kernel_return(r: &KernelReturn) -> String {
    match *r {
        KernelReturn::Errno(e) => match crate::kernel::errno_name(e) {
            Some(name) => name.to_string(),
            None => format!("erro {e}"),
        },
        KernelReturn::NewSocket { peer: Some(p) } => format!("novo socket para {p}"),
        KernelReturn::NewSocket { peer: None } => "novo socket".to_string(),
        KernelReturn::PeerClosed => {
            "0 bytes: o outro lado fechou o seu sentido da conexão (FIN recebido)".to_string()
        }
        KernelReturn::Bytes { n, from: Some(p) } => format!("{n} {} de {p}", bytes_word64(n)),
        KernelReturn::Bytes { n, from: None } => format!("{n} {}", bytes_word64(n)),
        KernelReturn::Ok => "ok".to_string(),
    }
}

fn bytes_word64(n: u64) -> &'static str {
    if n == 1 {
        "byte"
    } else {
        "bytes"
    }
}

// ---- Frames that could not be decoded (wire::DecodeError) -------------

/// `quadro cortado (TCP): precisa de 20 bytes, só tem 10`.
pub fn decode_error(e: &crate::wire::DecodeError) -> String {
    use crate::wire::{DecodeError, Malformation};
    match e {
        DecodeError::Truncated { layer, need, have } => format!(
            "quadro cortado ({}): precisa de {need} bytes, só tem {have}",
            layer_name(layer)
        ),
        DecodeError::Malformed { layer, what } => {
            let what = match *what {
                Malformation::Version {
                    version,
                    expected: Some(_),
                } => format!("versão {version}"),
                Malformation::Version {
                    version,
                    expected: None,
                } => format!("versão {version} (esperada 4 ou 6)"),
                Malformation::HeaderLength { words } => {
                    format!("comprimento do cabeçalho de {words} palavras (o mínimo é 5)")
                }
                Malformation::DataOffset { words } => {
                    format!("data offset de {words} palavras (o mínimo é 5)")
                }
                Malformation::TotalLength { total, header } => format!(
                    "comprimento total {total}, menor que o comprimento do cabeçalho, {header}"
                ),
                Malformation::LongerThanIp { need, stated } => {
                    format!("precisa de {need} bytes, mas o comprimento IP só deixa {stated}")
                }
                Malformation::UdpLength { len, header } => {
                    format!("comprimento {len}, menor que o cabeçalho de {header} bytes")
                }
            };
            format!("quadro malformado ({}): {what}", layer_name(layer))
        }
    }
}

/// A header's name as the decoder gives it, in Portuguese where it has words.
fn layer_name(layer: &str) -> &str {
    match layer {
        "IPv6 extension header" => "cabeçalho de extensão IPv6",
        "802.1Q VLAN tag" => "tag de VLAN 802.1Q",
        "BSD loopback" => "loopback BSD",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_in_words_are_portuguese_and_the_terse_form_is_tcpdumps() {
        let opts = TcpOptions {
            mss: Some(65495),
            wscale: Some(7),
            sack_permitted: true,
            timestamps: Some((1, 0)),
        };
        assert_eq!(
            options(&opts, Options::Terse),
            "mss 65495,sackOK,TS,wscale 7"
        );
        assert_eq!(
            options(&opts, Options::Words),
            "MSS 65495, escala de janela 7 (janelas × 128), SACK permitido, timestamps"
        );
        assert_eq!(
            options(&TcpOptions::default(), Options::Terse),
            "sem opções"
        );
    }

    #[test]
    fn how_a_write_was_cut_is_said_in_portuguese() {
        let s = Spread {
            segments: 3,
            bytes: 70001,
        };
        assert_eq!(spread(&s), "(70001 bytes saíram em 3 segmentos)");
        assert_ne!(spread(&s), super::super::en::spread(&s));
    }

    #[test]
    fn one_byte_and_many_bytes_agree_in_number() {
        let one = note(&Note::FirstFin {
            from: Side::Client,
            fin_rel_seq: 8,
            len: 1,
        });
        assert!(one.contains("o seu último byte (seq 7..8)"), "{one}");
        let many = note(&Note::FirstFin {
            from: Side::Client,
            fin_rel_seq: 12,
            len: 5,
        });
        assert!(
            many.contains("os seus últimos 5 bytes (seq 7..12)"),
            "{many}"
        );
    }
}
