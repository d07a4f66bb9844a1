# Mensagens do socklab, português do Brasil: notes.
# Cada mensagem daqui tem uma gêmea em ../en/notes.ftl, com as mesmas variáveis.
