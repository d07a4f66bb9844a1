# Mensagens do socklab, português do Brasil: capture.
# Cada mensagem daqui tem uma gêmea em ../en/capture.ftl, com as mesmas variáveis.
#
# As frases das notas do capture não estão aqui: elas são feitas a partir
# dos fatos tipados em src/i18n/pt_br.rs (veja src/i18n/mod.rs).

## Os dois lados, e o que a visão de texto mostra deles.

capture-side-client = cliente
capture-side-server = servidor
capture-side-sender = remetente
capture-side-receiver = destinatário
capture-states = cliente { $client } · servidor { $server }

## Como terminou cada parte de uma conexão, para pessoas (o JSON tem os seus próprios valores).

capture-handshake-complete = completo
capture-handshake-refused = recusado
capture-handshake-incomplete = incompleto
capture-handshake-not-seen = não visto
capture-teardown-four-way = em quatro vias
capture-teardown-three-way = em três vias
capture-teardown-simultaneous = simultâneo
capture-teardown-reset = por reset
capture-teardown-open = em aberto
capture-half-close = (meio-fechamento)
capture-closed-by = fechada pelo { $side }

## Uma chamada de socket e os segmentos em volta dela.

capture-call-returned = retornou
capture-caused-segment = -> { $flags }
capture-caused-segment-bytes = -> { $flags } ({ $len ->
    [one] { $len } byte
   *[other] { $len } bytes
})
capture-caused-datagram = -> datagrama UDP
capture-caused-datagram-bytes = -> datagrama UDP ({ $len ->
    [one] { $len } byte
   *[other] { $len } bytes
})
capture-closes-listener = (o socket de escuta: nada vai para a rede; novas conexões são recusadas a partir de agora, e a que foi aceita continua aberta)
capture-returned-after-handshake-1 = retornou depois do passo 1/3 do handshake (SYN)
capture-returned-after-handshake-2 = retornou depois do passo 2/3 do handshake (SYN-ACK)
capture-returned-after-handshake-3 = retornou depois do passo 3/3 do handshake (ACK)
capture-returned-after-teardown-1 = retornou depois do passo 1 do encerramento (FIN)
capture-returned-after-teardown-2 = retornou depois do passo 2 do encerramento (o ACK do FIN)
capture-returned-after-teardown-3 = retornou depois do passo 3 do encerramento (FIN)
capture-returned-after-teardown-4 = retornou depois do passo 4 do encerramento (o último ACK)
capture-returned-after-reset = retornou depois de um reset (RST)
capture-returned-after-data = retornou quando chegaram dados
capture-returned-after-ack = retornou depois de um ACK
capture-returned-after-retransmission = retornou depois de uma retransmissão
capture-returned-after-other = retornou depois de um segmento

## As linhas da visão de texto.

capture-tag-end = fim
capture-tag-other = outro
capture-connection-end = conexão #{ $conn } { $client } ↔ { $server }: handshake { $handshake }, encerramento { $teardown }{ $closed }, { $segments ->
    [one] { $segments } segmento
   *[other] { $segments } segmentos
}{ $trouble }
capture-retransmissions = { $n ->
    [0] { $n } retransmissões
    [one] { $n } retransmissão
   *[other] { $n } retransmissões
}
capture-dup-acks = { $n ->
    [0] { $n } ACKs duplicados
    [one] { $n } ACK duplicado
   *[other] { $n } ACKs duplicados
}

## A tabela de resumo.

capture-col-client = cliente
capture-col-server = servidor
capture-col-handshake = handshake
capture-col-teardown = encerramento
capture-col-closed-by = fechada por
capture-col-duration = duração
capture-col-segments-both = segmentos c→s/s→c
capture-col-segments = segmentos
capture-col-bytes-both = bytes c→s/s→c
capture-col-rtt = RTT do handshake
capture-col-retrans = retrans.
capture-col-dup-acks = ACKs dup.
capture-no-connection = nenhuma conexão TCP vista
capture-more-connections = ... e mais { $n } conexões (não listadas)
capture-connection-paragraph = #{ $conn } { $client } → { $server }: handshake { $handshake }, encerramento { $teardown }{ $half }{ $closed }, { $duration }, segmentos { $seg_c2s }/{ $seg_s2c }, bytes { $bytes_c2s }/{ $bytes_s2c }{ $rtt }, { $retransmissions ->
    [0] { $retransmissions } retransmissões
    [one] { $retransmissions } retransmissão
   *[other] { $retransmissions } retransmissões
}, { $dup_acks ->
    [0] { $dup_acks } ACKs duplicados
    [one] { $dup_acks } ACK duplicado
   *[other] { $dup_acks } ACKs duplicados
}
capture-paragraph-rtt = , RTT do handshake { $rtt }
capture-totals = { $packets ->
    [0] { $packets } pacotes
    [one] { $packets } pacote
   *[other] { $packets } pacotes
}: { $tcp } TCP, { $udp } UDP, { $other ->
    [0] { $other } outros
    [one] { $other } outro
   *[other] { $other } outros
}
capture-totals-bad = , { $truncated } truncados, { $malformed } malformados
capture-totals-untracked = , { $n ->
    [0] { $n } segmentos
    [one] { $n } segmento
   *[other] { $n } segmentos
} de conexões não acompanhadas (acima do limite de conexões)
capture-totals-events = ; { $n ->
    [0] { $n } chamadas de socket
    [one] { $n } chamada de socket
   *[other] { $n } chamadas de socket
} dos programas do lab
capture-totals-rejected = {" "}({ $n ->
    [0] { $n } datagramas de evento inválidos ignorados
    [one] { $n } datagrama de evento inválido ignorado
   *[other] { $n } datagramas de evento inválidos ignorados
})
capture-totals-events-dropped = {" "}({ $n ->
    [0] { $n } descartados
    [one] { $n } descartado
   *[other] { $n } descartados
}: chegaram mais ao mesmo tempo do que o capture guarda)

## A escada e o SVG.

capture-ladder-caption = handshake { $handshake } · encerramento { $teardown }{ $closed }
capture-ladder-closed-by = {" "}· fechada pelo { $side }
capture-udp-caption = UDP: sem handshake, sem encerramento: cada datagrama é independente
capture-udp-unreachable = UDP: sem handshake; nada escuta na porta { $port }, então o host respondeu com ICMP port unreachable (o equivalente UDP do RST do TCP)
capture-gap-later-long = { $duration } depois (fora de escala)
capture-gap-later = { $duration } depois
capture-more-rungs = ... mais { $n } degraus não desenhados
capture-ladder-left-out = ... e mais { $n } conexões ou fluxos não desenhados: a escada mostra só os { $max } primeiros, como a tabela de resumo; --conn N desenha a conexão N
capture-svg-nothing = Nenhuma conexão nem datagrama foi capturado.
capture-svg-scale = tempo em escala: { $px } px = { $per_row }; cada degrau também ocupa o seu espaço; um intervalo de mais de { $gap } é cortado (≈)
capture-svg-by-kernel = enviado pelo kernel: não há socket
capture-band-data = { $n } segmentos de dados { $way }, seq { $lo }–{ $hi }{ $again }
capture-band-data-again = { $n ->
    [one] {" "}(1 deles uma retransmissão)
   *[other] {" "}({ $n } deles retransmissões)
}
capture-band-acks = { $n } ACKs { $way }{ $dup }
capture-band-dup = {" "}({ $n ->
    [one] { $n } duplicado
   *[other] { $n } duplicados
})
capture-band-took = em { $duration }
