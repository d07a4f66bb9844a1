# socklab messages, English: experiment.
# Every message here has a twin in ../pt-BR/experiment.ftl with the same variables.
