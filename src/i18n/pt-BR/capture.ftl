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

## A demonstração.

capture-demo-live = demonstração do socklab: o tcp_client envia duas linhas ao tcp_server (127.0.0.1:{ $tcp }) e fecha; depois o udp_client envia ao udp_server (127.0.0.1:{ $udp }).
capture-demo-replayed = demonstração do socklab (reproduzida de uma gravação feita com `sudo capture demo -w demo.pcap`)
capture-demo-how-to-read =
    Como ler, em ordem de tempo:
      │ tcp_client │ ...          o que o próprio programa imprime (a narração dele)
      tcp_client[pid]: ...        a mesma chamada de socket, como o capture a recebeu, e o que ela causou (-> SYN)
      #1 cliente ──SYN──▶ servidor um segmento na rede, o cliente à esquerda, o servidor à direita;
                                  a linha recuada embaixo dele diz o que ele faz e o estado TCP de cada lado
    Depois, cada conversa como um diagrama de escada, e uma tabela das conexões.
capture-demo-how-to-read-recorded =
    Como ler, em ordem de tempo:
      tcp_client[pid]: ...        uma chamada de socket que um programa fez, e o que ela causou (-> SYN)
      #1 cliente ──SYN──▶ servidor um segmento na rede, o cliente à esquerda, o servidor à direita;
                                  a linha recuada embaixo dele diz o que ele faz e o estado TCP de cada lado
    Depois, cada conversa como um diagrama de escada, e uma tabela das conexões.
capture-demo-no-tcp-port = não foi possível encontrar uma porta TCP livre
capture-demo-no-udp-port = não foi possível encontrar uma porta UDP livre
capture-demo-cannot-write = não foi possível gravar { $path }
capture-demo-as-user = capture: rodando agora como o usuário { $uid } (reproduzir uma gravação não precisa de root)
capture-demo-cannot-drop = não foi possível abrir mão dos privilégios de root antes de reproduzir a gravação
capture-demo-no-tempdir = não foi possível criar um diretório temporário privado para a gravação
capture-demo-or-replay = { $error }; ou reproduza a demonstração gravada, sem privilégios: capture demo --from-file

## Erros (cada um diz o que aconteceu e o que fazer).

