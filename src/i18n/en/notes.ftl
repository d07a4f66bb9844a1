# socklab messages, English: notes.
# Every message here has a twin in ../pt-BR/notes.ftl with the same variables.
