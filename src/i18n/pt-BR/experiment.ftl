# Mensagens do socklab, português do Brasil: experiment.
# Cada mensagem daqui tem uma gêmea em ../en/experiment.ftl, com as mesmas variáveis.
#
# O tcp_vs_udp e o experimento por trás dele (src/bin/tcp_vs_udp.rs,
# src/experiment/). Números com casas decimais já chegam formatados (com
# vírgula). Plurais: [0] antes de [one], porque a categoria "one" do
# português inclui o 0.

## As opções (erros de uso, código de saída 2).

exp-opt-message-too-small = uma mensagem precisa de pelo menos { $min } bytes: o seu número de sequência e a hora do envio
exp-opt-rcvbuf-range = um buffer de recepção tem entre 1 byte e 1G
exp-opt-bad-rate = `{ $text }` não é um ritmo: use mensagens por segundo, um número acima de 0 (por exemplo 20000), ou max
exp-opt-bad-percent = a perda é uma porcentagem de 0 a 100 (10 quer dizer 10%), não `{ $text }`
exp-opt-lossy-only = { $option } é do --scenario lossy (o cenário overload roda no loopback, sem enlace no meio)
exp-opt-lossy-needs-loss = o --scenario lossy precisa de --loss PORCENTAGEM ou --sweep LISTA (ou --delay, --delay-sweep), por exemplo --loss 10
exp-opt-iperf3-udp = o --iperf3 compara a perda do UDP: use-o com --proto udp ou both

## O que o tcp_vs_udp diz, e as etapas que os seus erros citam.

exp-step-lossy-private = cenário lossy sem root
exp-step-lossy = cenário lossy
exp-step-loopback-run = execução { $proto } no loopback
exp-plot-written = gráfico gravado em { $path }
exp-interrupted-cleaned = tcp_vs_udp: interrompido: namespaces e processos removidos
exp-lossy-up = dois hosts no ar: { $alice } ({ $alice_ip }) e { $bob } ({ $bob_ip }); o enlace entre eles: { $link }
exp-link-now = o enlace agora: { $link }
exp-lossy-removed = namespaces { $alice } e { $bob } removidos

## Os erros do experimento (src/experiment/).

exp-err-no-sender = nenhum emissor se conectou em { $waited }: o emissor não conseguiu iniciar; veja o erro dele acima
exp-err-child = { $role ->
    [receiver] o receptor
   *[sender] o emissor
} no namespace { $ns } falhou: { $detail }
exp-err-interrupted = interrompido
exp-err-panicked = uma thread { $thread ->
    [receiver] do receptor
   *[sender] do emissor
} entrou em pânico: isto é um bug do socklab
exp-child-no-report = terminou sem relatório
exp-child-said = disse `{ $line }`
exp-child-not-ready = não ficou pronto depois de { $waited }
exp-step-socket-call = chamada de socket
exp-step-start = iniciando { $program }
exp-step-find-exe = procurando o caminho deste programa
exp-no-pipes = sem pipes para o processo

## O iperf3 no mesmo enlace.

exp-iperf3-command = iperf3 no mesmo enlace: { $command }
exp-iperf3-attempt-failed = a tentativa { $attempt } do iperf3 falhou: { $error }
exp-iperf3-gave-up = { $attempts } tentativas falharam, a última com: { $error }
exp-iperf3-no-ip = `ip` não encontrado: instale o iproute2
exp-iperf3-no-server = o servidor não iniciou: { $stderr }
exp-iperf3-no-result = nenhum resultado em { $waited } (o seu datagrama de abertura provavelmente se perdeu)
exp-iperf3-not-json = a saída não é JSON: { $error }
exp-iperf3-no-sum = não há end.sum no JSON dele
exp-iperf3-no-field = não há { $field }

## A narração das duas pontas (src/experiment/endpoint.rs).

exp-connected = conectado (handshake de três vias concluído)
exp-sent-messages = { $n ->
    [0] 0 mensagens
    [one] { $n } mensagem
   *[other] { $n } mensagens
}, { $bytes }
exp-end-markers = depois { $n ->
    [0] nenhum marcador de fim
    [one] { $n } marcador de fim
   *[other] { $n } marcadores de fim
}: o UDP não tem fim de fluxo, e qualquer um deles pode se perder
exp-rcvbuf = buffer de recepção: { $bytes } (SO_RCVBUF; o kernel dobra o que se pede, para a sua própria contabilidade, até net.core.rmem_max)
exp-received-messages = { $n ->
    [0] 0 mensagens
    [one] { $n } mensagem
   *[other] { $n } mensagens
}
exp-no-end-marker = nenhum marcador de fim chegou: parou depois de { $waited } sem nenhum datagrama
exp-new-socket = novo socket para { $peer }
exp-received-fin = { $n ->
    [0] 0 mensagens
    [one] { $n } mensagem
   *[other] { $n } mensagens
}, depois 0 bytes: o emissor fechou (FIN recebido)
exp-progress-sent = enviadas
exp-progress-received = { $n } recebidas

