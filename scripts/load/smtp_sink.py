"""A mail server for `make load` that accepts every message and keeps none: the booking
confirmations, opt-in and offer emails the journeys trigger are really sent by Odoo's mail
queue (its cron, on either server), on this machine only.

    python scripts/load/smtp_sink.py 127.0.0.1 8309 count-file

Speaks just enough SMTP for Python's smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT);
writes the number of messages received to `count-file` after each one.
"""

import asyncio
import sys
from pathlib import Path


class Sink:
    def __init__(self, count_path):
        self.count_path = count_path
        self.count = 0

    async def handle(self, reader, writer):
        writer.write(b"220 load-sink ESMTP\r\n")
        await writer.drain()
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250-load-sink\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                writer.write(b"354 end with <CRLF>.<CRLF>\r\n")
                await writer.drain()
                while await reader.readline() not in (b".\r\n", b".\n", b""):
                    pass
                self.count += 1
                self.count_path.write_text(str(self.count))
                writer.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


async def main(host, port, count_path):
    sink = Sink(Path(count_path))
    server = await asyncio.start_server(sink.handle, host, int(port))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
