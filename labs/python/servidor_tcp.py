#!/usr/bin/env python3
# servidor_tcp.py: servidor de eco TCP / a TCP echo server.
#
# PT: Leia de cima para baixo: as chamadas vêm na ordem da listagem clássica,
#     socket() -> setsockopt() -> bind() -> listen() -> accept() ->
#     recv()/send() -> close(). Só a biblioteca padrão do Python.
# EN: Read it top to bottom: the calls come in the order of the classic
#     listing. Standard library only.
#
# PT: Uso / EN: usage:
#     python3 servidor_tcp.py [--host 127.0.0.1] [--port 5000]
#     python3 servidor_tcp.py --port 0    # PT: o kernel escolhe a porta
#                                         # EN: the kernel picks the port
# PT: Veja as chamadas e os segmentos / EN: see the calls and segments:
#     sudo capture -- python3 labs/python/servidor_tcp.py

import argparse
import socket

# PT: Quanto um recv() pode devolver de uma vez.
# EN: How many bytes one recv() may return.
TAMANHO_BUFFER = 4096


def main():
    args = argumentos()

    # socket(): PT: cria o ponto de comunicação TCP (SOCK_STREAM); nada vai
    #           para a rede ainda.
    #           EN: a new TCP endpoint; nothing goes on the wire yet.
    servidor = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

    # setsockopt(SO_REUSEADDR): PT: um servidor reiniciado precisa da sua
    #     porta de volta, mesmo com conexões antigas em TIME-WAIT.
    #     EN: a restarted server must get its port back, even while old
    #     connections sit in TIME-WAIT.
    servidor.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)

    # bind(): PT: o endereço e a porta em que os clientes nos encontram.
    #         EN: the address and port clients will find us at.
    servidor.bind((args.host, args.port))

    # listen(): PT: agora o kernel faz os handshakes sozinho e guarda as
    #           conexões prontas numa fila (até 5), mesmo antes do accept().
    #           EN: from now on the kernel does the handshakes by itself and
    #           queues finished connections (up to 5), before any accept().
    servidor.listen(5)
    host, porta = servidor.getsockname()
    print(f"listening on {host}:{porta}", flush=True)

    while True:
        # accept(): PT: espera um cliente; devolve um socket NOVO, só desse
        #           cliente. O socket `servidor` continua escutando.
        #           EN: waits for a client; returns a NEW socket for that
        #           client alone. `servidor` goes on listening.
        conexao, cliente = servidor.accept()
        print(f"client {cliente[0]}:{cliente[1]} connected", flush=True)
        atender(conexao)
        # close(): PT: envia o nosso FIN; a conexão com este cliente acaba.
        #          EN: sends our FIN; this client's connection ends.
        conexao.close()
        print(f"client {cliente[0]}:{cliente[1]} done", flush=True)


def atender(conexao):
    """PT: Devolve tudo o que chegar, até o cliente fechar.
    EN: Echo back everything that arrives, until the client closes."""
    while True:
        # recv(): PT: espera bytes. TCP é um fluxo de bytes: um recv() pode
        #         trazer meia mensagem ou duas.
        #         EN: waits for bytes. TCP is a byte stream: one recv() may
        #         bring half a message, or two.
        dados = conexao.recv(TAMANHO_BUFFER)
        if not dados:
            # PT: 0 bytes: o cliente fechou o lado dele (chegou o FIN).
            # EN: 0 bytes: the client closed its side (its FIN arrived).
            return
        print(f"received {len(dados)} bytes: {dados!r}", flush=True)
        # sendall(): PT: um send() pode aceitar só parte dos bytes;
        #            sendall() repete send() até ir tudo.
        #            EN: one send() may take only part of the bytes;
        #            sendall() calls send() until all are gone.
        conexao.sendall(dados)


def argumentos():
    p = argparse.ArgumentParser(description="TCP echo server (servidor de eco TCP)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on; 0.0.0.0 for other computers")
    p.add_argument("--port", type=int, default=5000,
                   help="port; 0 lets the kernel choose (printed as 'listening on')")
    return p.parse_args()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        # PT: Ctrl-C: sair sem um traceback. EN: Ctrl-C: leave without a traceback.
        pass
