#!/usr/bin/env python3
# servidor_off.py: um servidor TCP que para quando recebe "off" /
# a TCP server that stops when it receives "off".
#
# PT: Cada linha recebida é mostrada e respondida com "message received".
#     A linha "off" é respondida com "goodbye" e encerra o servidor: fecha a
#     conexão e também o socket que escuta (depois disso, um connect() recebe
#     RST: "connection refused").
# EN: Each line received is shown and answered with "message received". The
#     line "off" is answered with "goodbye" and stops the server: it closes
#     the connection and the listening socket too (after that, a connect()
#     gets a RST: "connection refused").
#
# PT: Uso / EN: usage:  python3 servidor_off.py [--host 127.0.0.1] [--port 5000]

import argparse
import socket

TAMANHO_BUFFER = 4096
RESPOSTA = b"message received\n"
TCHAU = b"goodbye: server stopping\n"


def main():
    args = argumentos()
    # PT: socket(), setsockopt(), bind() e listen(), como no servidor de eco.
    # EN: socket(), setsockopt(), bind() and listen(), as in the echo server.
    servidor = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    servidor.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    servidor.bind((args.host, args.port))
    servidor.listen(5)
    host, porta = servidor.getsockname()
    print(f"listening on {host}:{porta}", flush=True)

    desligar = False
    while not desligar:
        # accept(): PT: um cliente de cada vez. EN: one client at a time.
        conexao, cliente = servidor.accept()
        print(f"client {cliente[0]}:{cliente[1]} connected", flush=True)
        desligar = atender(conexao)
        # close(): PT: o nosso FIN para este cliente. EN: our FIN to this client.
        conexao.close()

    # close() do socket que escuta: PT: a porta deixa de aceitar conexões.
    # close() of the listening socket: EN: the port stops taking connections.
    servidor.close()
    print("server stopped: a client sent off", flush=True)


def atender(conexao):
    """PT: Responde a cada linha; True se a linha foi "off".
    EN: Answer each line; True if the line was "off"."""
    pendente = b""
    while True:
        # recv(): PT: pode trazer parte de uma linha, ou várias: o TCP não
        #         guarda os limites das mensagens; nós os achamos pelo "\n".
        #         EN: may bring part of a line, or several: TCP keeps no
        #         message boundaries; we find them by the "\n".
        dados = conexao.recv(TAMANHO_BUFFER)
        if not dados:
            # PT: 0 bytes: o cliente fechou. EN: 0 bytes: the client closed.
            return False
        pendente += dados
        while b"\n" in pendente:
            linha, pendente = pendente.split(b"\n", 1)
            texto = linha.decode(errors="replace").strip()
            print(f"message: {texto}", flush=True)
            if texto == "off":
                conexao.sendall(TCHAU)
                return True
            conexao.sendall(RESPOSTA)


def argumentos():
    p = argparse.ArgumentParser(description="TCP server that stops on 'off'")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    return p.parse_args()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
