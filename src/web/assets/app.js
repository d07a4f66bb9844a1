// socklab capture --web: the real packets of a capture, stepped through like
// a simulation. Plain JavaScript, no build step, nothing from the network.
//
// Safety: every string that comes from the capture (payloads, program names,
// call results, addresses) is put on the page with textContent or as an SVG
// text node, never parsed as HTML. The page sends nothing to the server but
// GET requests for itself and its event stream: every control below changes
// this page only.
"use strict";

// ---------------------------------------------------------------- language
// Every string the page shows, in English and Brazilian Portuguese. TCP flag
// and state names stay as they are in both.
const I18N = {
  en: {
    title: "socklab · capture",
    start: "|◀", back: "◀", play: "▶ Play", pause: "❚❚ Pause", forward: "▶",
    end: "▶|", nextHandshake: "Next handshake", nextTeardown: "Next teardown",
    startTip: "Back to the start (Home)", backTip: "Step back (←)", forwardTip: "Step forward (→)", endTip: "Jump to the newest event (End)",
    speed: "Speed: events per second", connAuto: "Ladder: the connection of the current event",
    predict: "Predict", theme: "◐", themeTip: "Light or dark (D)", lang: "Language",
    keys: "Keys: Space play/pause · → step · ← back · Home start · End live · H next handshake · T next teardown · P predict · D light/dark",
    readOnly: "Read-only view shared with the class: the controls change only this page; nothing reaches the capture.",
    live: "live", file: "file", ended: "capture over", connecting: "connecting…", lost: "connection to capture lost, retrying…",
    paused: "paused", playing: "playing {0}×",
    position: "event {0} of {1}",
    waiting: "{0} new events waiting",
    droppedNote: "{0} earlier events were left out (the view keeps the last {1})",
    ahead: "{0} more events ahead: press → to step",
    nothingYet: "Nothing captured yet. Run the programs, e.g. tcp_server and tcp_client.",
    atStart: "At the start: press → (or Space) to see the first event.",
    eventsTitle: "Events in time order",
    ladderNone: "No connection or flow yet.",
    client: "client", server: "server", sender: "sender", receiver: "receiver",
    tcpConn: "TCP connection #{0}: {1} ↔ {2}", udpFlow: "UDP flow u{0}: {1} ↔ {2}",
    earlierRungs: "… {0} earlier arrows not drawn",
    kSegment: "TCP", kDatagram: "UDP", kOther: "other", kCall: "call", kConnection: "end", kBad: "bad",
    summary: "end of connection #{0}: handshake {1}, teardown {2}{3}, {4} segments",
    closedBy: ", closed by the {0}",
    detailNone: "Click an event or an arrow to see its headers here.",
    segmentTitle: "TCP segment #{0}: {1} → {2}", datagramTitle: "UDP datagram (flow u{0}): {1} → {2}",
    otherTitle: "Packet", callTitle: "Socket call", connectionTitle: "Connection summary", badTitle: "Packet that could not be decoded",
    causedBy: "Caused by: {0}", thenReturned: "Then: {0}",
    statesAfter: "After it: client {0} · server {1}",
    noHeaders: "No header detail for this event.",
    layerIp4: "IPv4 header", layerIp6: "IPv6 header", layerTcp: "TCP header", layerUdp: "UDP header",
    layerIcmp: "ICMP header", layerIcmp6: "ICMPv6 header", layerPayload: "Payload",
    field: "field", value: "value", meaning: "what it means",
    ckGood: "correct", ckBad: "wrong, should be {0}",
    ckPartial: "not verified: left to checksum offload, which loopback never fills in (not an error)",
    ckAbsent: "none: the sender did not compute one", ckUnverified: "not verified: the capture cut the packet",
    winSyn: "a SYN's window is never scaled", winScaled: "× {0} = {1} bytes (window scale {2} from the {3})",
    winOff: "not scaled: a SYN had no window scale", winUnknown: "scale unknown: the handshake was not captured",
    notUsed: "not used: the ACK flag is off", relative: "relative {0}",
    noFlags: "none", bytes: "{0} bytes", moreBytes: "(first {0} of {1} bytes shown)",
    optMss: "MSS {0}", optWscale: "window scale {0} (× {1})", optSackOk: "SACK permitted",
    optSack: "SACK {0}", optTs: "timestamps val {0} ecr {1}", optNop: "NOP (padding)", optEol: "end of options",
    optUnknown: "kind {0}: {1}", optBad: "kind {0} with an impossible length {1}",
    predictTitle: "Predict the next segment: the {0} sends to the {1} (#{2})",
    qFlags: "Which flags?", qAck: "What ack number? (relative)", qAckNone: "no ACK flag",
    qState: "Which state is the {0} in after it?", check: "Check", skip: "Show it",
    right: "right", wrong: "not quite: {0}", chooseState: "choose…",
    scoreLine: "Right answers: flags {0}/{1} · ack number {2}/{3} · state {4}/{5}",
    resetScore: "Reset score",
  },
  "pt-BR": {
    title: "socklab · capture",
    start: "|◀", back: "◀", play: "▶ Reproduzir", pause: "❚❚ Pausar", forward: "▶",
    end: "▶|", nextHandshake: "Próx. handshake", nextTeardown: "Próx. encerramento",
    startTip: "Voltar ao início (Home)", backTip: "Voltar um evento (←)", forwardTip: "Avançar um evento (→)", endTip: "Ir ao evento mais recente (End)",
    speed: "Velocidade: eventos por segundo", connAuto: "Diagrama: a conexão do evento atual",
    predict: "Prever", theme: "◐", themeTip: "Claro ou escuro (D)", lang: "Idioma",
    keys: "Teclas: Espaço reproduz/pausa · → avança · ← volta · Home início · End ao vivo · H próximo handshake · T próximo encerramento · P prever · D claro/escuro",
    readOnly: "Visualização somente leitura compartilhada com a turma: os controles mudam apenas esta página; nada chega à captura.",
    live: "ao vivo", file: "arquivo", ended: "captura encerrada", connecting: "conectando…", lost: "conexão com a captura perdida, tentando de novo…",
    paused: "pausado", playing: "reproduzindo {0}×",
    position: "evento {0} de {1}",
    waiting: "{0} eventos novos esperando",
    droppedNote: "{0} eventos anteriores ficaram de fora (a visualização guarda os últimos {1})",
    ahead: "mais {0} eventos pela frente: pressione → para avançar",
    nothingYet: "Nada capturado ainda. Rode os programas, por exemplo tcp_server e tcp_client.",
    atStart: "No início: pressione → (ou Espaço) para ver o primeiro evento.",
    eventsTitle: "Eventos em ordem de tempo",
    ladderNone: "Nenhuma conexão ou fluxo ainda.",
    client: "cliente", server: "servidor", sender: "remetente", receiver: "destinatário",
    tcpConn: "conexão TCP #{0}: {1} ↔ {2}", udpFlow: "fluxo UDP u{0}: {1} ↔ {2}",
    earlierRungs: "… {0} setas anteriores não desenhadas",
    kSegment: "TCP", kDatagram: "UDP", kOther: "outro", kCall: "chamada", kConnection: "fim", kBad: "inválido",
    summary: "fim da conexão #{0}: handshake {1}, encerramento {2}{3}, {4} segmentos",
    closedBy: ", fechada pelo {0}",
    detailNone: "Clique em um evento ou em uma seta para ver os cabeçalhos aqui.",
    segmentTitle: "Segmento TCP #{0}: {1} → {2}", datagramTitle: "Datagrama UDP (fluxo u{0}): {1} → {2}",
    otherTitle: "Pacote", callTitle: "Chamada de socket", connectionTitle: "Resumo da conexão", badTitle: "Pacote que não pôde ser decodificado",
    causedBy: "Causado por: {0}", thenReturned: "Em seguida: {0}",
    statesAfter: "Depois dele: cliente {0} · servidor {1}",
    noHeaders: "Sem detalhes de cabeçalho para este evento.",
    layerIp4: "Cabeçalho IPv4", layerIp6: "Cabeçalho IPv6", layerTcp: "Cabeçalho TCP", layerUdp: "Cabeçalho UDP",
    layerIcmp: "Cabeçalho ICMP", layerIcmp6: "Cabeçalho ICMPv6", layerPayload: "Dados (carga útil)",
    field: "campo", value: "valor", meaning: "o que significa",
    ckGood: "correto", ckBad: "errado, deveria ser {0}",
    ckPartial: "não verificado: deixado para o offload de checksum, que a loopback nunca completa (não é erro)",
    ckAbsent: "nenhum: o remetente não calculou", ckUnverified: "não verificado: a captura cortou o pacote",
    winSyn: "a janela de um SYN nunca é escalada", winScaled: "× {0} = {1} bytes (escala de janela {2} vinda do {3})",
    winOff: "sem escala: um dos SYN não tinha escala de janela", winUnknown: "escala desconhecida: o handshake não foi capturado",
    notUsed: "não usado: a flag ACK está desligada", relative: "relativo {0}",
    noFlags: "nenhuma", bytes: "{0} bytes", moreBytes: "(mostrando os primeiros {0} de {1} bytes)",
    optMss: "MSS {0}", optWscale: "escala de janela {0} (× {1})", optSackOk: "SACK permitido",
    optSack: "SACK {0}", optTs: "timestamps val {0} ecr {1}", optNop: "NOP (preenchimento)", optEol: "fim das opções",
    optUnknown: "tipo {0}: {1}", optBad: "tipo {0} com tamanho impossível {1}",
    predictTitle: "Preveja o próximo segmento: o {0} envia para o {1} (#{2})",
    qFlags: "Quais flags?", qAck: "Qual o número de ack? (relativo)", qAckNone: "sem flag ACK",
    qState: "Em que estado fica o {0} depois dele?", check: "Conferir", skip: "Mostrar",
    right: "certo", wrong: "não foi: {0}", chooseState: "escolha…",
    scoreLine: "Acertos: flags {0}/{1} · número de ack {2}/{3} · estado {4}/{5}",
    resetScore: "Zerar placar",
  },
};

