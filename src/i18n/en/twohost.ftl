# socklab messages, English: twohost.
# Every message here has a twin in ../pt-BR/twohost.ftl with the same variables.
