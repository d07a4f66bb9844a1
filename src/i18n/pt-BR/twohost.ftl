# Mensagens do socklab, português do Brasil: twohost.
# Cada mensagem daqui tem uma gêmea em ../en/twohost.ftl, com as mesmas variáveis.
#
# O twohost, a rede do laboratório (src/netns.rs), o seu enlace (src/link/)
# e os user namespaces privados (src/userns.rs), que o capture --private e o
# tcp_vs_udp --scenario lossy também usam. Plurais: [0] antes de [one],
# porque a categoria "one" do português inclui o 0.

## O que o twohost diz.

twohost-up = { $hosts ->
    [3] três hosts
   *[other] dois hosts
} no ar: { $names }, cada um ligado ao enlace pelo seu próprio cabo
twohost-up-rebuilt = a rede que tinha sobrado de antes foi removida e montada de novo
twohost-link-now = enlace: { $link }
twohost-where-private = sem root: no seu próprio user namespace, nada foi criado na máquina
twohost-where-namespaces = namespaces: { $names }
twohost-and = { $rest } e { $last }
twohost-down-leftovers = removidas as sobras de uma execução que foi morta: { $names }
twohost-down-nothing = nada a remover: os dois hosts não estavam no ar
twohost-down-removed = { $names } removidos (e com eles os cabos e o enlace)
twohost-set-done = o enlace agora: { $link }
twohost-status-up = { $hosts ->
    [3] três hosts
   *[other] dois hosts
}: no ar
twohost-status-dropped-here = descartados no caminho até aqui: { $n }
twohost-status-direction = { $forwarded ->
    [0] 0 encaminhados
    [one] { $forwarded } encaminhado
   *[other] { $forwarded } encaminhados
}, { $dropped ->
    [0] 0 descartados
    [one] { $dropped } descartado
   *[other] { $dropped } descartados
}, { $reordered ->
    [0] 0 reordenados
    [one] { $reordered } reordenado
   *[other] { $reordered } reordenados
}, { $duplicated ->
    [0] 0 duplicados
    [one] { $duplicated } duplicado
   *[other] { $duplicated } duplicados
}
twohost-status-half-built = dois hosts: montados pela metade (só existem { $names }; uma execução interrompida?): `twohost down` remove o que sobrou
twohost-status-leftovers = dois hosts: fora do ar, mas { $names } sobraram de uma execução que foi morta: `twohost down` (ou o próximo `twohost up`) remove essas sobras
twohost-status-down = dois hosts: fora do ar (monte-os com `twohost up`)
twohost-shell = um shell em { $host } ({ $addr }): todo programa iniciado aqui roda em { $host }; `exit` sai
twohost-examples-intro = Rode um programa num host com `{ $twohost } exec HOST PROGRAMA`, ou abra um shell nele com `{ $twohost } shell HOST`:
twohost-examples-capture = observe o cabo do lado da alice
twohost-examples-udp-server = um servidor UDP no bob, sobre IPv6
twohost-examples-done = Ao terminar: { $twohost } down

## Os erros do twohost.

twohost-bad-prefix = um prefixo tem no máximo 24 letras, dígitos, - ou _
twohost-set-nothing = diga o que mudar, por exemplo `twohost set --delay 20ms` (veja --help)
twohost-not-up = os dois hosts não estão no ar: rode `twohost up` primeiro
twohost-unreadable-link = o dono da rede respondeu com um enlace que não conseguimos ler: { $error }
twohost-already-up = uma rede com este nome já está no ar: rode `twohost down` primeiro
twohost-owner-did-not-end = o processo dono da rede não terminou em { $seconds } s
twohost-owner-silent = o processo dono da rede terminou sem dizer nada
twohost-no-such-host = não existe o host `{ $host }`: os hosts são { $hosts }
twohost-built-with-sudo = esta rede foi montada com sudo: use sudo também (`sudo twohost exec { $host } ...`)
twohost-no-ip = o `ip` não está instalado: instale o iproute2
twohost-step-find-exe = procurando o caminho deste programa
twohost-step-start-owner = iniciando o processo dono da rede
twohost-step-control-name = reservando o nome do socket de controle
twohost-step-run = rodando { $program } no host { $host }