## A tabela (src/experiment/report.rs).

exp-col-link-loss = perda no enlace
exp-col-proto = proto
exp-col-sent = enviadas
exp-col-delivered = entregues
exp-col-lost = perdidas
exp-col-dup = dup
exp-col-out-of-order = fora de ordem
exp-col-elapsed = tempo
exp-col-mbits = Mbit/s
exp-col-p50 = latência p50
exp-col-p99 = latência p99
exp-col-kernel = contadores do kernel
exp-cell-loopback = nenhuma (loopback)
exp-cell-loss = { $loss }%
exp-cell-loss-rtt = { $loss }%, RTT { $rtt } ms
exp-cell-retransmitted = { $n ->
    [0] 0 retransmitidos
    [one] { $n } retransmitido
   *[other] { $n } retransmitidos
}
exp-cell-link-dropped = enlace descartou { $n }

## O que os números querem dizer: uma conclusão por protocolo por execução.

exp-note-udp-lossy = UDP com { $loss }% de perda no enlace: perdeu { $lost }% de { $sent ->
    [0] 0 datagramas
    [one] { $sent } datagrama
   *[other] { $sent } datagramas
}, { $inside ->
    [yes] dentro
   *[no] FORA
} do intervalo de 95% ({ $low }–{ $high }%) para { $loss }% em { $sent ->
    [0] 0 mensagens
    [one] { $sent } mensagem
   *[other] { $sent } mensagens
}{ $buffer }
exp-note-udp-lossy-buffer = ; { $n ->
    [0] nenhum deles foi descartado
    [one] { $n } deles foi descartado
   *[other] { $n } deles foram descartados
} pelo buffer cheio do receptor, não pelo enlace
exp-note-iperf3 = iperf3 no mesmo enlace: { $lost }% perdidos ({ $lost_packets } de { $packets }); o tcp_vs_udp mediu { $ours }%: uma diferença de { $apart } pontos percentuais
exp-note-tcp-lossy = TCP com { $loss }% de perda no enlace: { $delivered } de { $sent } { $delivered ->
    [0] entregues
    [one] entregue
   *[other] entregues
} em { $elapsed }; o kernel retransmitiu { $segments }{ $handshake }
exp-note-tcp-unknown-retransmissions = um número desconhecido de segmentos
exp-note-tcp-handshake = ; antes disso, o handshake levou { $time }
exp-note-udp-overload = UDP: { $lost ->
    [0] nenhum dos { $sent } datagramas deixou de chegar à aplicação
    [one] { $lost } de { $sent } datagramas nunca chegou à aplicação
   *[other] { $lost } de { $sent } datagramas nunca chegaram à aplicação
}; { $kernel }
exp-note-kernel-socket = o kernel { $drops ->
    [0] não descartou nenhum datagrama
    [one] descartou { $drops } datagrama
   *[other] descartou { $drops } datagramas
} no buffer de recepção cheio deste socket{ $markers } (o RcvbufErrors cresceu { $errors } na máquina inteira)
exp-note-kernel-markers = : as { $lost } mensagens perdidas e { $markers ->
    [0] nenhum marcador
    [one] { $markers } marcador
   *[other] { $markers } marcadores
} de fim ou de aquecimento
exp-note-kernel-machine = o RcvbufErrors cresceu { $errors }
exp-note-kernel-unknown = não foi possível ler os contadores do kernel
exp-note-tcp-overload-held = TCP: { $lost ->
    [0] nenhuma mensagem perdida
    [one] { $lost } mensagem perdida
   *[other] { $lost } mensagens perdidas
}; o controle de fluxo segurou o emissor no ritmo do receptor: { $elapsed } para { $sent } mensagens
exp-note-tcp-overload = TCP: { $lost ->
    [0] nenhuma mensagem perdida
    [one] { $lost } mensagem perdida
   *[other] { $lost } mensagens perdidas
}; { $elapsed } para { $sent } mensagens

## Os gráficos (src/experiment/plot.rs).

exp-plot-title-rtt = TCP vs UDP: { $messages } mensagens de { $size } bytes, { $loss }% de perda em cada sentido, em função da ida e volta do enlace
exp-plot-title-loss = TCP vs UDP: { $messages } mensagens de { $size } bytes num enlace que perde uma parte dos pacotes em cada sentido
exp-plot-time = Tempo do primeiro envio à última recepção
exp-plot-rtt-axis = tempo de ida e volta do enlace (ms)
exp-plot-elapsed-axis = tempo decorrido (s)
exp-plot-delivered = Mensagens entregues
exp-plot-loss-axis = perda no enlace em cada sentido (%)
exp-plot-delivered-axis = entregues (%)
exp-plot-expected = 100 − perda (o que o UDP deveria obter)
exp-plot-elapsed-log-axis = tempo decorrido (s, escala logarítmica)
exp-plot-failed = desenhando { $path }: { $error }

## As etiquetas da narração das duas pontas no loopback.

exp-tag-sender = emissor { $proto }
exp-tag-receiver = receptor { $proto }
