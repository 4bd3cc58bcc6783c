"""A real SMTP server for bench/failover.py, run as its own process: aiosmtpd on 127.0.0.1:PORT that writes
each message it receives into FOLDER (one file per message, named by a counter; the Message-ID is read back
from the file), and answers `250` only ACCEPT_DELAY seconds later. While a message waits for its answer, the
file FOLDER/waiting/<client port> exists: the bench uses it to kill an outbox worker exactly between "the server
has the message" and "the worker heard it was accepted" (the window that can make a message leave twice).

    python bench/_smtp_sink.py FOLDER PORT [ACCEPT_DELAY]
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class SinkHandler:
    def __init__(self, folder: Path, accept_delay: float):
        self.folder = folder
        self.waiting = folder / "waiting"
        self.waiting.mkdir(parents=True, exist_ok=True)
        self.accept_delay = accept_delay
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            number = next(self.counter)
        # Written whole under a temporary name, then renamed: a reader never sees half a message.
        tmp = self.folder / f".{number}.part"
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, self.folder / f"{number:06d}.eml")
        marker = self.waiting / str(session.peer[1])
        marker.touch()
        try:
            await asyncio.sleep(self.accept_delay)
        finally:
            marker.unlink(missing_ok=True)
        return "250 2.0.0 Message accepted for delivery"


def main() -> int:
    folder, port = Path(sys.argv[1]), int(sys.argv[2])
    accept_delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(SinkHandler(folder, accept_delay), hostname="127.0.0.1", port=port)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    (folder / "ready").touch()
    stopped.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