// Each header field: its name and a one-line meaning, in both languages.
const FIELDS = {
  en: {
    "ip.version": ["version", "4 or 6: tells the receiver how to read the rest of the header."],
    "ip.header_len": ["header length", "Size of the IPv4 header: 20 bytes, more when IP options follow."],
    "ip.dscp": ["DSCP", "Priority class that routers may honour (0 = best effort)."],
    "ip.ecn": ["ECN", "Congestion signal a router may set instead of dropping (0 = not used)."],
    "ip.total_len": ["total length", "Bytes in the whole packet: IP header + TCP/UDP header + data."],
    "ip.id": ["identification", "Groups the fragments of one packet; Linux counts it per destination."],
    "ip.flags": ["flags", "DF: don't fragment (Linux finds the path MTU instead). MF: more fragments follow."],
    "ip.frag_offset": ["fragment offset", "Where this fragment's data goes in the original packet (0: whole or first)."],
    "ip.ttl": ["TTL", "Hops left: each router subtracts 1 and drops the packet at 0 (Linux starts at 64)."],
    "ip.proto": ["protocol", "What the payload is: 6 TCP, 17 UDP, 1 ICMP."],
    "ip.checksum": ["header checksum", "Sum over the IP header only; every router checks it."],
    "ip.src": ["source", "Address of the sending host."],
    "ip.dst": ["destination", "Address of the receiving host."],
    "ip.options_len": ["options", "Bytes of IP options (rare today)."],
    "ip.traffic_class": ["traffic class", "Priority and congestion signal: IPv4's DSCP and ECN."],
    "ip.flow_label": ["flow label", "Marks the packets of one flow so routers keep them on one path."],
    "ip.payload_len": ["payload length", "Bytes after the 40-byte IPv6 header."],
    "ip.next_header": ["next header", "What follows: 6 TCP, 17 UDP, 58 ICMPv6, or an extension header."],
    "ip.hop_limit": ["hop limit", "IPv6's TTL: hops left before a router drops the packet."],
    "ip.extensions": ["extension headers", "Optional headers between IPv6 and TCP/UDP."],
    "tcp.src_port": ["source port", "The sending socket's port (a client's is picked by the kernel)."],
    "tcp.dst_port": ["destination port", "The receiving socket's port (a server's is the one it bind()s)."],
    "tcp.seq": ["sequence number", "Number of this segment's first byte; a SYN or a FIN uses one number too."],
    "tcp.ack": ["acknowledgment number", "The next byte expected from the other side: all before it arrived."],
    "tcp.header_len": ["header length", "Data offset: the TCP header's size, 20 bytes plus options."],
    "tcp.reserved": ["reserved", "Bits kept for later use (the last one is AE, for accurate ECN)."],
    "tcp.flags": ["flags", "SYN opens, FIN closes, RST aborts, ACK: the ack number counts, PSH: deliver now."],
    "tcp.window": ["window", "Free space in the sender's receive buffer: how much more it can take."],
    "tcp.checksum": ["checksum", "Sum over a pseudo-header, the TCP header and the data."],
    "tcp.urgent": ["urgent pointer", "Only with URG: where urgent data ends (unused today)."],
    "tcp.options": ["options", "Settled in the SYNs: MSS, window scale, SACK, timestamps."],
    "udp.src_port": ["source port", "The sending socket's port."],
    "udp.dst_port": ["destination port", "The receiving socket's port."],
    "udp.length": ["length", "Bytes in the UDP header (8) plus the data."],
    "udp.checksum": ["checksum", "Sum over a pseudo-header, the UDP header and the data; 0 = none (IPv4)."],
    "icmp.type": ["type", "What the message is: 3 destination unreachable, 8 echo request, 0 echo reply."],
    "icmp.code": ["code", "Detail of the type: type 3 code 3 = port unreachable, nobody listens there."],
    "icmp.checksum": ["checksum", "Sum over the ICMP message."],
    "icmp.rest": ["rest of header", "Depends on the type: identifier and sequence for echo, unused in errors."],
    "payload.len": ["length", "Bytes the application handed to send(); the other side's recv() gets them."],
    "payload.bytes": ["bytes", "The first bytes, in hex and as text."],
  },
  "pt-BR": {
    "ip.version": ["versão", "4 ou 6: diz ao receptor como ler o resto do cabeçalho."],
    "ip.header_len": ["tamanho do cabeçalho", "Tamanho do cabeçalho IPv4: 20 bytes, mais se houver opções IP."],
    "ip.dscp": ["DSCP", "Classe de prioridade que os roteadores podem respeitar (0 = melhor esforço)."],
    "ip.ecn": ["ECN", "Sinal de congestionamento que um roteador pode marcar em vez de descartar (0 = não usado)."],
    "ip.total_len": ["tamanho total", "Bytes do pacote inteiro: cabeçalho IP + cabeçalho TCP/UDP + dados."],
    "ip.id": ["identificação", "Agrupa os fragmentos de um pacote; o Linux conta por destino."],
    "ip.flags": ["flags", "DF: não fragmentar (o Linux descobre o MTU do caminho). MF: há mais fragmentos."],
    "ip.frag_offset": ["deslocamento do fragmento", "Onde os dados deste fragmento ficam no pacote original (0: inteiro ou primeiro)."],
    "ip.ttl": ["TTL", "Saltos restantes: cada roteador subtrai 1 e descarta o pacote em 0 (o Linux começa em 64)."],
    "ip.proto": ["protocolo", "O que vem dentro: 6 TCP, 17 UDP, 1 ICMP."],
    "ip.checksum": ["checksum do cabeçalho", "Soma só do cabeçalho IP; todo roteador confere."],
    "ip.src": ["origem", "Endereço da máquina que envia."],
    "ip.dst": ["destino", "Endereço da máquina que recebe."],
    "ip.options_len": ["opções", "Bytes de opções IP (raras hoje)."],
    "ip.traffic_class": ["classe de tráfego", "Prioridade e sinal de congestionamento: o DSCP e o ECN do IPv4."],
    "ip.flow_label": ["rótulo de fluxo", "Marca os pacotes de um fluxo para os roteadores os manterem no mesmo caminho."],
    "ip.payload_len": ["tamanho da carga", "Bytes depois do cabeçalho IPv6 de 40 bytes."],
    "ip.next_header": ["próximo cabeçalho", "O que vem a seguir: 6 TCP, 17 UDP, 58 ICMPv6 ou um cabeçalho de extensão."],
    "ip.hop_limit": ["limite de saltos", "O TTL do IPv6: saltos restantes antes de um roteador descartar o pacote."],
    "ip.extensions": ["cabeçalhos de extensão", "Cabeçalhos opcionais entre o IPv6 e o TCP/UDP."],
    "tcp.src_port": ["porta de origem", "A porta do socket que envia (a do cliente é escolhida pelo kernel)."],
    "tcp.dst_port": ["porta de destino", "A porta do socket que recebe (a do servidor é a do bind())."],
    "tcp.seq": ["número de sequência", "Número do primeiro byte deste segmento; um SYN ou um FIN também gasta um número."],
    "tcp.ack": ["número de confirmação", "O próximo byte esperado do outro lado: tudo antes dele chegou."],
    "tcp.header_len": ["tamanho do cabeçalho", "Data offset: o tamanho do cabeçalho TCP, 20 bytes mais as opções."],
    "tcp.reserved": ["reservado", "Bits guardados para uso futuro (o último é o AE, do ECN preciso)."],
    "tcp.flags": ["flags", "SYN abre, FIN fecha, RST aborta, ACK: o número de ack vale, PSH: entregue já."],
    "tcp.window": ["janela", "Espaço livre no buffer de recepção de quem envia: quanto ainda cabe."],
    "tcp.checksum": ["checksum", "Soma de um pseudo-cabeçalho, do cabeçalho TCP e dos dados."],
    "tcp.urgent": ["ponteiro de urgência", "Só com URG: onde terminam os dados urgentes (sem uso hoje)."],
    "tcp.options": ["opções", "Combinadas nos SYN: MSS, escala de janela, SACK, timestamps."],
    "udp.src_port": ["porta de origem", "A porta do socket que envia."],
    "udp.dst_port": ["porta de destino", "A porta do socket que recebe."],
    "udp.length": ["tamanho", "Bytes do cabeçalho UDP (8) mais os dados."],
    "udp.checksum": ["checksum", "Soma de um pseudo-cabeçalho, do cabeçalho UDP e dos dados; 0 = nenhum (IPv4)."],
    "icmp.type": ["tipo", "O que é a mensagem: 3 destino inalcançável, 8 pedido de eco, 0 resposta de eco."],
    "icmp.code": ["código", "Detalhe do tipo: tipo 3 código 3 = porta inalcançável, ninguém escuta ali."],
    "icmp.checksum": ["checksum", "Soma da mensagem ICMP."],
    "icmp.rest": ["resto do cabeçalho", "Depende do tipo: identificador e sequência no eco, sem uso nos erros."],
    "payload.len": ["tamanho", "Bytes que a aplicação passou ao send(); o recv() do outro lado os recebe."],
    "payload.bytes": ["bytes", "Os primeiros bytes, em hexadecimal e como texto."],
  },
};

