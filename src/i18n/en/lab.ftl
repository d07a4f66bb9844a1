# socklab messages, English: lab.
# Every message here has a twin in ../pt-BR/lab.ftl with the same variables.
