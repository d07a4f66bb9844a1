#!/usr/bin/env python3
# servidor_udp.py: servidor de eco UDP / a UDP echo server.
#
# PT: socket() -> bind() -> recvfrom()/sendto() em laço -> close().
#     Compare com o servidor TCP: não há listen(), nem accept(), nem conexão.
#     Cada datagrama chega sozinho, com o endereço de quem o enviou, e um só
#     socket conversa com todos os clientes. O datagrama "off" encerra o
#     servidor.
# EN: Compare with the TCP server: no listen(), no accept(), no connection.
#     Each datagram arrives on its own, with its sender's address, and one
#     socket talks to every client. The datagram "off" stops the server.
#
# PT: Uso / EN: usage:  python3 servidor_udp.py [--host 127.0.0.1] [--port 5000]

import argparse
import socket

# PT: Grande o bastante para o maior datagrama UDP: um recvfrom() devolve um
#     datagrama inteiro, e um buffer pequeno demais o cortaria sem avisar.
# EN: Big enough for the largest UDP datagram: one recvfrom() returns one
#     whole datagram, and a buffer too small would silently cut it.
TAMANHO_BUFFER = 65535


def main():
    args = argumentos()
    # socket(SOCK_DGRAM): PT: um socket UDP. EN: a UDP socket.
    servidor = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # bind(): PT: a porta em que os datagramas chegam.
    #         EN: the port datagrams arrive at.
    servidor.bind((args.host, args.port))
    host, porta = servidor.getsockname()
    print(f"listening on {host}:{porta}", flush=True)

    while True:
        # recvfrom(): PT: espera UM datagrama; devolve também quem o enviou.
        #             EN: waits for ONE datagram; also returns who sent it.
        dados, cliente = servidor.recvfrom(TAMANHO_BUFFER)
        print(f"{len(dados)} bytes from {cliente[0]}:{cliente[1]}: {dados!r}", flush=True)
        # sendto(): PT: a resposta vai para o endereço que veio no datagrama.
        #           EN: the answer goes to the address the datagram came from.
        servidor.sendto(dados, cliente)
        if dados.strip() == b"off":
            break

    # close(): PT: nada vai para a rede: UDP não tem conexão a encerrar.
    #          EN: nothing goes on the wire: UDP has no connection to end.
    servidor.close()
    print("server stopped: a client sent off", flush=True)


def argumentos():
    p = argparse.ArgumentParser(description="UDP echo server (servidor de eco UDP)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    return p.parse_args()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