// The language capture speaks, as the page was served with it (the
// hello message and ?lang= may change it).
let lang = I18N[document.documentElement.lang] ? document.documentElement.lang : "en";

/** The string `key` in the page's language, with {0}, {1}... filled in. */
function t(key, ...args) {
  const table = I18N[lang] || I18N.en;
  const s = key in table ? table[key] : I18N.en[key];
  return String(s).replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)]));
}

function fieldText(key) {
  const table = FIELDS[lang] || FIELDS.en;
  return table[key] || FIELDS.en[key] || [key, ""];
}

// ------------------------------------------------------------------ state
const MAX_PAGE_EVENTS = 20000; // beyond this the oldest quarter is let go
const MAX_RUNGS = 300;         // arrows drawn in one ladder
const STATES = ["CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
  "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"];
const FLAG_CHOICES = ["SYN", "ACK", "FIN", "RST", "PSH", "URG"];

const S = {
  hello: null,
  events: [],        // what the list shows, in time order
  lis: [],           // the list item of each event, made when first shown
  flows: new Map(),  // "tcp:1" / "udp:2" -> {key, kind, n, a, b}
  cursor: -1,        // last event shown (-1: before the first)
  selected: -1,      // event shown in the detail pane
  playing: false, speed: 1, timer: null,
  connChoice: "",    // "" = follow the current event
  predict: false, question: null,
  score: { flags: [0, 0], ack: [0, 0], state: [0, 0] },
  ended: false, dropped: 0, connected: false, t0: null, totals: null,
  folded: new Set(), // header layers the presenter folded away
};

const $ = (id) => document.getElementById(id);

/** An element with a class and a text, built without parsing any HTML. */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

const SVG = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

// ------------------------------------------------------------ the events
/** Which ladder an event belongs to: "tcp:N", "udp:N" or null. */
function flowKey(e) {
  if (e.type === "segment" && e.conn != null) return "tcp:" + e.conn;
  if (e.type === "connection") return "tcp:" + e.conn;
  if (e.type === "datagram") return "udp:" + e.flow;
  if (e.type === "call" && e.conn != null) return "tcp:" + e.conn;
  if (e.type === "call") {
    for (const f of S.flows.values()) {
      if (f.kind !== "udp") continue;
      if ((e.local === f.a && (e.peer === f.b || e.peer == null)) ||
          (e.local === f.b && (e.peer === f.a || e.peer == null))) return f.key;
    }
  }
  if (e.type === "other" && typeof e.what === "string") {
    // An ICMP error quotes the datagram it answers: "... for UDP a > b".
    const m = /for UDP (\S+) > (\S+)$/.exec(e.what);
    if (m) {
      for (const f of S.flows.values()) {
        if (f.kind === "udp" && ((f.a === m[1] && f.b === m[2]) || (f.a === m[2] && f.b === m[1]))) return f.key;
      }
    }
  }
  return null;
}

