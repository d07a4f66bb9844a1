# Mensagens do socklab, português do Brasil: chat.
# Cada mensagem daqui tem uma gêmea em ../en/chat.ftl, com as mesmas variáveis.
#
# A tela do chat, as suas notas e o relatório final (src/chat/, src/bin/chat.rs).
# Plurais: o "one" do português inclui o 0, por isso o [0] vem antes.

## O que os números de sequência mostram (antes de uma mensagem que chega, depois de "-- ").

chat-gap = { $count ->
    [one] { $count } mensagem perdida (seq { $first })
   *[other] { $count } mensagens perdidas (seq { $first }-{ $last })
}
chat-late = atrasada: a seq { $seq } chegou depois da { $after }
chat-duplicate = seq { $seq } duplicada (não é mostrada de novo)
chat-too-old = a seq { $seq } é antiga demais para saber se está atrasada ou se é uma cópia (não é mostrada)
chat-restart = seq 1 de novo depois da { $after }: o outro lado recomeçou do zero, a contagem recomeça
chat-bogus = mensagem falsa: a seq { $seq } passa em mais de { $jump } a maior até agora ({ $after }), um número que este chat não pode alcançar (não é mostrada nem contada)

## Bytes que não são uma mensagem do chat, e nomes.

chat-parse-kind = não começa com `msg` nem com `bye`
chat-parse-seq = o número de sequência não é um número inteiro a partir de 1
chat-parse-time = o horário não é um número de milissegundos
chat-parse-name = falta o nome de quem enviou
chat-not-a-message = -- não é uma mensagem do chat ({ $why }): { $bytes }
chat-name-length = um nome tem de 1 a { $max } caracteres
chat-name-spaces = um nome não pode ter espaços nem caracteres de controle (ele é um campo do cabeçalho da mensagem)
chat-role-tcp = no TCP um lado espera (--listen) e o outro chama (--connect IP_DO_OUTRO); --peer é para o UDP
chat-role-udp = no UDP não há quem espera nem quem chama: os dois lados usam --peer IP_DO_OUTRO

## A conversa.

chat-listening = escutando em { $addr }: no outro computador, rode `chat --proto tcp --connect ENDEREÇO`
chat-refused = connect { $addr }: conexão recusada (RST recebido): nenhum programa escuta na porta { $port } daquele computador; inicie antes o `chat --proto tcp --listen` nele, com a mesma --port
chat-host-family = --host { $host } não tem endereço da família do outro lado ({ $peer }): use um endereço IPv4 ou um IPv6 para os dois
chat-udp-connect = nenhum pacote foi enviado: um connect() no UDP só registra o endereço do outro lado
chat-no-peer = o socket não tem o endereço do outro lado
chat-chatting = conversando com { $peer } sobre { $proto } como { $name }: digite uma linha e aperte Enter; /quit ou Ctrl-D sai
chat-hidden = -- { $n ->
    [one] { $n } mensagem não mostrada
   *[other] { $n } mensagens não mostradas
} (mais de { $limit } por segundo); os contadores as incluem
chat-explain-numbers = o UDP não numera, não confirma e não retransmite datagramas: só os nossos próprios números de sequência mostram o que a rede perdeu ou trocou de ordem
chat-explain-icmp = um datagrama nosso chegou ao computador do outro lado, mas nenhum programa lá tinha a porta aberta: ele respondeu com uma mensagem ICMP "port unreachable", que o kernel nos informa no próximo send() ou recv() porque o socket está conectado
chat-nobody-there = -- ninguém escuta em { $peer } (ICMP port unreachable): o que enviamos se perdeu; o chat continua, inicie o outro lado
chat-typed-too-long = mensagem não enviada: uma linha com mais de { $max } bytes
chat-message-too-long = mensagem não enviada: mais de { $max } bytes
chat-received-too-long = -- uma linha com mais de { $max } bytes, pulada
chat-left-mid-line = -- o outro lado saiu no meio de uma linha: { $partial }
chat-left-fin = -- o outro lado saiu: fechou a conexão (FIN recebido)
chat-not-sent-warning = mensagem não enviada: { $why }
chat-not-sent = -- mensagem não enviada: { $why }
chat-fragments = { $n } bytes não cabem num quadro Ethernet de { $mtu } bytes: o IP corta o datagrama em fragmentos, e perder qualquer um deles perde a mensagem inteira
chat-goodbye-sent = a nossa despedida: se este datagrama se perder, o outro lado nunca fica sabendo que saímos (o UDP não tem FIN)
chat-left-bye = -- o outro lado saiu: enviou um datagrama de despedida. O próprio UDP nunca avisaria: sem conexão, quem saiu e quem está em silêncio parecem iguais

## O relatório no fim.

chat-report = enviadas { $sent }, recebidas { $received }, perdidas { $lost }, fora de ordem { $reordered }, duplicadas { $duplicates }
chat-report-bogus = , falsas { $bogus }
chat-report-line = relatório: { $report }
chat-why-udp = por quê: essas contagens vêm dos nossos próprios números de sequência: o UDP em si não numera nada, não confirma nada e nunca retransmite, então um datagrama perdido no caminho simplesmente some
chat-why-tcp = por quê: no TCP perdidas, fora de ordem e duplicadas ficam em 0: o TCP numera cada byte, o receptor os confirma, o emissor retransmite o que se perdeu, e o recv() entrega os bytes em ordem
chat-why-tcp-retransmitted = por quê: no TCP perdidas, fora de ordem e duplicadas ficam em 0: o TCP numera cada byte, o receptor os confirma, o emissor retransmite o que se perdeu ({ $retransmitted ->
    [0] nenhuma retransmissão foi necessária nesta conexão
    [one] o kernel retransmitiu { $retransmitted } segmento nesta conexão
   *[other] o kernel retransmitiu { $retransmitted } segmentos nesta conexão
}), e o recv() entrega os bytes em ordem
