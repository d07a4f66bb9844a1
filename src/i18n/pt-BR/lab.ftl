# Mensagens do socklab, português do Brasil: lab.
# Cada mensagem daqui tem uma gêmea em ../en/lab.ftl, com as mesmas variáveis.
