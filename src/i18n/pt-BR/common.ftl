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
