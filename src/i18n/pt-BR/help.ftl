# O texto do --help em português do Brasil. Em inglês, o --help vem dos
# comentários de documentação dos argumentos de cada programa (veja
# src/i18n/help.rs): help-<programa>-about, help-<programa>-examples,
# help-<programa>-<argumento>; os argumentos que todo programa de laboratório
# tem (--host, --quiet, --color, --lang) caem em help-common-<argumento>.

help-heading-usage = Uso:
help-heading-options = Opções
help-heading-arguments = Argumentos
help-heading-commands = Comandos
help-value-command = COMANDO
help-flag-help = Mostra esta ajuda
help-flag-version = Mostra a versão
help-more = Para mais informações, use '--help'.

help-common-host = Nome ou endereço do host, resolvido com getaddrinfo (por exemplo localhost, 127.0.0.1, ::1)
help-common-quiet = Mostra só a saída do próprio programa (mensagens, respostas, relatórios), sem a narração
help-common-color = Cores: auto (só num terminal, a menos que NO_COLOR esteja definida), always, never
help-common-lang = Idioma das mensagens: en ou pt-BR (padrão: o do ambiente, LC_ALL, LC_MESSAGES ou LANG)
help-possible-values = { $help } (valores: { $values })
help-default = { $help } [padrão: { $value }]
help-common-color-auto = só num terminal e sem NO_COLOR
help-common-color-always = mesmo num pipe ou arquivo
help-common-color-never = nunca

## capture

help-capture-about = Escuta o loopback e explica cada segmento TCP: handshake, dados, encerramento, o estado TCP de cada lado e a chamada de socket que o causou.
help-capture-examples =
    Exemplos:
      sudo capture demo                       # a lição inteira num só comando
      capture demo --from-file                # o mesmo, de uma gravação incluída, sem root
      sudo capture --port 5000                # acompanha o tcp_server/tcp_client ao vivo
      sudo capture --ladder tcp port 5000     # desenha a conversa como um diagrama de escada
      sudo capture -w lab3.pcap --port 5000   # também guarda os pacotes para o Wireshark
      capture -r lab3.pcap --svg lab3.svg     # lê uma captura guardada e exporta o diagrama
      sudo capture --json -- tcp_client --message hi   # roda um programa sob o capture
      sudo capture -v --port 5000             # cada campo dos cabeçalhos: TTL, IP id, checksums, opções
      sudo capture --web --port 5000          # a visão no navegador para a aula (mostra o endereço)
      capture -r lab3.pcap --quiz             # adivinhe cada segmento antes de vê-lo: um quiz

      capture --private --port 5000           # sem root, numa rede só sua (veja `capture shell`)