function addEvent(e) {
  if (!e || typeof e !== "object") return;
  if (e.type === "totals") { S.totals = e; return; }
  if (!["segment", "datagram", "other", "call", "connection", "truncated", "malformed"].includes(e.type)) return;
  if (S.t0 == null && typeof e.t === "number") S.t0 = e.t;
  if (e.type === "segment" && e.conn != null && !S.flows.has("tcp:" + e.conn)) {
    const key = "tcp:" + e.conn;
    const [a, b] = e.dir === "c2s" ? [e.src, e.dst] : [e.dst, e.src];
    S.flows.set(key, { key, kind: "tcp", n: e.conn, a, b });
    addConnOption(key);
  }
  if (e.type === "datagram" && !S.flows.has("udp:" + e.flow)) {
    const key = "udp:" + e.flow;
    S.flows.set(key, { key, kind: "udp", n: e.flow, a: e.src, b: e.dst });
    addConnOption(key);
  }
  e.key = flowKey(e);
  S.events.push(e);
  if (S.events.length > MAX_PAGE_EVENTS) {
    const cut = Math.floor(MAX_PAGE_EVENTS / 4);
    S.events.splice(0, cut);
    for (const li of S.lis.splice(0, cut)) if (li) li.remove();
    S.dropped += cut;
    S.cursor = Math.max(-1, S.cursor - cut);
    S.selected = Math.max(-1, S.selected - cut);
  }
}

function flowTitle(f) {
  return f.kind === "tcp" ? t("tcpConn", f.n, f.a, f.b) : t("udpFlow", f.n, f.a, f.b);
}

function addConnOption(key) {
  const f = S.flows.get(key);
  const o = el("option", null, flowTitle(f));
  o.value = key;
  $("conn").append(o);
}

function relTime(e) {
  const tt = typeof e.t === "number" ? e.t : (S.t0 || 0);
  return (tt - (S.t0 || tt)).toFixed(6);
}

