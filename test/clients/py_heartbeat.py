"""Connects with a keepalive (ping_interval=1, ping_timeout=1) and waits; prints how it ended.

Usage: py_heartbeat.py URL    (used by the client matrix with Debian's python3-websockets)
"""
import asyncio
import json
import sys

import websockets


async def main() -> None:
    # websockets fails a connection whose keepalive times out by *sending* Close 1011
    # "keepalive ping timeout"; report that frame (ConnectionClosed.sent).
    result = {"code": None, "reason": None, "exception": None}
    try:
        async with websockets.connect(sys.argv[1], ping_interval=1, ping_timeout=1) as ws:
            try:
                await asyncio.wait_for(ws.recv(), timeout=10)
            except websockets.exceptions.ConnectionClosed as closed:
                result["exception"] = type(closed).__name__
                sent = closed.sent
                result["code"] = sent.code if sent else None
                result["reason"] = sent.reason if sent else None
    except Exception as error:  # report whatever else happened
        result["exception"] = type(error).__name__
    print(json.dumps(result))


asyncio.run(main())
