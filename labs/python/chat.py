#!/usr/bin/env python3
# chat.py: um chat entre dois computadores, por TCP ou UDP /
# a chat between two computers, over TCP or UDP.
#
# PT: É o trabalho do curso (o `main.py --ip ...`) feito uma vez, para
#     comparar com o seu. Só a biblioteca padrão.
# EN: The course's assignment (its `main.py --ip ...`) done once, to compare
#     with your own. Standard library only.
#
# PT: Uso / EN: usage:
#   TCP, PT: quem espera / EN: the side that waits:   python3 chat.py
#   TCP, PT: quem chama  / EN: the side that calls:   python3 chat.py --ip 192.168.0.10
#   UDP, PT: cada lado nomeia o outro / EN: each side names the other:
#                                                     python3 chat.py --udp --ip 192.168.0.11
#   PT: dois chats na mesma máquina / EN: two chats on one machine:
#     python3 chat.py --udp --host 127.0.0.1 --port 5001 --ip 127.0.0.1 --peer-port 5002
#     python3 chat.py --udp --host 127.0.0.1 --port 5002 --ip 127.0.0.1 --peer-port 5001
#
# PT: Cada linha digitada vai para o outro lado; Ctrl-D (fim da entrada) sai.
# EN: Each line typed goes to the other side; Ctrl-D (end of input) leaves.

import argparse
import getpass
import queue
import socket
import sys
import threading

TAMANHO_BUFFER = 65535
# PT: Depois do nosso FIN, quanto esperar pelo FIN do outro lado.
# EN: After our FIN, how long to wait for the other side's.
ESPERA_FIN = 5.0


def main():
    args = argumentos()
    if args.udp:
        sock = abrir_udp(args)
    elif args.ip:
        sock = chamar_tcp(args)
    else:
        sock = esperar_tcp(args)
    if sock is None:
        return 1
    return conversar(sock, args)


def esperar_tcp(args):
    """TCP, PT: o lado que espera: socket, bind, listen, accept.
    EN: the side that waits."""
    servidor = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    servidor.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # bind() em 0.0.0.0: PT: aceita conexões por qualquer interface; em
    #     127.0.0.1 só este computador conseguiria conectar.
    # bind() on 0.0.0.0: EN: takes connections on every interface; on
    #     127.0.0.1 only this computer could connect.
    servidor.bind((args.host, args.port))
    # listen(1): PT: um chat tem um só interlocutor. EN: a chat has one peer.
    servidor.listen(1)
    host, porta = servidor.getsockname()
    print(f"listening on {host}:{porta}, waiting for the other side", flush=True)
    # accept(): PT: espera o outro lado conectar. EN: waits for the peer.
    conexao, outro = servidor.accept()
    # close(): PT: o socket que escuta não é mais necessário.
    #          EN: the listening socket is no longer needed.
    servidor.close()
    print(f"connected to {outro[0]}:{outro[1]}", flush=True)
    return conexao