help-capture-interface = Interface onde capturar (por padrão, a de loopback)
help-capture-read = Lê os pacotes de um arquivo pcap em vez de capturar (não precisa de privilégios)
help-capture-write = Também grava os pacotes brutos num arquivo pcap (o tcpdump, o tshark e o Wireshark o abrem)
help-capture-count = Para depois de N pacotes
help-capture-port = Atalho para o filtro `tcp port P or udp port P`
help-capture-json = Um objeto JSON por linha em vez de texto
help-capture-ladder = Desenha a conversa como um diagrama de escada (sequência no tempo)
help-capture-svg = No final, grava o diagrama de escada como um arquivo SVG independente
help-capture-conn = Só esta conexão (N ou #N) ou fluxo UDP (uN), em todas as visões: texto, JSON, escada e SVG (com os números que o texto e o resumo mostram); sem ela, os diagramas desenham no máximo as 1000 primeiras
help-capture-time-scale = Desenha a escada e o SVG com o tempo em escala: cada linha vazia (10 px no SVG) representa PER_ROW (10ms se não for dado: `--time-scale=50ms`); intervalos mais longos são cortados e marcados com a sua duração
help-capture-all-segments = Desenha cada segmento no SVG, em vez de uma faixa para cada sequência de dados em massa
help-capture-grace = Com `-- PROGRAMA`: continua capturando por este tempo depois que ele termina, para ver o encerramento
help-capture-immediate-mode = Mostra cada pacote no instante em que chega, mesmo quando a saída não é um terminal (num terminal, isto está sempre ligado). Desligado, os pacotes chegam em blocos, com no máximo 100 ms de atraso, e uma enxurrada não é descartada
help-capture-verbose = Cada campo dos cabeçalhos de cada pacote (texto e --json): -v uma linha por camada, -vv uma linha por campo; os dois acrescentam os primeiros bytes do conteúdo
help-capture-hex = Também mostra cada pacote em hexadecimal (a partir do cabeçalho IP), como o tcpdump -x
help-capture-hex-ascii = Também mostra cada pacote em hexadecimal e ASCII, como o tcpdump -X
help-capture-web = Serve a visão no navegador (127.0.0.1 e uma porta livre, se não forem dados; qualquer outro endereço compartilha com a rede uma visão somente leitura)
help-capture-quiz = Com -r: antes de cada segmento aparecer, adivinhe os flags, o número de ack e o estado depois dele (respostas pela entrada padrão)
help-capture-private = Captura na sua rede privada (Linux, sem root); `capture shell` funciona nela a partir de outros terminais
help-capture-filter = Um filtro BPF na sintaxe do tcpdump, por exemplo `tcp port 5000`
help-capture-program = Um programa para rodar sob o capture: captura até ele terminar (mais o --grace)
help-capture-no-kernel = Não lê a visão do próprio kernel (tracefs, como root): então só aparecem as chamadas dos programas do socklab, e os estados TCP deduzidos pelo capture
help-capture-link-events = Recebe os eventos do emulador de enlace num socket criado em PATH (dê o mesmo PATH a `twohost up --events PATH`): o que o enlace descartou, atrasou, reordenou ou duplicou, ao lado dos segmentos
help-capture-demo-about = Roda o tcp_server e o tcp_client (depois o udp_server e o udp_client) sob o capture e explica tudo.
help-capture-demo-from-file = Reproduz a gravação que vem com o programa em vez de capturar ao vivo (não precisa de privilégios)
help-capture-demo-write = Também grava os pacotes da demonstração neste arquivo pcap (e os eventos ao lado dele)
help-capture-demo-json = Um objeto JSON por linha em vez de texto
help-capture-demo-svg = Também grava o diagrama de escada como SVG
help-capture-shell-about = Um shell (ou PROGRAMA) na sua rede privada, a que o `capture --private` acompanha: não precisa de root.
help-capture-shell-program = O programa a rodar em vez do seu shell, e os argumentos dele

## tcp_server

help-tcp_server-about = Um servidor TCP que narra cada chamada de socket: socket, bind, listen, accept, recv, send, close.
help-tcp_server-examples =
    Exemplos:
      tcp_server --mode ack --once        atende um cliente em 127.0.0.1:5000 e sai
      tcp_server --host ::1 --port 0      IPv6; o kernel escolhe uma porta livre (veja `escutando em`)
      tcp_server --mode sink --quiet      recebe o `tcp_client --bytes 1G` e informa a vazão
help-tcp_server-port = Porta em que escutar; 0 deixa o kernel escolher uma (impressa como `escutando em ENDEREÇO`)
help-tcp_server-mode = O que fazer com cada linha que um cliente envia
help-tcp_server-mode-echo = devolve cada linha
help-tcp_server-mode-ack = responde cada linha com `message received`
help-tcp_server-mode-print = só imprime cada linha
help-tcp_server-mode-sink = lê e descarta tudo, depois informa os bytes e a vazão (para o `tcp_client --bytes`)
help-tcp_server-backlog = Quantos handshakes completos o kernel guarda na fila para o accept() (o backlog do listen)
help-tcp_server-once = Atende um cliente e sai (como a listagem clássica); por padrão, continua aceitando
help-tcp_server-max-clients = Máximo de clientes conectados ao mesmo tempo; um a mais recebe uma recusa de uma linha e é fechado
help-tcp_server-idle-timeout = Fecha um cliente que não envia nada por esse tempo (por exemplo 300, 90s, 500ms)

## tcp_client

help-tcp_client-about = Um cliente TCP que narra cada chamada de socket: socket, connect, send, recv, shutdown, close.
help-tcp_client-examples =
    Exemplos:
      tcp_client --message olá --message tchau    envia duas linhas, imprime as respostas e fecha
      printf 'um\ndois\n' | tcp_client --shutdown   envia, faz o meio-fechamento, lê até o servidor fechar
      tcp_client --bytes 1G --quiet               envia 1 GiB em fluxo para o `tcp_server --mode sink`
help-tcp_client-port = Porta do servidor
help-tcp_client-message = Linha a enviar (pode repetir); sem ela, as linhas são lidas da entrada padrão até o fim do arquivo
help-tcp_client-shutdown = Depois de enviar, faz o meio-fechamento com shutdown(SHUT_WR) e lê as respostas até o servidor fechar
help-tcp_client-reset = Termina com um RST em vez de um FIN: SO_LINGER 0, depois close()
help-tcp_client-bytes = Envia TAMANHO bytes (por exemplo 64K, 1M, 1G) o mais rápido possível e imprime a vazão
help-tcp_client-timeout = Quanto esperar por cada resposta (por exemplo 2, 500ms); um servidor no --mode print nunca responde

## udp_server

help-udp_server-about = Um servidor UDP que narra cada chamada de socket: socket, bind, recvfrom, sendto, close.
help-udp_server-examples =
    Exemplos:
      udp_server                        devolve os datagramas em 127.0.0.1:5001
      udp_server --mode print           imprime os datagramas e nunca responde (o udp_client então desiste por tempo)
      udp_server --host ::1 --port 0    IPv6; o kernel escolhe uma porta livre (veja `escutando em`)
help-udp_server-port = Porta em que escutar; 0 deixa o kernel escolher uma (impressa como `escutando em ENDEREÇO`)
help-udp_server-mode = O que fazer com cada datagrama
help-udp_server-mode-echo = devolve cada datagrama
help-udp_server-mode-ack = responde cada datagrama com `message received`
help-udp_server-mode-print = só imprime cada datagrama

## udp_client

help-udp_client-about = Um cliente UDP que narra cada chamada de socket: socket, sendto, recvfrom, close.
help-udp_client-examples =
    Exemplos:
      udp_client --message olá                   um datagrama; espera 1 s pela resposta
      udp_client --count 10 --interval 100       dez datagramas numerados; quantas respostas voltaram?
      printf 'a\nb\n' | udp_client --timeout 500ms  um datagrama por linha da entrada padrão
help-udp_client-port = Porta do servidor
help-udp_client-message = Mensagem a enviar como um datagrama (pode repetir); sem ela, um datagrama por linha da entrada padrão
help-udp_client-timeout = Quanto esperar por cada resposta (por exemplo 1, 500ms)
help-udp_client-count = Envia N datagramas numerados (`ping 1`, `ping 2`...) e conta as respostas
help-udp_client-interval = Pausa entre os datagramas numerados, em milissegundos

## chat

help-chat-about = Converse com outro computador sobre TCP ou UDP, com a narração de cada chamada de socket e números de sequência que mostram o que o UDP perde.
help-chat-examples =
    Exemplos (dois computadores, ou dois namespaces do `sudo twohost up`):
      chat --proto tcp --listen --name alice                 na alice: espera pelo bob
      chat --proto tcp --connect 10.203.0.1 --name bob       no bob: chama a alice
      chat --proto udp --peer 10.203.0.2 --name alice        na alice, e no bob:
      chat --proto udp --peer 10.203.0.1 --name bob            ninguém escuta, ninguém chama
    Uma máquina, sem namespaces: dois chats UDP precisam de duas portas:
      chat --proto udp --peer 127.0.0.1 --port 6001 --peer-port 6002
      chat --proto udp --peer 127.0.0.1 --port 6002 --peer-port 6001
    Digite uma linha e aperte Enter para enviá-la; /quit ou Ctrl-D sai.
help-chat-proto = Transporte: tcp (uma conexão que leva um fluxo de bytes) ou udp (datagramas separados)
help-chat-proto-tcp = uma conexão que leva um fluxo de bytes
help-chat-proto-udp = datagramas separados
help-chat-listen = TCP: espera o outro computador se conectar
help-chat-connect = TCP: conecta-se ao outro computador, que está escutando
help-chat-peer = UDP: o outro computador (cada lado dá o endereço do outro)
help-chat-host = O nosso próprio endereço, para escutar (TCP) ou para o bind (UDP); padrão: todos os endereços (0.0.0.0, ou :: se o outro lado for IPv6)
help-chat-port = Porta: a que escutamos ou a que nos conectamos (TCP); a que os dois lados usam no bind (UDP)
help-chat-peer-port = UDP: a porta do outro lado, quando não é a --port (dois chats numa só máquina)
help-chat-name = O seu nome, enviado com cada mensagem (padrão: $USER)
help-chat-quiet = Mostra só a conversa e o relatório, sem a narração das chamadas de socket
## twohost

help-twohost-about = Dois computadores numa só máquina: os namespaces de rede alice e bob, cada um ligado pelo seu próprio cabo a um enlace que o socklab emula, com atraso, limite de banda, perda, reordenação e duplicação opcionais. Linux; root ou um user namespace.
help-twohost-examples =
    Exemplos:
      twohost up                          monta alice (10.203.0.1) e bob (10.203.0.2), sem precisar de root
      twohost up --delay 50ms --rate 10mbit --loss 2    um cabo com 100 ms de ida e volta, 10 Mbit/s e 2 % de perda
      twohost set --loss 5                muda o cabo com os programas rodando (também: twohost loss 5)
      twohost exec bob target/release/tcp_server --host 10.203.0.2     roda um programa no bob
      twohost shell alice                 um shell na alice: tudo o que se digita ali roda na alice
      twohost status                      está no ar? endereços, o cabo, o que ele descartou
      twohost down                        remove tudo (pode rodar duas vezes sem problema)
    Com sudo, os mesmos comandos montam os namespaces na própria máquina (`ip netns list` os mostra).
help-twohost-up-about = Monta os hosts e liga o enlace (uma rede que tenha sobrado de antes é removida primeiro)
help-twohost-up-delay = Atraso de ida, por exemplo 50ms (a ida e volta é o dobro), ou por sentido: alice-to-bob=50ms,bob-to-alice=5ms; no máximo 60s
help-twohost-up-jitter = O atraso de cada pacote varia até este tanto, por exemplo 5ms (nunca reordena)
help-twohost-up-rate = Banda, por exemplo 10mbit, 512kbit, 1gbit
help-twohost-up-queue = Pacotes que a fila antes do limite de banda comporta; os que passarem disso são descartados (padrão 100)
help-twohost-up-loss = Porcentagem de pacotes perdidos no caminho, por exemplo 2 (de 0 a 100)
help-twohost-up-burst = As perdas vêm em rajadas de, em média, este número de pacotes (Gilbert–Elliott), por exemplo 3
help-twohost-up-reorder = Porcentagem de pacotes retidos atrás de dois pacotes posteriores, por exemplo 1
help-twohost-up-duplicate = Porcentagem de pacotes entregues duas vezes, por exemplo 1
help-twohost-up-carol = Monta também a carol (10.203.0.3): um servidor, vários clientes
help-twohost-up-events = Envia um evento para cada coisa que o enlace faz ao socket Unix de datagramas em PATH (docs/protocol.md)
help-twohost-up-seed = Semente dos sorteios do enlace, para repetir uma execução exatamente
help-twohost-down-about = Remove os hosts, os cabos e o enlace; não ter nada a remover não é erro
help-twohost-status-about = Diz se os hosts estão no ar, os seus endereços, o cabo e o que ele fez
help-twohost-status-json = Um objeto JSON em vez de texto
help-twohost-loss-about = Muda a perda no cabo (0 a remove); o mesmo que `set --loss P`
help-twohost-loss-percent = Porcentagem de pacotes perdidos no caminho, em cada sentido (de 0 a 100)
help-twohost-set-about = Muda o que o cabo faz com os programas rodando (só mudam as opções dadas)
help-twohost-set-delay = { help-twohost-up-delay }
help-twohost-set-jitter = { help-twohost-up-jitter }
help-twohost-set-rate = { help-twohost-up-rate }
help-twohost-set-queue = { help-twohost-up-queue }
help-twohost-set-loss = { help-twohost-up-loss }
help-twohost-set-burst = { help-twohost-up-burst }
help-twohost-set-reorder = { help-twohost-up-reorder }
help-twohost-set-duplicate = { help-twohost-up-duplicate }
help-twohost-exec-about = Roda um programa num dos hosts: `twohost exec alice PROGRAMA [ARGUMENTOS...]`
help-twohost-exec-host = alice, bob (ou carol)
help-twohost-exec-program = O programa e os seus argumentos
help-twohost-shell-about = Abre um shell num dos hosts (`exit` sai)
help-twohost-shell-host = { help-twohost-exec-host }

## tcp_vs_udp

help-tcp_vs_udp-about = Envia as mesmas mensagens sobre TCP e sobre UDP; conta o que se perde, o que chega duplicado ou fora de ordem, e quanto tempo leva
help-tcp_vs_udp-examples =
    Exemplos:
      tcp_vs_udp                                   sobrecarga no loopback: um receptor lento, 10.000 mensagens
      tcp_vs_udp --recv-delay 0 --rate 20000       loopback sem sobrecarga: os dois devem entregar 100%
      tcp_vs_udp --rcvbuf 4M                       a mesma sobrecarga com um buffer de recepção UDP maior
      tcp_vs_udp --scenario lossy --loss 10        dois hosts, 10% dos pacotes perdidos em cada sentido (sem root)
      tcp_vs_udp --scenario lossy --sweep 0,1,5,10,20 --repeat 3 --svg sweep.svg
      tcp_vs_udp --scenario lossy --loss 1 --delay-sweep 0,10ms,25ms,50ms --svg rtt.svg   o tempo em função do RTT
      tcp_vs_udp --scenario lossy --loss 10 --proto udp --iperf3   confere com o iperf3
      tcp_vs_udp --json | jq .lost                 um objeto JSON por protocolo por execução
help-tcp_vs_udp-scenario = overload: loopback, receptor lento; lossy: dois hosts e um enlace com perda e atraso
help-tcp_vs_udp-scenario-overload = loopback, o emissor o mais rápido que puder, o receptor lento (`--recv-delay`); sem root
help-tcp_vs_udp-scenario-lossy = os namespaces `alice` e `bob`, o enlace descartando `--loss` por cento dos pacotes; Linux, root ou um user namespace
help-tcp_vs_udp-messages = Quantas mensagens enviar sobre cada protocolo
help-tcp_vs_udp-size = Bytes por mensagem, de 24 (número de sequência e hora do envio) até 65507 (o maior datagrama UDP)
help-tcp_vs_udp-rate = Mensagens por segundo, ou max: o mais rápido possível (padrão: overload max, lossy 20000)
help-tcp_vs_udp-recv-delay = A pausa do receptor depois de cada mensagem, por exemplo 0.1ms, 1ms, 0 (padrão: overload 0.1ms, lossy 0)
help-tcp_vs_udp-rcvbuf = SO_RCVBUF do socket receptor, por exemplo 64K, 4M (padrão: o do kernel; lossy: 4M)
help-tcp_vs_udp-loss = Lossy: porcentagem de pacotes que o enlace descarta em cada sentido (10 quer dizer 10%)
help-tcp_vs_udp-sweep = Lossy: repete com cada uma destas porcentagens de perda, por exemplo 0,1,5,10,20
help-tcp_vs_udp-delay = Lossy: o atraso de ida do enlace, por exemplo 25ms (a ida e volta é o dobro)
help-tcp_vs_udp-delay-sweep = Lossy: repete com cada um destes atrasos de ida, por exemplo 0,10ms,25ms,50ms
help-tcp_vs_udp-jitter = Lossy: o atraso de cada pacote varia até este tanto, por exemplo 5ms
help-tcp_vs_udp-link-rate = Lossy: a banda do enlace, por exemplo 10mbit (--rate é o ritmo do emissor, em mensagens)
help-tcp_vs_udp-repeat = Roda cada cenário (ou cada taxa de --sweep) este número de vezes
help-tcp_vs_udp-proto = Quais protocolos rodar
help-tcp_vs_udp-proto-both = os dois
help-tcp_vs_udp-proto-tcp = só TCP
help-tcp_vs_udp-proto-udp = só UDP
help-tcp_vs_udp-idle-timeout = UDP: quando o emissor termina, para de esperar depois deste tempo sem nenhum datagrama
help-tcp_vs_udp-iperf3 = Lossy: depois de cada execução UDP, mede o mesmo enlace com o iperf3 (mesmo tamanho, quantidade e ritmo)
help-tcp_vs_udp-json = Um objeto JSON por protocolo por execução na saída padrão, em vez da tabela
help-tcp_vs_udp-svg = Lossy: desenha o % entregue e o tempo decorrido em função da taxa de perda neste arquivo SVG
