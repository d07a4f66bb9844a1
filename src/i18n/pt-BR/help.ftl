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
