"""HTTP(S) connections pinned to one checked address, every socket step bounded by a deadline.

The connection goes to the address the caller checked (see address_guard.py)
while the Host header and TLS SNI still carry the hostname, so a DNS answer that
changes between the check and the connect cannot steer the fetch elsewhere.
Every connect, send and read gets its own timeout, cut to what is left of the
fetch's total budget: a server that drips one byte at a time cannot hold a run.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from io import BufferedReader, RawIOBase
from typing import Any

from warta.ingest.fetch_clock import Deadline


class _DeadlineReader(RawIOBase):
    """Raw reader for http.client's response: re-arms the socket timeout before every read.

    http.client reads the status line, headers and body through one buffered
    file; without this, a per-operation timeout alone would let a slow server
    stretch a fetch to (number of reads) x (read timeout).
    """

    def __init__(self, sock: socket.socket, deadline: Deadline, read_timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline
        self._read_timeout = read_timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.timeout(self._read_timeout))
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """The socket as http.client sees it: every send and read is bounded by the deadline."""

    def __init__(self, sock: socket.socket, deadline: Deadline, read_timeout: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._read_timeout = read_timeout

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.timeout(self._read_timeout))
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> BufferedReader:
        return BufferedReader(_DeadlineReader(self._sock, self._deadline, self._read_timeout))

    def close(self) -> None:
        # http.client closes its socket as soon as a response says "Connection:
        # close", while the body is still to be read through makefile(); a real
        # socket survives that by counting its files, this wrapper by leaving
        # the closing to PinnedConnection.release().
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class PinnedConnection(http.client.HTTPConnection):
    """Plain HTTP to one checked address; `host` only names the site in the Host header."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        address: str,
        deadline: Deadline,
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        super().__init__(host, port)
        self._address = address
        self._deadline = deadline
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._opened: list[socket.socket] = []

    def _open(self) -> socket.socket:
        timeout = self._deadline.timeout(self._connect_timeout)
        sock = socket.create_connection((self._address, self.port), timeout=timeout)
        self._opened.append(sock)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def release(self) -> None:
        """Close the connection for good, sockets included (see _DeadlineSocket.close)."""
        self.close()
        while self._opened:
            self._opened.pop().close()

    def _bound(self, sock: socket.socket) -> Any:
        return _DeadlineSocket(sock, self._deadline, self._read_timeout)

    def connect(self) -> None:
        self.sock = self._bound(self._open())


class PinnedTLSConnection(PinnedConnection):
    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int, *, context: ssl.SSLContext, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self._context = context

    def connect(self) -> None:
        sock = self._open()
        try:
            # The handshake is part of connecting, so it gets the connect timeout.
            sock.settimeout(self._deadline.timeout(self._connect_timeout))
            tls = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            self.release()
            raise
        self._opened.append(tls)
        self.sock = self._bound(tls)
