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
help-capture-demo-about = Roda o tcp_server e o tcp_client (depois o udp_server e o udp_client) sob o capture e explica tudo.
help-capture-demo-from-file = Reproduz a gravação que vem com o programa em vez de capturar ao vivo (não precisa de privilégios)
help-capture-demo-write = Também grava os pacotes da demonstração neste arquivo pcap (e os eventos ao lado dele)
help-capture-demo-json = Um objeto JSON por linha em vez de texto
help-capture-demo-svg = Também grava o diagrama de escada como SVG
help-capture-shell-about = Um shell (ou PROGRAMA) na sua rede privada, a que o `capture --private` acompanha: não precisa de root.
help-capture-shell-program = O programa a rodar em vez do seu shell, e os argumentos dele
