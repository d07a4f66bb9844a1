# socklab messages, English: chat.
# Every message here has a twin in ../pt-BR/chat.ftl with the same variables.
