"""A local SMTP sink for the benchmarks: accepts every e-mail and writes one line per recipient
(address, Message-ID) to <directory>/sink-<pid>.log; nothing else is kept.

    python sink.py PORT DIRECTORY
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, log) -> None:
        self.log = log
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        message_id = headers.get("Message-ID", "")
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.log.write(f"{rcpt.lower()}\t{message_id}\n")
        return "250 OK"


def main() -> None:
    port, directory = int(sys.argv[1]), Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    log = open(directory / f"sink-{os.getpid()}.log", "a", buffering=1)  # noqa: SIM115 - open while serving
    controller = Controller(Handler(log), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    log.close()


if __name__ == "__main__":
    main()
