"""A load generator for the workshop server: thousands of simulated phones in one asyncio process.

Each phone speaks Engine.IO 4 / Socket.IO 5 over a raw websocket (the ``websockets`` package)
instead of a full python-socketio client, so one generator core can drive thousands of them. The
protocol it speaks is the app's documented one (docs/protocol.md): ``join``, ``vote``, ``state``,
and for the facilitator ``host``, ``open``, ``reveal`` and ``tally``.
"""

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


class SocketIOError(Exception):
    pass


@dataclass
class Client:
    """One Socket.IO connection: events by name, acks by id, pings answered."""

    url: str
    handlers: dict = field(default_factory=dict)
    websocket: object = None
    _acks: dict = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=itertools.count)
    _reader: asyncio.Task | None = None
    _connected: asyncio.Future | None = None

    async def connect(self, timeout: float = 30.0) -> None:
        target = self.url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/")
        self.websocket = await asyncio.wait_for(
            connect(
                f"{target}/socket.io/?EIO=4&transport=websocket",
                compression=None,
                max_size=16 * 1024 * 1024,
                open_timeout=timeout,
                ping_interval=None,
            ),
            timeout,
        )
        opening = await asyncio.wait_for(self.websocket.recv(), timeout)
        if not opening.startswith("0"):
            raise SocketIOError(f"unexpected Engine.IO open packet {opening[:40]!r}")
        self._connected = asyncio.get_running_loop().create_future()
        await self.websocket.send("40")
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self._connected, timeout)

    async def _read(self) -> None:
        try:
            async for message in self.websocket:
                received = time.perf_counter()
                if message == "2":  # Engine.IO ping: answer or be dropped
                    await self.websocket.send("3")
                elif message.startswith("40"):
                    if not self._connected.done():
                        self._connected.set_result(True)
                elif message.startswith("43"):
                    digits = "".join(itertools.takewhile(str.isdigit, message[2:]))
                    future = self._acks.pop(int(digits), None)
                    if future and not future.done():
                        future.set_result((json.loads(message[2 + len(digits) :])[0], received))
                elif message.startswith("42"):
                    event, *args = json.loads(message[2:])
                    handler = self.handlers.get(event)
                    if handler:
                        handler(args[0] if args else None, received)
                elif message.startswith("44") and not self._connected.done():
                    self._connected.set_exception(SocketIOError(message))
        except ConnectionClosed:
            pass
        finally:
            for future in self._acks.values():
                if not future.done():
                    future.set_exception(SocketIOError("connection closed"))

    async def call(self, event: str, payload, timeout: float = 30.0):
        """Emit with an ack; returns (ack, perf_counter when it arrived)."""
        ack_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        await self.websocket.send(f"42{ack_id}" + json.dumps([event, payload], separators=(",", ":")))
        return await asyncio.wait_for(future, timeout)

    def on(self, event: str, handler) -> None:
        self.handlers[event] = handler

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self.websocket:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.websocket.close(), 2)
