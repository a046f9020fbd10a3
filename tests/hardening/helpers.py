"""A TCP relay that cuts a database's connections, for the hardening and serving tests."""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpRelay:
    """A TCP relay in front of PostgreSQL that can be cut and restored, so the app sees its
    database vanish and come back without stopping the server others are using."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.flowing = threading.Event()
        self.flowing.set()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and drop open ones, as a crashed server would."""
        if self.listener is not None:
            with contextlib.suppress(OSError):  # wakes the blocked accept() on Linux
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        self.connections.clear()

    def hold(self) -> None:
        """Keep every connection open but pass no more bytes either way, as a hung server (or
        a proxy that holds the traffic) does; ``release`` lets them through again."""
        self.flowing.clear()

    def release(self) -> None:
        self.flowing.set()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.connections += [client, upstream]
            threading.Thread(target=self._forward, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def _forward(self, source: socket.socket, sink: socket.socket) -> None:
        """What the client sends on its way to the server: a subclass may act on it."""
        self._pipe(source, sink)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)
