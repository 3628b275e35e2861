"""Opens one WebSocket with Python websockets and prints what happened as one JSON line.

Usage: py_client.py URL [--subprotocol NAME] [--open-timeout SECONDS] [--cafile PEM]
Used by the client matrix (npm run test:clients) with Debian's python3-websockets.
"""
import argparse
import asyncio
import json
import ssl
import time

import websockets


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--subprotocol", action="append")
    parser.add_argument("--open-timeout", type=float, default=10)
    parser.add_argument("--cafile", help="trust this CA for wss:// (an ssl context with cafile)")
    args = parser.parse_args()
    options = {"ssl": ssl.create_default_context(cafile=args.cafile)} if args.cafile else {}
    started = time.monotonic()
    result = {"opened": False, "exception": None, "status": None, "message": None, "version": websockets.__version__}
    try:
        async with websockets.connect(args.url, subprotocols=args.subprotocol, open_timeout=args.open_timeout, **options) as ws:
            result["opened"] = True
            result["openedAfterMs"] = round((time.monotonic() - started) * 1000)
            await ws.send("hello")
            result["echo"] = await ws.recv()
    except Exception as error:  # the point is to report whatever the client raises
        result["exception"] = type(error).__name__
        result["message"] = str(error)
        status = getattr(error, "status_code", None)
        if status is None and getattr(error, "response", None) is not None:
            status = getattr(error.response, "status_code", None)
        result["status"] = status
    print(json.dumps(result))


asyncio.run(main())
