# Mensagens do socklab, português do Brasil: twohost.
# Cada mensagem daqui tem uma gêmea em ../en/twohost.ftl, com as mesmas variáveis.
