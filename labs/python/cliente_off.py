#!/usr/bin/env python3
# cliente_off.py: envia linhas ao servidor_off.py / sends lines to servidor_off.py.
#
# PT: Lê linhas do teclado (ou de um pipe), envia cada uma e mostra a
#     resposta. Digite "off" para desligar o servidor; Ctrl-D sai sem
#     desligá-lo.
# EN: Reads lines from the keyboard (or a pipe), sends each one and shows
#     the answer. Type "off" to stop the server; Ctrl-D leaves without
#     stopping it.
#
# PT: Uso / EN: usage:  python3 cliente_off.py [--host 127.0.0.1] [--port 5000]
#     printf 'hello\noff\n' | python3 cliente_off.py

import argparse
import socket
import sys

TAMANHO_BUFFER = 4096


def main():
    args = argumentos()
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # connect(): PT: o handshake de três vias. EN: the three-way handshake.
        cliente.connect((args.host, args.port))
    except ConnectionRefusedError:
        print(f"connect: refused: nothing listens on {args.host}:{args.port}", file=sys.stderr)
        return 1

    pendente = b""
    for linha in sys.stdin:
        texto = linha.strip()
        # sendall(): PT: uma linha, com o "\n" que marca o seu fim.
        #            EN: one line, with the "\n" that marks its end.
        cliente.sendall((texto + "\n").encode())
        # recv(): PT: até a resposta inteira (uma linha) chegar.
        #         EN: until the whole answer (one line) has arrived.
        while b"\n" not in pendente:
            dados = cliente.recv(TAMANHO_BUFFER)
            if not dados:
                print("the server closed the connection", file=sys.stderr)
                cliente.close()
                return 1
            pendente += dados
        resposta, pendente = pendente.split(b"\n", 1)
        print(f"server: {resposta.decode(errors='replace')}", flush=True)
        if texto == "off":
            break

    # close(): PT: o nosso FIN. EN: our FIN.
    cliente.close()
    return 0


def argumentos():
    p = argparse.ArgumentParser(description="client of servidor_off.py")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    return p.parse_args()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