function flagLabel(flags) {
  if (!Array.isArray(flags) || flags.length === 0) return "none";
  const order = ["SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];
  return order.filter((f) => flags.includes(f)).join("-");
}

/** One line of the event list for `e`. */
function eventText(e) {
  switch (e.type) {
    case "segment": {
      let s = `#${e.conn ?? "-"} ${e.src} → ${e.dst} ${flagLabel(e.flags)} seq ${e.rel_seq}`;
      if (Array.isArray(e.flags) && e.flags.includes("ACK")) s += ` ack ${e.rel_ack}`;
      s += ` win ${e.win}`;
      if (e.len > 0) s += ` len ${e.len}`;
      if (typeof e.preview === "string") s += ` "${e.preview}"`;
      return [t("kSegment"), s + `  (${e.step})`];
    }
    case "datagram": {
      let s = `u${e.flow} ${e.src} → ${e.dst} len ${e.len}`;
      if (e.len > 0) s += ` "${e.preview}"`;
      return [t("kDatagram"), s];
    }
    case "call": {
      let s = `${e.prog}[${e.pid}]: ${e.call}()`;
      s += e.phase === "enter" ? " …" : (e.result ? ` -> ${e.result_words || e.result}` : "");
      if (e.relation) s += `  ${e.relation}`;
      return [t("kCall"), s];
    }
    case "connection":
      return [t("kConnection"), t("summary", e.conn, e.handshake, e.teardown,
        e.closed_by ? t("closedBy", t(e.closed_by)) : "", e.segments)];
    case "other":
      return [t("kOther"), e.what];
    default:
      return [t("kBad"), e.error];
  }
}

function kindClass(e) {
  if (e.type === "datagram") return "datagram";
  if (e.type === "other") return "other";
  if (e.type !== "segment") return "";
  const step = String(e.step || "");
  if (step.startsWith("handshake")) return "handshake";
  if (step.startsWith("teardown")) return "teardown";
  if (step === "reset") return "reset";
  if (step === "retransmission") return "retransmission";
  if (step === "data") return "data";
  return "ack";
}

function listItem(i) {
  if (S.lis[i]) return S.lis[i];
  const e = S.events[i];
  const [kind, text] = eventText(e);
  const li = el("li", e.type === "call" ? "call" : "");
  li.append(el("span", "time", relTime(e)), el("span", "kind k-" + kindClass(e), kind), el("span", "text", text));
  li.title = text;
  li.addEventListener("click", () => { pause(); moveTo(i); });
  S.lis[i] = li;
  return li;
}

// ---------------------------------------------------------------- drawing
/** The ladder currently shown: the chosen one, or that of the current event. */
function currentFlow() {
  if (S.connChoice) return S.flows.get(S.connChoice) || null;
  for (let i = Math.min(S.selected >= 0 ? S.selected : S.cursor, S.events.length - 1); i >= 0; i--) {
    const k = S.events[i].key;
    if (k) return S.flows.get(k) || null;
  }
  return null;
}

/** Each side's state as of event `upto` on flow `f`. */
function statesAt(f, upto) {
  let st = { client: "CLOSED", server: "LISTEN" };
  if (!f || f.kind !== "tcp") return null;
  for (let i = 0; i <= upto && i < S.events.length; i++) {
    const e = S.events[i];
    if (e.type === "segment" && e.key === f.key) st = { client: e.client_state, server: e.server_state };
  }
  return st;
}

function drawLadder() {
  const f = currentFlow();
  const pane = $("ladder");
  const head = $("ladder-head");
  pane.replaceChildren();
  head.replaceChildren();
  if (!f) { pane.append(el("p", "note", t("ladderNone"))); return; }
  const rows = [];
  for (let i = 0; i <= S.cursor && i < S.events.length; i++) {
    const e = S.events[i];
    if (e.key === f.key && e.type !== "connection") rows.push(i);
  }
  const pending = S.question && S.events[S.question.index] && S.events[S.question.index].key === f.key
    ? S.question.index : -1;
  const skipped = Math.max(0, rows.length - MAX_RUNGS);
  const shown = rows.slice(skipped);
  const W = Math.max(560, pane.clientWidth || 700);
  const LX = Math.round(W * 0.27), RX = Math.round(W * 0.69);
  const ARROW = 58, CALL = 26, SLANT = 22;
  // The header stays in view: each side's name, address and state now.
  const H = 72;
  const top = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H });
  const leftName = f.kind === "tcp" ? t("client") : "A";
  const rightName = f.kind === "tcp" ? t("server") : "B";
  top.append(svgEl("text", { x: LX, y: 18, "text-anchor": "middle", class: "title" }, leftName));
  top.append(svgEl("text", { x: LX, y: 38, "text-anchor": "middle" }, f.a));
  top.append(svgEl("text", { x: RX, y: 18, "text-anchor": "middle", class: "title" }, rightName));
  top.append(svgEl("text", { x: RX, y: 38, "text-anchor": "middle" }, f.b));
  const now = statesAt(f, S.cursor);
  if (now) {
    top.append(svgEl("text", { x: LX, y: 58, "text-anchor": "middle", class: "now client-state" }, now.client));
    top.append(svgEl("text", { x: RX, y: 58, "text-anchor": "middle", class: "now server-state" }, now.server));
  }
  for (const x of [LX, RX]) top.append(svgEl("line", { x1: x, y1: 64, x2: x, y2: H, class: "lifeline" }));
  head.append(top);

  let h = 8 + (skipped ? 24 : 0);
  for (const i of shown) h += S.events[i].type === "call" ? CALL : ARROW;
  if (pending >= 0) h += ARROW;
  h = Math.max(h, 40);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${h}`, width: W, height: h, role: "img" });
  const defs = svgEl("defs");
  const marker = svgEl("marker", { id: "head", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 16, markerHeight: 16, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" });
  marker.append(svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "context-stroke" }));
  defs.append(marker);
  svg.append(defs);
  for (const x of [LX, RX]) svg.append(svgEl("line", { x1: x, y1: 0, x2: x, y2: h, class: "lifeline" }));
  let y = 4;
  if (skipped) {
    svg.append(svgEl("text", { x: (LX + RX) / 2, y: y + 14, "text-anchor": "middle", class: "caption" }, t("earlierRungs", skipped)));
    y += 24;
  }
  let prev = { client: "CLOSED", server: "LISTEN" };
  for (const i of rows.slice(0, skipped)) {
    const e = S.events[i];
    if (e.type === "segment") prev = { client: e.client_state, server: e.server_state };
  }
  const rung = (i, cls) => {
    const g = svgEl("g", { class: "rung" + (cls ? " " + cls : "") });
    if (i === S.cursor) g.classList.add("current");
    if (i === S.selected && S.selected !== S.cursor) g.classList.add("selected");
    g.addEventListener("click", () => { pause(); moveTo(i); });
    return g;
  };
  for (const i of shown) {
    const e = S.events[i];
    if (e.type === "call") {
      const g = rung(i);
      const left = callSide(e, f) === "a";
      const full = `${e.call}()` + (e.phase === "enter" ? " …" : (e.result ? ` -> ${e.result_words || e.result}` : ""));
      g.append(svgEl("title", {}, eventText(e)[1]));
      g.append(svgEl("rect", { x: left ? 2 : RX + 2, y: y, width: left ? LX - 4 : W - RX - 4, height: CALL - 2, class: "hit", rx: 4 }));
      g.append(svgEl("text", { x: left ? LX - 8 : RX + 8, y: y + 18, "text-anchor": left ? "end" : "start", class: "call" },
        shorten(full, Math.floor((left ? LX : W - RX) / 8.6) - 1)));
      svg.append(g);
      y += CALL;
      continue;
    }
    const fromA = fromSideA(e, f);
    const [x1, x2] = fromA ? [LX, RX] : [RX, LX];
    const cls = kindClass(e);
    const g = rung(i);
    g.append(svgEl("title", {}, eventText(e)[1]));
    g.append(svgEl("rect", { x: 2, y: y, width: W - 4, height: ARROW - 4, class: "hit", rx: 6 }));
    g.append(svgEl("line", { x1, y1: y + 26, x2, y2: y + 26 + SLANT, class: "arrow " + cls, "marker-end": "url(#head)" }));
    let label;
    if (e.type === "segment") {
      label = `${flagLabel(e.flags)} seq ${e.rel_seq}` + (e.flags.includes("ACK") ? ` ack ${e.rel_ack}` : "") + (e.len > 0 ? ` len ${e.len}` : "");
    } else if (e.type === "datagram") {
      label = `UDP len ${e.len}`;
    } else {
      label = shorten(String(e.what), 40);
    }
    g.append(svgEl("text", { x: (LX + RX) / 2, y: y + 18, "text-anchor": "middle", class: "label " + cls }, label));
    if (e.type === "segment") {
      const st = { client: e.client_state, server: e.server_state };
      if (st.client !== prev.client) g.append(svgEl("text", { x: LX - 8, y: y + 26 + (fromA ? 0 : SLANT) + 5, "text-anchor": "end", class: "state" }, st.client));
      if (st.server !== prev.server) g.append(svgEl("text", { x: RX + 8, y: y + 26 + (fromA ? SLANT : 0) + 5, "text-anchor": "start", class: "state" }, st.server));
      prev = st;
    }
    svg.append(g);
    y += ARROW;
  }
  if (pending >= 0) {
    const e = S.events[pending];
    const fromA = e.dir === "c2s";
    const [x1, x2] = fromA ? [LX, RX] : [RX, LX];
    const g = svgEl("g", { class: "rung pending" });
    g.append(svgEl("line", { x1, y1: y + 26, x2, y2: y + 26 + SLANT, class: "arrow", "marker-end": "url(#head)" }));
    g.append(svgEl("text", { x: (LX + RX) / 2, y: y + 18, "text-anchor": "middle", class: "label" }, "? ? ?"));
    svg.append(g);
  }
  pane.append(svg);
  const cur = svg.querySelector("g.selected, g.current, g.pending");
  if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: "center" });
}

/** Whether `e` goes from the ladder's left column (A) to its right one. */
function fromSideA(e, f) {
  if (e.type === "segment") return e.dir === "c2s";
  if (e.type === "datagram") return e.src === f.a;
  // An ICMP error goes back to the sender of the datagram it quotes.
  const m = /for UDP (\S+) > (\S+)$/.exec(String(e.what));
  return !(m && m[1] === f.a);
}

function callSide(e, f) {
  if (e.local === f.a || (e.local == null && e.peer === f.b)) return "a";
  if (e.local === f.b || (e.local == null && e.peer === f.a)) return "b";
  return e.prog && /client/.test(e.prog) ? "a" : "b";
}

function shorten(s, max) {
  s = String(s);
  return s.length <= max ? s : s.slice(0, Math.max(1, max - 1)) + "…";
}

function drawList() {
  const ol = $("events");
  // Make and show the items up to the cursor; hide the ones after it.
  for (let i = 0; i < S.events.length; i++) {
    if (i <= S.cursor) {
      const li = listItem(i);
      if (!li.isConnected) ol.append(li);
      li.hidden = false;
      li.classList.toggle("current", i === S.cursor);
      li.classList.toggle("selected", i === S.selected && i !== S.cursor);
    } else if (S.lis[i]) {
      S.lis[i].hidden = true;
      S.lis[i].classList.remove("current", "selected");
    } else {
      break;
    }
  }
  const ahead = S.events.length - 1 - S.cursor;
  if (S.events.length === 0) $("ahead").textContent = t("nothingYet");
  else if (S.cursor < 0) $("ahead").textContent = t("atStart");
  else $("ahead").textContent = ahead > 0 ? t("ahead", ahead) : "";
  const cur = S.lis[S.selected >= 0 ? S.selected : S.cursor];
  if (cur && !cur.hidden && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest" });
}

function drawStatus() {
  const parts = [];
  if (!S.connected) parts.push(S.hello ? t("lost") : t("connecting"));
  else if (S.ended) parts.push(t("ended"));
  else if (S.hello) parts.push(S.hello.live ? t("live") : t("file"));
  parts.push(S.playing ? t("playing", S.speed) : t("paused"));
  if (S.events.length) parts.push(t("position", Math.max(0, S.cursor + 1), S.events.length));
  const waiting = S.events.length - 1 - S.cursor;
  if (!S.playing && waiting > 0 && S.hello && S.hello.live && !S.ended) parts.push(t("waiting", waiting));
  if (S.dropped) parts.push(t("droppedNote", S.dropped, S.hello ? S.hello.history : MAX_PAGE_EVENTS));
  $("status").textContent = parts.join(" · ");
  $("b-play").textContent = S.playing ? t("pause") : t("play");
  $("b-predict").setAttribute("aria-pressed", String(S.predict));
}

// ------------------------------------------------------------- the detail
function hex4(n) { return "0x" + Number(n).toString(16).padStart(4, "0"); }

function checksumText(h) {
  const v = String(h.checksum);
  switch (h.checksum_status) {
    case "good": return `${v} (${t("ckGood")})`;
    case "bad": return `${v} (${t("ckBad", h.checksum_expected)})`;
    case "partial": return `${v} (${t("ckPartial")})`;
    case "absent": return `${v} (${t("ckAbsent")})`;
    default: return `${v} (${t("ckUnverified")})`;
  }
}

function optionText(o) {
  switch (o.name) {
    case "mss": return t("optMss", o.value);
    case "wscale": return t("optWscale", o.shift, o.multiplier);
    case "sack_permitted": return t("optSackOk");
    case "sack": return t("optSack", (o.blocks || []).map((b) => `${b[0]}-${b[1]}`).join(" "));
    case "timestamps": return t("optTs", o.val, o.ecr);
    case "nop": return t("optNop");
    case "eol": return t("optEol");
    case "malformed": return t("optBad", o.kind, o.len);
    default: return t("optUnknown", o.kind, o.data);
  }
}

function protoName(p) {
  return ({ 1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6", 0: "hop-by-hop", 43: "routing", 44: "fragment", 51: "AH", 60: "dest-opts" })[p] || "?";
}

/** The rows of each header layer: [field key, value text]. */
function layers(e) {
  const h = e.headers;
  const out = [];
  if (!h || !h.ip) return out;
  const ip = h.ip;
  if (ip.version === 4) {
    const fl = [ip.flags && ip.flags.reserved ? "reserved" : null, ip.flags && ip.flags.df ? "DF" : null, ip.flags && ip.flags.mf ? "MF" : null].filter(Boolean);
    out.push([t("layerIp4") + ` (${ip.header_len} B)`, "ip", [
      ["ip.version", ip.version], ["ip.header_len", t("bytes", ip.header_len)], ["ip.dscp", ip.dscp], ["ip.ecn", ip.ecn],
      ["ip.total_len", t("bytes", ip.total_len)], ["ip.id", `${ip.id} (${hex4(ip.id)})`], ["ip.flags", fl.join(" ") || t("noFlags")],
      ["ip.frag_offset", ip.frag_offset], ["ip.ttl", ip.ttl], ["ip.proto", `${protoName(ip.proto)} (${ip.proto})`],
      ["ip.checksum", checksumText(ip)], ["ip.src", ip.src], ["ip.dst", ip.dst],
    ].concat(ip.options_len ? [["ip.options_len", t("bytes", ip.options_len)]] : [])]);
  } else {
    out.push([t("layerIp6") + " (40 B)", "ip", [
      ["ip.version", ip.version], ["ip.traffic_class", `${ip.traffic_class} (DSCP ${ip.dscp}, ECN ${ip.ecn})`],
      ["ip.flow_label", "0x" + Number(ip.flow_label).toString(16)], ["ip.payload_len", t("bytes", ip.payload_len)],
      ["ip.next_header", `${protoName(ip.next_header)} (${ip.next_header})`], ["ip.hop_limit", ip.hop_limit],
      ["ip.src", ip.src], ["ip.dst", ip.dst],
    ].concat((ip.extensions || []).length ? [["ip.extensions", ip.extensions.map((x) => `${protoName(x.type)} (${x.len} B)`).join(", ")]] : [])]);
  }
  if (h.tcp) {
    const c = h.tcp;
    const hasAck = Array.isArray(c.flags) && c.flags.includes("ACK");
    let win = String(c.window);
    if (c.wscale != null) win += " " + t("winScaled", 1 << c.wscale, c.window_scaled, c.wscale, c.wscale_from);
    else if (Array.isArray(c.flags) && c.flags.includes("SYN")) win += " (" + t("winSyn") + ")";
    else if (c.window_scaled == null) win += " (" + t("winUnknown") + ")";
    else win += " (" + t("winOff") + ")";
    out.push([t("layerTcp") + ` (${c.header_len} B)`, "tcp", [
      ["tcp.src_port", c.src_port], ["tcp.dst_port", c.dst_port],
      ["tcp.seq", `${c.seq}` + (e.type === "segment" ? ` (${t("relative", e.rel_seq)})` : "")],
      ["tcp.ack", hasAck ? `${c.ack}` + (e.type === "segment" ? ` (${t("relative", e.rel_ack)})` : "") : `${c.ack} (${t("notUsed")})`],
      ["tcp.header_len", t("bytes", c.header_len)], ["tcp.reserved", c.reserved],
      ["tcp.flags", ((c.flags || []).join(" ") || t("noFlags")) + ` (${"0x" + Number(c.flag_bits).toString(16).padStart(3, "0")})`],
      ["tcp.window", win], ["tcp.checksum", checksumText(c)], ["tcp.urgent", c.urgent],
      ["tcp.options", (c.options || []).map(optionText).join(", ") || t("noFlags")],
    ]]);
  }
  if (h.udp) {
    const u = h.udp;
    out.push([t("layerUdp") + " (8 B)", "udp", [
      ["udp.src_port", u.src_port], ["udp.dst_port", u.dst_port], ["udp.length", t("bytes", u.length)], ["udp.checksum", checksumText(u)],
    ]]);
  }
  if (h.icmp) {
    const m = h.icmp;
    out.push([(m.version === 6 ? t("layerIcmp6") : t("layerIcmp")) + " (8 B)", "icmp", [
      ["icmp.type", m.type], ["icmp.code", m.code], ["icmp.checksum", checksumText(m)], ["icmp.rest", m.rest],
    ]]);
  }
  return out;
}

/** `68 65 6c ...  hello` lines for the payload's first bytes. */
function hexDump(hex) {
  const bytes = [];
  for (let i = 0; i + 1 < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.slice(i, i + 16);
    const hx = row.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const tx = row.map((b) => (b > 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${i.toString(16).padStart(4, "0")}  ${hx.padEnd(47)}  ${tx}`);
  }
  return lines.join("\n");
}

