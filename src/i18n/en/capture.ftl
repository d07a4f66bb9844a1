# socklab messages, English: capture.
# Every message here has a twin in ../pt-BR/capture.ftl with the same variables.