## A rede do laboratório (src/netns.rs).

twohost-err-not-root = a rede de dois hosts precisa de root: rode com sudo
twohost-err-missing = `{ $cmd }` não está instalado: instale o iproute2 (é ele que traz o comando `ip`)
twohost-err-command = `{ $cmd }` falhou: { $stderr }
twohost-err-not-up-yet = a interface { $ifname } ainda não está ativa depois de 5 s: { $state }
twohost-err-thread-panicked = uma thread de namespace entrou em pânico
twohost-step-offloads = desligando os offloads de { $ifname }
twohost-step-start-link = iniciando o enlace em { $ns }

## O enlace: o que ele faz, numa linha (src/link/mod.rs).

twohost-link-delay = atraso de { $delay } em cada sentido
twohost-link-delay-jitter = atraso de { $delay } ± { $jitter } em cada sentido
twohost-link-rate = { $rate } (fila de { $queue ->
    [0] 0 quadros
    [one] { $queue } quadro
   *[other] { $queue } quadros
})
twohost-link-loss = perda de { $percent }
twohost-link-loss-burst = perda de { $percent } em rajadas de { $burst } quadros, em média
twohost-link-reorder = reordenação de { $percent } (cada quadro retido fica atrás de { $gap ->
    [0] 0 quadros posteriores
    [one] { $gap } quadro posterior
   *[other] { $gap } quadros posteriores
})
twohost-link-duplicate = duplicação de { $percent }
twohost-link-perfect = um cabo perfeito: sem atraso, sem perda, tão rápido quanto a máquina consegue encaminhar

## As opções do enlace (do twohost e do tcp_vs_udp). O que se digita
## continua escrito como se digita: 50ms, 1.5s, 10mbit.

twohost-link-bad-delay = `{ $text }` não é um atraso: use um número com ms, s ou us (50ms, 1.5s, 200us)
twohost-link-negative-delay = `{ $text }`: um atraso não pode ser negativo
twohost-link-delay-too-long = `{ $text }` passa de um minuto: nenhuma rede é tão lenta (use no máximo 60s)
twohost-link-bad-rate = `{ $text }` não é uma taxa: use um número com bit, kbit, mbit ou gbit (10mbit quer dizer 10 Mbit/s)
twohost-link-rate-not-positive = `{ $text }`: uma taxa precisa ser maior que 0
twohost-link-rate-too-low = `{ $text }` é menos que 1kbit: um único quadro levaria mais de 10 s
twohost-link-rate-too-high = `{ $text }` é mais que 100gbit
twohost-link-bad-percent = `{ $text }` não é uma porcentagem: use um número de 0 a 100
twohost-link-percent-range = { $value } não é uma porcentagem de 0 a 100 (20 quer dizer 20 %)
twohost-link-bad-burst = `{ $text }` não é um tamanho de rajada: use um número de quadros, 1 ou mais
twohost-link-burst-range = uma rajada de { $value } quadros: use um tamanho médio de 1 a { $max }
twohost-link-bad-queue = `{ $text }` não é um tamanho de fila: use um número de quadros de 1 a { $max }
twohost-link-burst-needs-loss = --burst dá forma às perdas de --loss: informe também um --loss
twohost-link-burst-too-short = uma perda de { $loss }% não pode vir em rajadas tão curtas quanto { $burst } quadros: use --burst { $min } ou mais
twohost-link-reorder-gap = um quadro reordenado precisa de pelo menos um quadro posterior que passe à frente dele
twohost-link-thread-ended = a thread do enlace terminou antes de começar
twohost-link-thread-panicked = a thread do enlace entrou em pânico

## O socket de controle de uma rede no ar (src/link/control.rs).

twohost-control-not-owner = só o usuário que montou esta rede (ou o root) pode mudá-la ou desmontá-la
twohost-control-not-a-request = não é um pedido
twohost-control-squatted = o socket de controle `{ $name }` pertence ao processo { $pid } do usuário { $uid }, que não é você nem o root: não dá para confiar nele
twohost-control-not-json = o dono da rede respondeu algo que não é JSON: { $error }
twohost-control-not-a-number = { $key } não é um número

## User namespaces privados (src/userns.rs): o que os bloqueia, e como resolver.