/** Two table rows for a field: its name and value, then what it means. */
function fieldRows(name, value, meaning) {
  const top = el("tr", "f");
  top.append(el("td", "name", name), el("td", "value", value));
  const bottom = el("tr", "m");
  const m = el("td", "meaning", meaning);
  m.colSpan = 2;
  bottom.append(m);
  return [top, bottom];
}

/** The call that made segment `i`, and the call that returned because of it. */
function callsAround(i) {
  const e = S.events[i];
  let cause = null, then = null;
  if (e.type !== "segment" && e.type !== "datagram") return { cause, then };
  for (let j = i - 1; j >= 0; j--) {
    const c = S.events[j];
    if ((c.type === "segment" || c.type === "datagram") && c.src === e.src && c.dst === e.dst) break;
    // Relations are found by their stable name: the `relation` text is in
    // capture's language.
    if (c.type === "call" && c.relation_id === "caused" &&
        c.peer === e.dst && (c.local === e.src || c.local == null) && (e.conn == null || c.conn === e.conn)) { cause = c; break; }
  }
  for (let j = i + 1; j < S.events.length && j <= S.cursor; j++) {
    const c = S.events[j];
    if (c.type === "segment" && c.key === e.key) break;
    if (c.type === "call" && c.key === e.key && c.relation_id === "returned-after") { then = c; break; }
  }
  return { cause, then };
}

