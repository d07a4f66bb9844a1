#!/usr/bin/env python3
# cliente_udp.py: cliente do servidor de eco UDP / a client of the UDP echo server.
#
# PT: socket() -> sendto()/recvfrom() -> close(). Sem connect(): cada
#     sendto() diz para onde vai. Cada mensagem é um datagrama.
# EN: No connect(): each sendto() says where it goes. Each message is one
#     datagram.
#
# PT: Uso / EN: usage:  python3 cliente_udp.py [--host 127.0.0.1] [--port 5000] hello off

import argparse
import socket
import sys

TAMANHO_BUFFER = 65535
# PT: UDP não confirma nada: se o datagrama ou a resposta se perder, o
#     recvfrom() esperaria para sempre. Por isso um tempo limite.
# EN: UDP confirms nothing: if the datagram or its answer is lost,
#     recvfrom() would wait forever. Hence a timeout.
ESPERA_SEGUNDOS = 2.0


def main():
    args = argumentos()
    cliente = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    cliente.settimeout(ESPERA_SEGUNDOS)
    servidor = (args.host, args.port)
    perdidas = 0
    for mensagem in args.mensagens:
        # sendto(): PT: um datagrama, enviado já; ninguém confirma que chegou.
        #           EN: one datagram, sent at once; nobody confirms it arrived.
        cliente.sendto(mensagem.encode(), servidor)
        try:
            # recvfrom(): PT: a resposta, se vier. EN: the answer, if it comes.
            dados, origem = cliente.recvfrom(TAMANHO_BUFFER)
            print(f"echo from {origem[0]}:{origem[1]}: {dados.decode(errors='replace')}", flush=True)
        except socket.timeout:
            perdidas += 1
            print(f"no answer in {ESPERA_SEGUNDOS} s (lost, or nobody listens)", flush=True)
        except ConnectionRefusedError:
            # PT: O kernel de lá respondeu ICMP "port unreachable".
            # EN: The other kernel answered ICMP "port unreachable".
            perdidas += 1
            print("refused: nothing listens on that port (ICMP port unreachable)", flush=True)
    cliente.close()
    return 1 if perdidas else 0


def argumentos():
    p = argparse.ArgumentParser(description="UDP echo client (cliente de eco UDP)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("mensagens", nargs="*", default=["hello"], metavar="MESSAGE")
    return p.parse_args()


if __name__ == "__main__":
    sys.exit(main())