-sudo-still-works = ou rode o mesmo comando com sudo, que não precisa de nada disso
twohost-userns-debian = este sistema proíbe user namespaces a usuários comuns (kernel.unprivileged_userns_clone = 0); um administrador pode liberá-los de uma vez com `sudo sysctl -w kernel.unprivileged_userns_clone=1` (e `echo kernel.unprivileged_userns_clone=1 | sudo tee /etc/sysctl.d/50-socklab.conf` para que continue assim), { -sudo-still-works }
twohost-userns-none-allowed = este sistema não permite nenhum user namespace (user.max_user_namespaces = 0; comum em contêineres): um administrador pode aumentar o limite com `sudo sysctl -w user.max_user_namespaces=15000` (num contêiner, isso é feito no host dele, e o perfil seccomp precisa permitir unshare), { -sudo-still-works }
twohost-userns-apparmor = o AppArmor restringe user namespaces para usuários comuns (kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 23.10 em diante): um administrador pode liberar os programas do socklab de uma vez com um perfil do AppArmor que conceda `userns,` (veja docs/instructor.md, "Live labs without root"), ou liberar para todos com `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, { -sudo-still-works }
twohost-userns-limit = o limite de user namespaces foi atingido (user.max_user_namespaces, ou a parte dele que cabe a este usuário): feche outras sandboxes ou peça a um administrador que aumente o limite, { -sudo-still-works }
twohost-userns-no-kernel-support = este kernel não tem user namespaces (CONFIG_USER_NS está desligado), { -sudo-still-works }
twohost-userns-other = não foi possível criar um user namespace ({ $error }); um contêiner ou um módulo de segurança pode proibi-los (um perfil seccomp que bloqueie unshare, por exemplo), { -sudo-still-works }
twohost-userns-unsettled = a sua rede privada ficou aparecendo e sumindo: tente de novo
twohost-userns-no-program = `{ $program }`: programa não encontrado
twohost-userns-banner-created = rede privada: uma rede só sua, sem precisar de root (só lo, 127.0.0.1 e ::1); rode `capture shell` em outro terminal para trabalhar nela; ela dura enquanto este programa (ou um shell dentro dela) estiver rodando
twohost-userns-banner-joined = rede privada: você entrou na sua (criada pelo processo { $pid }); `exit` ou Ctrl-D sai
twohost-userns-step-write = gravando /proc/self/{ $file }
twohost-userns-step-open = abrindo o namespace { $kind } do processo { $pid }
twohost-userns-step-join = entrando no namespace { $kind } do processo { $pid }
twohost-userns-step-look = procurando a sua rede privada
twohost-userns-step-name = dando nome à sua rede privada
twohost-userns-step-lo = ativando a interface lo
twohost-userns-step-thread = iniciando a thread de controle da rede privada
twohost-userns-step-start = iniciando { $program }
twohost-userns-step-private-mounts = tornando privados os pontos de montagem
twohost-userns-step-private-netns = montando um /run/netns privado
twohost-userns-step-read-run = lendo /run
twohost-userns-step-scratch = criando um diretório de rascunho
twohost-userns-step-scratch-tmpfs = montando um tmpfs de rascunho
twohost-userns-step-scratch-tree = criando a árvore de rascunho
twohost-userns-step-bind-run = guardando o /run original à parte (bind mount)
twohost-userns-step-new-run = montando o novo /run
twohost-userns-step-make-netns = criando /run/netns
twohost-userns-step-move-run = pondo o novo /run no lugar

## ---- configuração do enlace por sentido (h-rootless) ----
twohost-link-bad-direction = `{ $text }` não é um sentido com um valor: escreva DE-to-PARA=VALOR entre dois de alice, bob e carol, por exemplo alice-to-bob=50ms,bob-to-alice=5ms
twohost-link-direction-twice = { $direction } aparece duas vezes: dê cada sentido uma vez só
twohost-link-no-such-direction = esta rede não tem o sentido { $direction }: os sentidos dela são { $known } (a carol precisa de --carol)
twohost-link-direction-now = enlace { $direction }: { $link }
twohost-link-delay-one-way = atraso de { $delay }
twohost-link-delay-jitter-one-way = atraso de { $delay } ± { $jitter }
