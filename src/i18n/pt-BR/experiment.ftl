# Mensagens do socklab, português do Brasil: experiment.
# Cada mensagem daqui tem uma gêmea em ../en/experiment.ftl, com as mesmas variáveis.