def chamar_tcp(args):
    """TCP, PT: o lado que chama: socket, connect. EN: the side that calls."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.connect((args.ip, args.port))
    except ConnectionRefusedError:
        print(f"connect: refused: nothing listens on {args.ip}:{args.port} "
              "(start the other side first)", file=sys.stderr)
        return None
    except OSError as e:
        print(f"connect: {e.strerror} ({args.ip}:{args.port})", file=sys.stderr)
        return None
    print(f"connected to {args.ip}:{args.port}", flush=True)
    return sock


def abrir_udp(args):
    """UDP, PT: os dois lados iguais: socket, bind; depois sendto/recvfrom.
    EN: both sides alike: socket, bind; then sendto/recvfrom."""
    if not args.ip:
        print("UDP needs --ip: each side names the other", file=sys.stderr)
        return None
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.host, args.port))
    host, porta = sock.getsockname()
    print(f"listening on {host}:{porta} (UDP), talking to {args.ip}:{args.peer_port or args.port}",
          flush=True)
    return sock


def conversar(sock, args):
    """PT: Duas coisas ao mesmo tempo: ler o teclado e ler o socket. Cada uma
    numa thread; a thread principal envia e decide quando sair.
    EN: Two things at once: reading the keyboard and reading the socket.
    One thread each; the main thread sends and decides when to leave."""
    eventos = queue.Queue()
    destino = (args.ip, args.peer_port or args.port)
    receber = receber_udp if args.udp else receber_tcp
    threading.Thread(target=receber, args=(sock, eventos), daemon=True).start()
    threading.Thread(target=ler_teclado, args=(eventos,), daemon=True).start()
    nome = args.name or getpass.getuser()
    while True:
        evento, valor = eventos.get()
        if evento == "linha":
            mensagem = f"{nome}: {valor}"
            try:
                if args.udp:
                    # sendto(): PT: um datagrama por mensagem.
                    #           EN: one datagram per message.
                    sock.sendto(mensagem.encode(), destino)
                else:
                    # sendall(): PT: uma linha no fluxo de bytes.
                    #            EN: one line in the byte stream.
                    sock.sendall((mensagem + "\n").encode())
            except OSError as e:
                print(f"send: {e.strerror}", file=sys.stderr)
                if not args.udp:
                    break
        elif evento == "fim":
            # PT: Ctrl-D: nós saímos. EN: Ctrl-D: we leave.
            if not args.udp:
                # shutdown(SHUT_WR): PT: envia o nosso FIN, mas continua
                #     recebendo até o FIN do outro lado.
                #     EN: sends our FIN but keeps receiving until the other
                #     side's FIN.
                sock.shutdown(socket.SHUT_WR)
                try:
                    valor = eventos.get(timeout=ESPERA_FIN)
                except queue.Empty:
                    pass
            else:
                print("(UDP: the other side is not told that we left)", flush=True)
            break
        elif evento == "saiu":
            print("the other side left", flush=True)
            break
        elif evento == "erro":
            print(f"recv: {valor}", file=sys.stderr)
            break
    # close(): PT: no TCP, o nosso FIN (se ainda não foi); no UDP, nada na rede.
    #          EN: on TCP, our FIN (if not sent yet); on UDP, nothing on the wire.
    sock.close()
    return 0


def receber_tcp(sock, eventos):
    """PT: recv() até o outro lado fechar; corta o fluxo em linhas.
    EN: recv() until the other side closes; cut the stream into lines."""
    pendente = b""
    while True:
        try:
            dados = sock.recv(TAMANHO_BUFFER)
        except OSError as e:
            eventos.put(("erro", e.strerror))
            return
        if not dados:
            # PT: 0 bytes: chegou o FIN do outro lado. EN: 0 bytes: its FIN.
            eventos.put(("saiu", None))
            return
        pendente += dados
        while b"\n" in pendente:
            linha, pendente = pendente.split(b"\n", 1)
            mostrar(linha)


def receber_udp(sock, eventos):
    """PT: recvfrom(): um datagrama, uma mensagem. EN: one datagram, one message."""
    while True:
        try:
            dados, origem = sock.recvfrom(TAMANHO_BUFFER)
        except ConnectionRefusedError:
            # PT: O ICMP "port unreachable" de um envio anterior: ninguém
            #     escuta do outro lado (ainda).
            # EN: The ICMP "port unreachable" of an earlier send: nobody
            #     listens on the other side (yet).
            print("(nobody listens on the other side yet)", flush=True)
            continue
        except OSError as e:
            eventos.put(("erro", e.strerror))
            return
        mostrar(dados)


def mostrar(dados):
    # PT: O que chega é de outra pessoa: sem caracteres de controle na tela.
    # EN: What arrives is someone else's: no control characters on screen.
    texto = "".join(c if c.isprintable() else "?" for c in dados.decode(errors="replace"))
    print(f"> {texto}", flush=True)


def ler_teclado(eventos):
    for linha in sys.stdin:
        eventos.put(("linha", linha.rstrip("\n")))
    eventos.put(("fim", None))


def argumentos():
    p = argparse.ArgumentParser(description="chat between two computers over TCP or UDP")
    p.add_argument("--ip", help="the other computer: TCP connects to it; UDP sends to it")
    p.add_argument("--udp", action="store_true", help="use UDP (default: TCP)")
    p.add_argument("--host", default="0.0.0.0",
                   help="our own address to listen on / bind (default: every address)")
    p.add_argument("--port", type=int, default=5000,
                   help="the port: listened on or connected to (TCP), bound (UDP)")
    p.add_argument("--peer-port", type=int, help="UDP: the other side's port, if not --port")
    p.add_argument("--name", help="your name, sent with each message (default: your user)")
    return p.parse_args()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
