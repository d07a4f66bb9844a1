#!/usr/bin/env python3
# cliente_tcp.py: cliente do servidor de eco TCP / a client of the TCP echo server.
#
# PT: socket() -> connect() -> sendall()/recv() -> close(). Cada mensagem da
#     linha de comando vai como uma linha; o cliente espera o eco de volta.
# EN: Each message on the command line goes as one line; the client waits
#     for its echo.
#
# PT: Uso / EN: usage:
#     python3 cliente_tcp.py [--host 127.0.0.1] [--port 5000] hello world

import argparse
import socket
import sys

TAMANHO_BUFFER = 4096


def main():
    args = argumentos()

    # socket(): PT: um ponto de comunicação TCP, ainda sem conexão.
    #           EN: a TCP endpoint, not connected yet.
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

    # connect(): PT: o kernel escolhe uma porta nossa e faz o handshake
    #            (SYN, SYN-ACK, ACK); volta quando a conexão existe.
    #            EN: the kernel picks our port and does the handshake
    #            (SYN, SYN-ACK, ACK); returns once the connection exists.
    try:
        cliente.connect((args.host, args.port))
    except ConnectionRefusedError:
        # PT: Ninguém escuta nessa porta: o kernel de lá respondeu com RST.
        # EN: Nobody listens on that port: the other kernel answered RST.
        print(f"connect: refused: nothing listens on {args.host}:{args.port}", file=sys.stderr)
        return 1
    local = cliente.getsockname()
    print(f"connected from {local[0]}:{local[1]}", flush=True)

    for mensagem in args.mensagens:
        linha = (mensagem + "\n").encode()
        # sendall(): PT: os bytes vão para o buffer de envio do kernel, que
        #            decide em quantos segmentos enviá-los.
        #            EN: the bytes go to the kernel's send buffer, which
        #            decides in how many segments to send them.
        cliente.sendall(linha)
        eco = b""
        # recv(): PT: o eco pode chegar aos pedaços: junte até a linha toda.
        #         EN: the echo may arrive in pieces: gather the whole line.
        while len(eco) < len(linha):
            dados = cliente.recv(TAMANHO_BUFFER)
            if not dados:
                print("the server closed the connection", file=sys.stderr)
                return 1
            eco += dados
        print(f"echo: {eco.decode(errors='replace').rstrip()}", flush=True)

    # close(): PT: envia o nosso FIN; o servidor lê 0 bytes e fecha também.
    #          EN: sends our FIN; the server reads 0 bytes and closes too.
    cliente.close()
    return 0


def argumentos():
    p = argparse.ArgumentParser(description="TCP echo client (cliente de eco TCP)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("mensagens", nargs="*", default=["hello"], metavar="MESSAGE",
                   help="messages to send, one line each (default: hello)")
    return p.parse_args()


if __name__ == "__main__":
    sys.exit(main())
