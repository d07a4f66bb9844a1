# Mensagens do socklab, português do Brasil: capture.
# Cada mensagem daqui tem uma gêmea em ../en/capture.ftl, com as mesmas variáveis.