function drawDetail() {
  const box = $("detail");
  box.replaceChildren();
  const i = S.selected >= 0 ? S.selected : S.cursor;
  const e = S.events[i];
  if (!e) { box.append(el("p", "note", t("detailNone"))); return; }
  let title;
  if (e.type === "segment") title = t("segmentTitle", e.conn ?? "-", e.src, e.dst);
  else if (e.type === "datagram") title = t("datagramTitle", e.flow, e.src, e.dst);
  else if (e.type === "call") title = t("callTitle");
  else if (e.type === "connection") title = t("connectionTitle");
  else if (e.type === "other") title = t("otherTitle");
  else title = t("badTitle");
  box.append(el("h3", null, title));
  const [, line] = eventText(e);
  if (e.type === "segment") {
    box.append(el("p", "note k-" + kindClass(e), `${flagLabel(e.flags)} · ${e.step}` + ((e.labels || []).length ? " · " + e.labels.join(" ") : "")));
    if (e.note) box.append(el("p", "note", e.note));
    box.append(el("p", "note", t("statesAfter", e.client_state, e.server_state)));
  } else if (e.type === "datagram") {
    if (e.note) box.append(el("p", "note", e.note));
  } else {
    box.append(el("p", "note", line));
  }
  const { cause, then } = callsAround(i);
  if (cause) box.append(el("p", "cause", t("causedBy", eventText(cause)[1])));
  if (then) box.append(el("p", "cause", t("thenReturned", eventText(then)[1])));
  const ls = layers(e);
  if (!ls.length && (e.type === "segment" || e.type === "datagram" || e.type === "other")) box.append(el("p", "note", t("noHeaders")));
  for (const [name, kind, rows] of ls) {
    // Each layer folds; a folded kind stays folded for the next packets.
    const det = el("details");
    det.open = !S.folded.has(kind);
    det.addEventListener("toggle", () => { if (det.open) S.folded.delete(kind); else S.folded.add(kind); });
    det.append(el("summary", null, name));
    const table = el("table");
    for (const [key, value] of rows) {
      const [fname, meaning] = fieldText(key);
      table.append(...fieldRows(fname, value, meaning));
    }
    det.append(table);
    box.append(det);
  }
  const p = e.headers && e.headers.payload;
  if (p && p.len > 0) {
    box.append(el("h3", null, t("layerPayload") + " (" + t("bytes", p.len) + ")"));
    const shown = typeof p.hex === "string" ? p.hex.length / 2 : 0;
    const table = el("table");
    const [fname, meaning] = fieldText("payload.len");
    table.append(...fieldRows(fname, t("bytes", p.len), meaning));
    box.append(table);
    box.append(el("pre", "hex", hexDump(p.hex || "")));
    if (shown < p.len) box.append(el("p", "note", t("moreBytes", shown, p.len)));
    if (typeof e.preview === "string") box.append(el("pre", "preview", e.preview));
  }
}

// --------------------------------------------------------------- predict
/** The questions about segment `i` (as `capture --quiz` asks them). */
function questionsFor(i) {
  const e = S.events[i];
  let before = { client: "CLOSED", server: "LISTEN" };
  for (let j = i - 1; j >= 0; j--) {
    const p = S.events[j];
    if (p.type === "segment" && p.key === e.key) { before = { client: p.client_state, server: p.server_state }; break; }
  }
  const qs = [
    { kind: "flags", answer: (e.flags || []).slice().sort() },
    { kind: "ack", answer: e.flags.includes("ACK") ? [e.rel_ack, e.ack] : null },
  ];
  for (const side of ["client", "server"]) {
    const now = side === "client" ? e.client_state : e.server_state;
    if (now !== before[side]) qs.push({ kind: "state", side, answer: now });
  }
  return qs;
}

function expectedText(q) {
  if (q.kind === "flags") return q.answer.length ? flagLabel(q.answer).split("-").join(" ") : t("noFlags");
  if (q.kind === "ack") return q.answer ? `${q.answer[0]} (${q.answer[1]})` : t("qAckNone");
  return q.answer;
}

function needsQuestion(i) {
  const e = S.events[i];
  return S.predict && e && e.type === "segment" && e.conn != null && !e.answered;
}

function askAbout(i) {
  const e = S.events[i];
  S.question = { index: i, qs: questionsFor(i), checked: false };
  const box = $("predict");
  box.hidden = false;
  box.replaceChildren();
  const from = e.dir === "c2s" ? t("client") : t("server");
  const to = e.dir === "c2s" ? t("server") : t("client");
  box.append(el("h3", null, t("predictTitle", from, to, e.conn)));
  S.question.inputs = [];
  for (const q of S.question.qs) {
    const div = el("div", "q");
    if (q.kind === "flags") {
      div.append(el("span", null, t("qFlags") + " "));
      const chosen = new Set();
      for (const f of FLAG_CHOICES) {
        const b = el("button", "flag", f);
        b.type = "button";
        b.setAttribute("aria-pressed", "false");
        b.dataset.flag = f;
        b.addEventListener("click", () => {
          if (chosen.has(f)) chosen.delete(f); else chosen.add(f);
          b.setAttribute("aria-pressed", String(chosen.has(f)));
        });
        div.append(b);
      }
      S.question.inputs.push(() => [...chosen].sort());
    } else if (q.kind === "ack") {
      div.append(el("span", null, t("qAck") + " "));
      const input = el("input", "ack");
      input.type = "text";
      input.inputMode = "numeric";
      const none = el("input", "none");
      none.type = "checkbox";
      const lab = el("label", null);
      lab.append(none, el("span", null, t("qAckNone")));
      div.append(input, lab);
      S.question.inputs.push(() => (none.checked ? null : input.value.trim()));
    } else {
      div.append(el("span", null, t("qState", t(q.side)) + " "));
      const sel = el("select", "state");
      sel.dataset.side = q.side;
      sel.append(el("option", null, t("chooseState")));
      sel.options[0].value = "";
      for (const s of STATES) { const o = el("option", null, s); o.value = s; sel.append(o); }
      div.append(sel);
      S.question.inputs.push(() => sel.value);
    }
    const verdict = el("span", "verdict");
    div.append(verdict);
    q.verdict = verdict;
    box.append(div);
  }
  const check = el("button", "primary check", t("check"));
  check.type = "button";
  check.addEventListener("click", checkAnswers);
  const skip = el("button", "skip", t("skip"));
  skip.type = "button";
  skip.addEventListener("click", () => reveal(false));
  box.append(check, document.createTextNode(" "), skip, el("p", "score", scoreText()));
  drawLadder();
}

function scoreText() {
  const s = S.score;
  return t("scoreLine", s.flags[0], s.flags[1], s.ack[0], s.ack[1], s.state[0], s.state[1]);
}

function isRight(q, given) {
  if (q.kind === "flags") return JSON.stringify(given) === JSON.stringify(q.answer);
  if (q.kind === "ack") {
    if (q.answer == null) return given == null;
    return given != null && /^\d+$/.test(given) && (Number(given) === q.answer[0] || Number(given) === q.answer[1]);
  }
  return given === q.answer;
}

function checkAnswers() {
  const Q = S.question;
  if (!Q || Q.checked) return;
  Q.checked = true;
  Q.qs.forEach((q, n) => {
    const right = isRight(q, Q.inputs[n]());
    S.score[q.kind][1] += 1;
    if (right) S.score[q.kind][0] += 1;
    q.verdict.className = "verdict " + (right ? "right" : "wrong");
    q.verdict.textContent = " " + (right ? t("right") + ": " + expectedText(q) : t("wrong", expectedText(q)));
  });
  reveal(true);
}

/** Show the segment that was asked about (after checking, or skipping). */
function reveal(keepCard) {
  const Q = S.question;
  if (!Q) return;
  S.events[Q.index].answered = true;
  S.question = null;
  const box = $("predict");
  if (keepCard) {
    for (const b of box.querySelectorAll("button.check, button.skip")) b.disabled = true;
    const sc = box.querySelector(".score");
    if (sc) sc.textContent = scoreText();
  } else {
    box.hidden = true;
  }
  moveTo(Q.index);
  if (Q.wasPlaying) play();
}

// --------------------------------------------------------------- controls
function render() {
  drawList();
  drawLadder();
  drawDetail();
  drawStatus();
}

