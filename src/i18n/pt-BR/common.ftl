# Mensagens do socklab, português do Brasil: o que todos os programas têm em comum.
# Cada mensagem daqui tem uma gêmea em ../en/common.ftl, com as mesmas variáveis.
#
# Convenções: chamadas de C (connect()), flags do TCP (SYN), nomes de estado
# da RFC (ESTABLISHED) e nomes de errno (ECONNREFUSED) ficam como estão.
# Números com casas decimais já chegam formatados (com vírgula).

common-error = erro
common-segments = { $n ->
    [0] 0 segmentos
    [one] { $n } segmento
   *[other] { $n } segmentos
}

## Erros de uso (a primeira linha; o uso do clap vem depois).

usage-error = erro: { $what }
usage-unknown-argument = argumento inesperado '{ $arg }'
usage-invalid-value = valor inválido '{ $value }' para '{ $arg }' (valores possíveis: { $valid })
usage-value-validation = valor inválido '{ $value }' para '{ $arg }': { $why }
usage-missing-argument = faltam argumentos obrigatórios: { $arg }
usage-conflict = o argumento '{ $arg }' não pode ser usado junto com '{ $other }'
usage-invalid-subcommand = subcomando desconhecido '{ $arg }'
usage-missing-subcommand = é preciso um subcomando
usage-no-equals = é preciso um sinal de igual para dar valor a '{ $arg }'
usage-wrong-number = número errado de valores para '{ $arg }' ({ $value })
usage-other = { $what }

## Valores na linha de comando.

cli-not-a-language = `{ $text }` não é um idioma que o socklab fala: use en ou pt-BR

## Números na linha de comando.

usage-int-empty = um valor vazio não é um número
usage-int-invalid = não é um número inteiro
usage-int-range = o número está fora do intervalo permitido

## Erros de socket e as suas dicas (src/net.rs), e os valores dos programas
## do laboratório na linha de comando (src/cli.rs): h-i18n-lab.
## Um erro de socket é uma linha: o que aconteceu, depois o que tentar.

net-resolve = não foi possível resolver o host `{ $host }`: { $error }: confira a grafia, ou use um endereço como 127.0.0.1 ou ::1
net-no-address = o host `{ $host }` não tem endereço: use um endereço como 127.0.0.1 ou ::1
net-socket = socket({ $what }): { $why }
net-bind = bind { $addr }: { $why }
net-setsockopt = setsockopt({ $option }): { $why }
net-listen = listen em { $addr }: { $why }
net-accept = accept em { $addr }: { $why }
net-connect = connect { $addr }: { $why }
net-transfer = { $call } com { $peer }: { $why }
net-datagram-too-large = uma mensagem de { $len } bytes é maior do que cabe num datagrama UDP ({ $max } bytes sobre { $family }): envie menos, ou use TCP, que corta um fluxo de bytes em segmentos para você

# O que um errno quer dizer, nas palavras do curso (depois de "erro: " numa linha da narração).
net-refused = conexão recusada: ninguém escuta ali
net-refused-tcp = conexão recusada: ninguém escuta ali (voltou um RST)
net-refused-udp = conexão recusada: ninguém escuta ali (voltou um ICMP port unreachable)
net-reset = o outro lado abortou a conexão (RST recebido)
net-aborted = conexão abortada
net-broken-pipe = pipe quebrado: a conexão já está fechada
net-addr-in-use = endereço já em uso
net-addr-not-available = endereço indisponível nesta máquina
net-permission-denied = permissão negada
net-timed-out = tempo esgotado
net-not-connected = não conectado
net-network-unreachable = rede inalcançável
net-host-unreachable = host inalcançável
net-message-too-long = mensagem longa demais para um datagrama
net-family-not-supported = família de endereços não suportada

# As palavras do próprio getaddrinfo() (o gai_strerror da glibc).
net-lookup-failed = falha ao consultar o endereço: { $why }
net-gai-noname = nome ou serviço desconhecido
net-gai-again = falha temporária na resolução de nomes
net-gai-nodata = nenhum endereço associado a esse nome

# Dicas: $what é o erro nas palavras acima.
net-hint-no-ipv6 = { $what }: o IPv6 pode estar desativado aqui; use 127.0.0.1
net-hint-too-many-files = { $what }: arquivos abertos demais; feche algumas conexões ou aumente o `ulimit -n`
net-hint-port-in-use = { $what }: outro programa escuta na porta { $port }; pare-o ou escolha outra --port
net-hint-low-port = { $what }: as portas abaixo de 1024 são reservadas ao root; escolha --port 1024 ou acima (por exemplo { $default })
net-hint-not-our-address = { $what }: { $ip } não é um endereço desta máquina; use 127.0.0.1 ou ::1
net-hint-refused = conexão recusada: ninguém escuta em { $addr }; inicie o servidor primeiro ou confira --host e --port
net-hint-no-answer = tempo esgotado: { $addr } nunca respondeu ao nosso SYN; confira o endereço (o laboratório roda em 127.0.0.1 ou ::1)
net-hint-no-route = { $what }: esta máquina não tem rota para { $ip }; o laboratório roda no loopback: use 127.0.0.1 ou ::1
net-hint-aborted = { $what }: a conexão terminou de repente, sem o encerramento normal
net-hint-closed = { $what }: o outro lado já a fechou

# Tamanhos, durações e timeouts na linha de comando.
cli-not-a-size = `{ $text }` não é um tamanho: use um número inteiro, com K, M ou G se quiser (por exemplo 64K, 1G)
cli-size-too-large = `{ $text }` é grande demais
cli-not-a-duration = `{ $text }` não é uma duração: use segundos (1, 2,5, 3s) ou milissegundos (500ms)
cli-unusable-duration = `{ $text }` não é uma duração utilizável
cli-zero-timeout = `{ $text }` não é tempo nenhum: dê um timeout acima de 0

## h-i18n-rest 2: going back from sudo to the user who ran it (sys::sudo_invoker).

common-sudo-uid-bad = SUDO_UID={ $raw } não é um id de usuário, então não se sabe para qual usuário voltar; remova SUDO_UID para rodar como root, ou inicie o programa com sudo de novo
common-sudo-gid-missing = SUDO_GID está ausente ou não é um id de grupo, e o usuário { $uid } (SUDO_UID) não tem entrada no passwd de onde tirar o grupo; defina SUDO_GID, ou remova SUDO_UID para rodar como root
