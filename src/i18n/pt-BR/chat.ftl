# Mensagens do socklab, português do Brasil: chat.
# Cada mensagem daqui tem uma gêmea em ../en/chat.ftl, com as mesmas variáveis.