function moveTo(i) {
  if (S.question && S.question.index !== i) {
    S.question = null;
    $("predict").hidden = true;
  }
  S.cursor = Math.max(-1, Math.min(i, S.events.length - 1));
  S.selected = -1;
  render();
}

function forward() {
  if (S.question) return false;
  const next = S.cursor + 1;
  if (next >= S.events.length) return false;
  if (needsQuestion(next)) {
    const was = S.playing;
    pause();
    askAbout(next);
    S.question.wasPlaying = was;
    drawStatus();
    return true;
  }
  const box = $("predict");
  if (!box.hidden) box.hidden = true;
  moveTo(next);
  return true;
}

function back() { pause(); moveTo(S.cursor - 1); }

function play() {
  if (S.playing) return;
  S.playing = true;
  const tick = () => {
    if (!S.playing) return;
    forward();
    S.timer = setTimeout(tick, 1000 / S.speed);
  };
  S.timer = setTimeout(tick, 0);
  drawStatus();
}

function pause() {
  S.playing = false;
  clearTimeout(S.timer);
  drawStatus();
}

function jumpTo(pred) {
  pause();
  for (let i = S.cursor + 1; i < S.events.length; i++) {
    if (pred(S.events[i])) { moveTo(i); return; }
  }
}

function setTheme(dark) {
  document.documentElement.classList.toggle("dark", dark);
  try { localStorage.setItem("socklab-theme", dark ? "dark" : "light"); } catch (_) { /* private mode */ }
}

function applyLanguage() {
  document.documentElement.lang = lang;
  $("title").textContent = t("title");
  const labels = { "b-start": "start", "b-back": "back", "b-forward": "forward", "b-end": "end",
    "b-handshake": "nextHandshake", "b-teardown": "nextTeardown", "b-predict": "predict", "b-theme": "theme" };
  for (const [id, key] of Object.entries(labels)) $(id).textContent = t(key);
  const tips = { "b-start": "startTip", "b-back": "backTip", "b-forward": "forwardTip", "b-end": "endTip",
    "b-theme": "themeTip", speed: "speed", lang: "lang" };
  for (const [id, key] of Object.entries(tips)) { $(id).title = t(key); $(id).setAttribute("aria-label", t(key)); }
  $("lang").value = lang;
  const sel = $("conn");
  if (!sel.options.length) { const o = el("option", null, t("connAuto")); o.value = ""; sel.append(o); }
  sel.options[0].textContent = t("connAuto");
  for (const o of sel.options) if (o.value && S.flows.has(o.value)) o.textContent = flowTitle(S.flows.get(o.value));
  $("events-title").textContent = t("eventsTitle");
  $("keys").textContent = t("keys");
  $("readonly").textContent = t("readOnly");
  // The list's items are made in the language of their time: remake them.
  for (const li of S.lis) if (li) li.remove();
  S.lis = [];
  render();
}

function wire() {
  $("b-start").addEventListener("click", () => { pause(); moveTo(-1); });
  $("b-back").addEventListener("click", back);
  $("b-play").addEventListener("click", () => (S.playing ? pause() : play()));
  $("b-forward").addEventListener("click", () => { pause(); forward(); });
  $("b-end").addEventListener("click", () => { pause(); moveTo(S.events.length - 1); });
  $("b-handshake").addEventListener("click", () => jumpTo((e) => e.type === "segment" && e.step === "handshake-1"));
  $("b-teardown").addEventListener("click", () => jumpTo((e) => e.type === "segment" && (e.step === "teardown-1" || e.step === "reset")));
  $("speed").addEventListener("change", (ev) => { S.speed = Number(ev.target.value) || 1; drawStatus(); });
  $("conn").addEventListener("change", (ev) => { S.connChoice = ev.target.value; drawLadder(); });
  $("b-predict").addEventListener("click", () => {
    S.predict = !S.predict;
    if (!S.predict && S.question) { S.question = null; $("predict").hidden = true; drawLadder(); }
    drawStatus();
  });
  $("b-theme").addEventListener("click", () => setTheme(!document.documentElement.classList.contains("dark")));
  $("lang").addEventListener("change", (ev) => { lang = I18N[ev.target.value] ? ev.target.value : "en"; applyLanguage(); });
  document.addEventListener("keydown", (ev) => {
    const tag = ev.target && ev.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const k = ev.key;
    if (k === " ") { (S.playing ? pause : play)(); }
    else if (k === "ArrowRight") { pause(); forward(); }
    else if (k === "ArrowLeft") back();
    else if (k === "Home") { pause(); moveTo(-1); }
    else if (k === "End") { pause(); moveTo(S.events.length - 1); }
    else if (k === "h" || k === "H") $("b-handshake").click();
    else if (k === "t" || k === "T") $("b-teardown").click();
    else if (k === "p" || k === "P") $("b-predict").click();
    else if (k === "d" || k === "D") $("b-theme").click();
    else return;
    ev.preventDefault();
  });
  window.addEventListener("resize", () => drawLadder());
}

// ------------------------------------------------------------ the stream
function connect() {
  const source = new EventSource("/events");
  let pendingDraw = false;
  const scheduleDraw = () => {
    if (pendingDraw) return;
    pendingDraw = true;
    setTimeout(() => { pendingDraw = false; drawList(); drawStatus(); if (S.cursor === S.events.length - 1 || S.playing) drawLadder(); }, 50);
  };
  source.addEventListener("hello", (ev) => {
    let h;
    try { h = JSON.parse(ev.data); } catch (_) { return; }
    const first = S.hello == null;
    S.hello = h;
    S.connected = true;
    // The server sends its whole history after every hello: start over.
    const keep = S.cursor;
    for (const li of S.lis) if (li) li.remove();
    S.events = []; S.lis = []; S.flows.clear(); S.t0 = null; S.ended = false;
    const sel = $("conn");
    while (sel.options.length > 1) sel.remove(1);
    S.dropped = Number(h.dropped) || 0;
    const urlLang = new URLSearchParams(location.search).get("lang");
    if (first) {
      lang = I18N[urlLang] ? urlLang : (I18N[h.lang] ? h.lang : "en");
      $("readonly").hidden = !h.read_only;
      const src = String(h.source || "");
      $("source").textContent = src.split("/").pop();
      $("source").title = src;
      applyLanguage();
      if (h.live) play();
    }
    S.cursor = first ? -1 : keep;
    render();
  });
  source.addEventListener("message", (ev) => {
    let e;
    try { e = JSON.parse(ev.data); } catch (_) { return; }
    addEvent(e);
    scheduleDraw();
  });
  source.addEventListener("gap", (ev) => {
    try { S.dropped += Number(JSON.parse(ev.data).missed) || 0; } catch (_) { /* ignore */ }
    scheduleDraw();
  });
  source.addEventListener("end", () => { S.ended = true; scheduleDraw(); });
  source.addEventListener("error", () => { S.connected = false; drawStatus(); });
  source.addEventListener("open", () => { S.connected = true; drawStatus(); });
}

(function main() {
  let dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  try {
    const saved = localStorage.getItem("socklab-theme");
    if (saved) dark = saved === "dark";
  } catch (_) { /* private mode */ }
  const urlTheme = new URLSearchParams(location.search).get("theme");
  if (urlTheme) dark = urlTheme === "dark";
  setTheme(dark);
  const urlLang = new URLSearchParams(location.search).get("lang");
  if (I18N[urlLang]) lang = urlLang;
  wire();
  applyLanguage();
  connect();
})();
