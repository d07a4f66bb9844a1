# Mensagens do socklab, português do Brasil: lab.
# Cada mensagem daqui tem uma gêmea em ../en/lab.ftl, com as mesmas variáveis.
#
# A narração dos programas do laboratório (src/narrate.rs, src/lab.rs) e a
# saída deles (src/bin/tcp_server.rs, tcp_client.rs, udp_server.rs,
# udp_client.rs). O que uma chamada devolveu vai também para o capture,
# sempre em inglês (o protocolo de eventos não muda com o idioma).
# Plurais: o "one" do português inclui o 0, por isso o [0] vem antes.

## O que uma chamada devolveu (depois de "->").

lab-call-error = erro: { $why }
lab-bytes = { $n ->
    [0] 0 bytes
    [one] { $n } byte
   *[other] { $n } bytes
}
lab-repeated = { $sig } x { $times ->
    [0] 0 chamadas
    [one] { $times } chamada
   *[other] { $times } chamadas
}
lab-new-socket = novo socket para { $peer }
lab-recv-zero-shut-rd = 0 bytes: nós paramos de ler (SHUT_RD)
lab-recv-zero-fin = 0 bytes: o outro lado fechou o seu sentido da conexão (FIN recebido)
lab-buffer = buffer de { $size }
lab-bytes-then-error = { $n ->
    [0] 0 bytes
    [one] { $n } byte
   *[other] { $n } bytes
}, depois erro: { $why }
lab-bytes-last-call = { $n ->
    [0] 0 bytes
    [one] { $n } byte
   *[other] { $n } bytes
}; a última chamada: { $last }
lab-icmp-refused = erro: ECONNREFUSED (voltou um ICMP port unreachable)
lab-bytes-from = { $n ->
    [0] 0 bytes
    [one] { $n } byte
   *[other] { $n } bytes
} de { $from }
lab-fd-limit-already = { $soft } (já é o máximo possível)
lab-refusing = novo socket para { $peer }, mas { $max ->
    [one] já há { $max } cliente conectado
   *[other] já há { $max } clientes conectados
} (--max-clients): recusando-o

## Em volta das chamadas.

lab-no-thread = não foi possível iniciar uma thread para { $name }: { $error }; a sua conexão foi fechada
lab-addresses-listen = { $n } endereços encontrados: escutando no primeiro, { $first }
lab-addresses-send = { $n } endereços encontrados: enviando para o primeiro, { $first }
lab-places = o socket de cada cliente é um descritor de arquivo: no máximo { $max ->
    [one] { $max } cliente
   *[other] { $max } clientes
} ao mesmo tempo (--max-clients), um a mais é recusado
lab-places-fewer = (não { $asked }: { $limit } arquivos abertos só deixam espaço para { $max ->
    [one] { $max } cliente
   *[other] { $max } clientes
}; aumente o `ulimit -Hn` para ter mais)
lab-rate-sent = enviados { $bytes } bytes ({ $human }) em { $seconds } s: { $rate } Gbit/s
lab-rate-received = recebidos { $bytes } bytes ({ $human }) em { $seconds } s: { $rate } Gbit/s
lab-reading-stdin = lendo a entrada padrão
lab-no-address = nenhum endereço para conectar
lab-listening = escutando em { $addr }
lab-server-stopped = servidor parado: um cliente enviou `off`

## tcp_server

lab-server-accept-off = uma conexão, mas um cliente enviou `off`: parando
lab-server-new-client = novo socket para { $peer } (cliente { $n })
lab-client-tag = cliente { $n }
lab-server-once-done = um cliente atendido (--once): saindo
lab-server-mid-line = o fluxo terminou no meio de uma linha: { $n ->
    [one] { $n } byte sem quebra de linha, descartado
   *[other] { $n } bytes sem quebra de linha, descartados
}: { $data }
lab-server-idle = nada chegou durante o --idle-timeout: fechando esta conexão, para que clientes ociosos não tomem o lugar dos outros
lab-server-client-gone = este cliente se foi; o servidor continua atendendo os outros
lab-server-once-client-gone = este cliente se foi; com --once ele era o único, então o servidor fecha e termina
lab-server-off = `off`: o servidor se despede e depois para por completo
lab-server-too-long = uma linha com mais de { $max } bytes: rejeitada, e pulada até a sua quebra de linha
lab-server-waking = acordando o accept() da thread principal com uma conexão para { $target }
lab-server-cannot-wake = não foi possível acordar a thread do accept() ({ $error }); saindo

## tcp_client

lab-client-ephemeral = não chamamos bind(): o kernel escolheu o nosso endereço, { $addr }, com uma porta livre (efêmera)
lab-client-hint = digite uma linha e aperte Enter para enviá-la; Ctrl-D fecha a conexão, `off` desliga o servidor
lab-client-server-closed = o servidor fechou a conexão
lab-client-no-reply = nenhuma resposta em { $timeout } (o servidor não respondeu a tempo; um servidor no --mode print nunca responde)
lab-client-reply = resposta: { $reply }
lab-client-reply-unfinished = resposta: { $reply } (sem quebra de linha antes de o servidor fechar)
lab-client-reply-too-long = resposta: (uma linha com mais de 64 KiB, pulada)

## udp_server, udp_client

lab-udp-from = de { $sender }: { $message }
lab-udp-off = `off`: parando o servidor
lab-udp-client-hint = digite uma linha e aperte Enter para enviá-la como um datagrama; Ctrl-D termina, `off` desliga o servidor
lab-udp-reply = resposta de { $from }: { $reply }
lab-udp-no-reply = nenhuma resposta em { $timeout }: o UDP não retransmite; o datagrama ou a sua resposta se perdeu, ou nada responde em { $server }
lab-udp-count = { $count ->
    [one] enviado { $count } datagrama
   *[other] enviados { $count } datagramas
}, { $replies ->
    [0] nenhuma resposta voltou
    [one] voltou { $replies } resposta
   *[other] voltaram { $replies } respostas
} ({ $missing ->
    [0] não falta nenhuma
    [one] falta { $missing }
   *[other] faltam { $missing }
})

## h-i18n-rest: resultados tipados (o que o capture mostra de uma chamada de um programa do laboratório).

lab-calls-result = { $times ->
    [0] 0 chamadas
    [one] { $times } chamada
   *[other] { $times } chamadas
}: { $what }