capture-error = capture: { $word }: { $error }
capture-err-permission = permissão negada para capturar em { $iface }: o capture precisa de CAP_NET_RAW; rode-o com sudo, ou, uma única vez: sudo setcap cap_net_raw,cap_net_admin=eip { $exe }
capture-err-no-interface = não existe interface chamada { $iface }: liste-as com `ip link` (a de loopback é { $default })
capture-err-open = não foi possível capturar em { $iface }: { $message }
capture-err-file-missing = não foi possível ler { $path }: o arquivo não existe; confira o caminho dado a -r
capture-err-file = não foi possível ler { $path }: { $message }; -r precisa de um arquivo pcap como os que tcpdump -w ou capture -w gravam
capture-err-filter = filtro inválido { $filter }: { $message }; os filtros usam a sintaxe do tcpdump, por exemplo 'tcp port 5000'
capture-err-write = não foi possível gravar { $path }: { $message }
capture-err-read = a leitura dos pacotes falhou: { $message }
capture-err-cannot-read = não foi possível ler { $path }
capture-err-read-and-run = -r lê um arquivo; não dá para rodar um programa ao mesmo tempo
capture-err-drop-root = não foi possível abrir mão dos privilégios de root depois de abrir a captura: { $error }
capture-err-quiz-udp = --conn u{ $n } é um fluxo UDP: o quiz pergunta sobre segmentos TCP; dê o número de uma conexão (--conn 1)
capture-err-time-scale = `{ $text }` não é uma escala que dê para usar: dê o tempo que uma linha representa, de 0.000001 (um microssegundo) a 60s, por exemplo 10ms
capture-err-not-a-conversation = { $text } não é uma conexão: dê o número dela como o resumo mostra (3 ou #3), ou uN para o fluxo UDP N (u2)
capture-err-no-connection = --conn #{ $n }: não há conexão #{ $n } nesta captura; a visão de texto e a tabela de resumo mostram os números
capture-err-no-flow = --conn u{ $n }: não há fluxo UDP u{ $n } nesta captura; a visão de texto e a tabela de resumo mostram os números
capture-err-web-bind = não foi possível servir a visão no navegador em { $addr }: { $error }; escolha outro endereço ou outra porta, por exemplo --web=127.0.0.1:8080
capture-err-web-address = --web={ $given }: não é um endereço; escreva --web=PORTA, --web=ENDEREÇO:PORTA ou --web=[IPv6]:PORTA
capture-err-no-such-program = não foi possível rodar { $name }: o arquivo não existe
capture-err-program-not-found = não foi possível rodar { $name }: não foi encontrado { $beside } nem { $on_path }; compile os programas do lab com `cargo build --release` e ponha { $name } ao lado do capture ou no PATH, ou dê o caminho dele
capture-looked-beside = ao lado do capture (em { $dir })
capture-looked-beside-unknown = ao lado do capture (o caminho dele é desconhecido)
capture-looked-path-empty = no PATH (vazio)
capture-looked-path = no PATH ({ $dirs })
capture-err-cannot-start = não foi possível iniciar { $path }
capture-err-not-ready = { $name } não imprimiu { $ready } em { $timeout }
capture-err-thread = a thread que roda os programas entrou em pânico

## Linhas de estado (na saída de erro).

capture-as-user = capture: a captura está aberta; rodando agora como o usuário { $uid } (sem root, como faz o tcpdump -Z)
capture-no-calls = capture: aviso: as chamadas de socket não serão mostradas: { $error }
capture-listening = capture: escutando em { $source } ({ $link }), filtro: { $filter }
capture-filter-none = nenhum
capture-kernel-counters = capture: { $received } pacotes recebidos pelo filtro, { $dropped } descartados pelo kernel, { $if_dropped } descartados pela interface
capture-dropped-by-capture = , { $n } descartados pelo capture (a fila dele encheu: a saída não acompanhou)
capture-no-ctrl-c = capture: aviso: o Ctrl-C não vai parar de forma limpa: { $error }
capture-program-exited = capture: aviso: { $name } terminou com { $status }
capture-program-stopped = capture: aviso: { $name } não terminou em { $timeout }; foi interrompido
capture-web-local = capture: visão no navegador em { $url } (só nesta máquina)
capture-web-shared = capture: visão no navegador em { $url }: compartilhada com a rede, somente leitura; quem conseguir acessá-la vê os pacotes, inclusive o conteúdo
capture-web-any-address = <o endereço desta máquina>
capture-web-stays-up = capture: a captura terminou; a visão no navegador continua em { $url } até o Ctrl-C

## -v: o que querem dizer os valores dos campos dos cabeçalhos (os nomes dos campos ficam como as RFCs os chamam).

capture-v-checksum-good = correto
capture-v-checksum-bad = incorreto, deveria ser { $expected }
capture-v-checksum-partial = não verificado: delegado à placa de rede, só a soma do pseudocabeçalho está lá; o loopback nunca o completa
capture-v-checksum-absent = nenhum: o remetente não calculou um
capture-v-checksum-unverified = não verificado: a captura cortou o pacote
capture-v-none = nenhum
capture-v-title = cabeçalho { $layer }, { $n } bytes
capture-v-window-syn = { $window } (a janela de um SYN nunca é escalada)
capture-v-window-scaled = { $window } (×{ $factor } = { $bytes } com o wscale { $shift } do { $from })
capture-v-window-off = { $window } (sem escala: um dos SYNs não tinha window scale)
capture-v-window-unknown = { $window } (escala desconhecida: o handshake não foi capturado)
capture-v-relative = { $n } (relativo { $rel })
capture-v-ack-unused = { $n } (não usado: sem o flag ACK)
capture-v-udp-length = { $len } (8 de cabeçalho + { $data } de dados)
capture-v-option-end = fim das opções
capture-v-option-unknown = tipo { $kind } ({ $n } bytes: { $hex })
capture-v-option-malformed = tipo { $kind } com comprimento impossível { $len } (o resto não é lido)

## --quiz: adivinhe cada segmento.

capture-quiz-intro = Adivinhe cada segmento antes de vê-lo: digite a sua resposta e Enter; uma resposta vazia mostra o segmento. O fim da entrada (Ctrl-D) termina o quiz com a sua pontuação.
capture-quiz-left-out = (o quiz cobre os primeiros { $max } segmentos e chamadas; mais { $n } ficam de fora)
capture-quiz-next = #{ $conn } a seguir: o { $from } ({ $src }) envia um segmento ao { $to } ({ $dst }).
capture-quiz-ask-flags = quais flags? (por exemplo SYN ACK, ou nenhum)
capture-quiz-ask-ack = qual número de ack? (relativo, ou nenhum)
capture-quiz-ask-state = em que estado fica o { $side } depois dele?
capture-quiz-none = nenhum
capture-quiz-no-ack = nenhum (o flag ACK está desligado)
capture-quiz-ack = { $rel } (absoluto { $abs })
capture-quiz-right = certo: { $answer }
capture-quiz-not-quite = não exatamente: { $answer }
capture-quiz-it-was = era: { $segment }
capture-quiz-reveal = { $segment } · cliente { $client } · servidor { $server } ({ $step })
capture-quiz-score = Pontuação: { $score }
capture-quiz-kind-flags = flags
capture-quiz-kind-ack = número de ack
capture-quiz-kind-state = estado
capture-quiz-total = total { $right }/{ $asked }

## A saída.

capture-output-blocked = interrompido enquanto ninguém lia a saída: o final dela e o resumo não foram escritos
capture-output-cannot-write = não foi possível escrever a saída
capture-reader-stopped = o leitor de pacotes parou

## A visão do kernel (tracefs) e os eventos do enlace
capture-kernel-on = capture: lendo também a visão do próprio kernel das chamadas de socket e dos estados TCP (instâncias de tracing { $instances }; --no-kernel desliga)
capture-kernel-stale-removed = capture: removidas as instâncias de tracing que uma captura encerrada à força deixou para trás: { $instances }
capture-kernel-off = capture: aviso: { $why }
capture-kernel-end = capture: visão do kernel: { $calls } chamadas mostradas, { $confirmed } chamadas dos programas do próprio socklab confirmadas, { $states } mudanças de estado TCP, { $lost } eventos perdidos pelo kernel{ $dropped ->
    [0] {""}
   *[other] , { $dropped } descartados (uma fila estava cheia)
}{ $removed ->
    [yes] ; instâncias de tracing removidas
   *[no] ; uma instância de tracing ficou para trás
}
capture-err-link-events-file = --link-events é para uma captura ao vivo: os eventos do enlace não ficam guardados num arquivo
capture-err-link-socket = não foi possível criar o socket de eventos do enlace { $path }: { $error }{ $in_use ->
    [yes] : já existe algo ali; remova ou escolha outro caminho
   *[no] {""}
}

## h-i18n-rest: por que a visão do kernel está desligada (kernel::Unavailable).

capture-kernel-unavailable = { $why }; os segmentos e as chamadas dos programas do próprio socklab continuam aparecendo
capture-kernel-unavailable-not-linux = a visão do kernel das chamadas de socket precisa do Linux
capture-kernel-unavailable-not-root = a visão do kernel das chamadas de socket precisa de root (rode o capture com sudo)
capture-kernel-unavailable-no-tracefs = sem tracing do kernel: { $why }
capture-kernel-unavailable-no-instances = este kernel não tem instâncias privadas de tracing (é preciso o Linux 3.19 ou mais novo)
capture-kernel-unavailable-missing-events = este kernel não tem os eventos de tracing { $events }
capture-kernel-unavailable-failed = o tracing do kernel não pôde começar: { $why }

## h-i18n-rest: o diretório privado do socket de eventos (events::check_private_dir).

capture-events-dir-unusable = não foi possível usar { $dir }: { $error }
capture-events-dir-symlink = { $dir } é um link simbólico, não o diretório privado do socket de eventos: outra pessoa pode tê-lo criado; remova-o, ou defina { $var } com um caminho seu
capture-events-dir-not-dir = { $dir } não é um diretório; remova-o, ou defina { $var } com um caminho seu
capture-events-dir-owner = { $dir } pertence ao usuário { $owner }, não ao usuário { $uid }: outro usuário o criou, talvez para receber os seus eventos; peça para removê-lo (como root), ou defina { $var } com um caminho seu
capture-events-dir-mode = { $dir } tem modo { $mode }, então outros usuários alcançam o socket de eventos dentro dele; rode `chmod 700 { $dir }`, ou defina { $var } com um caminho seu
capture-events-dir-parent = { $parent } pode ser escrito por outros usuários e não tem o sticky bit, então o diretório privado dentro dele não é seguro; defina { $var } com um caminho seu
capture-kernel-not-removed = capture: aviso: uma instância de tracing não pôde ser removida; a próxima captura como root a remove

## h-i18n-rest 2: the events socket already there (events::check_existing), the kernel tracer's own part of why it could not start (kernel::tracer, kernel::tracefs), the web page's refusals (web::http), the SVG file.

capture-events-cannot-create = não foi possível criar { $path }: { $error }
capture-events-cannot-use = não foi possível usar { $path }: { $error }
capture-events-not-socket = { $path } existe e não é um socket; remova-o ou defina { $var }
capture-events-in-use = outro capture já está recebendo eventos em { $path }; pare-o ou defina { $var } com outro caminho
capture-events-other-user-live = { $path } é o socket de eventos de outro usuário (uid { $uid }), cujo capture está rodando: defina { $var } com um caminho seu
capture-events-other-user-stale = { $path } é um socket de eventos deixado por outro usuário (uid { $uid }): não cabe a você removê-lo; defina { $var } com um caminho seu
capture-kernel-cannot-create-instance = não foi possível criar uma instância de tracing: { $error }
capture-kernel-cannot-set-up = não foi possível configurar a instância de tracing ({ $what }): { $error }
capture-kernel-cannot-start-reader = não foi possível iniciar a thread de leitura: { $error }
capture-kernel-cannot-follow = não foi possível acompanhar os nossos processos filhos: { $error }
capture-kernel-cannot-start = não foi possível iniciar o tracing: { $error }
capture-kernel-header-page = events/header_page não foi entendido ({ $why }); supõe-se o layout de 64 bits
capture-tracefs-not-built = este kernel não tem tracefs (compilado sem CONFIG_TRACING)
capture-tracefs-not-mounted = o tracefs não está montado (monte-o: sudo mount -t tracefs nodev { $path })
capture-tracefs-mount-failed = o tracefs não está montado e montá-lo em { $path } falhou: { $error }
capture-web-too-many = conexões demais
capture-web-too-large = requisição grande demais
capture-web-method = esta página só lê: GET e HEAD
capture-web-wrong-host = Host errado: abra o endereço que o capture imprimiu
capture-web-bad-request = requisição inválida
capture-web-not-found = não encontrado
capture-svg-cannot-write = não foi possível gravar { $path }: { $error }

## The -v view: the size of a segment's data, and how much of it is shown.
capture-v-data-bytes = { $bytes ->
    [one] { $bytes } byte
   *[other] { $bytes } bytes
}
capture-v-data-shown = {" "}(mostrados os primeiros { $shown })
