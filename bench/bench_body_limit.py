"""Peak memory of the web process under oversized uploads: the body limit holds it flat.

    .venv/bin/python bench/bench_body_limit.py [--mib 300]

Serves the real app (uvicorn on loopback, in a child process) with the bot's Slack endpoint mounted,
then streams a chunked upload of ``--mib`` MiB to ``/slack/events`` and a form of the same size to
``POST /signin``, each as fast as the socket takes it, until the server answers. Prints the server's
peak RSS (VmHWM) before and after, how many bytes went out before the answer, and the time to it.
Goal: the 413 after about the limit (1 MiB / 64 KiB plus socket buffers) and peak RSS growth under
10 MiB; before the limit the 300 MiB Slack upload was buffered whole (+550 MiB RSS).
"""

from __future__ import annotations

import argparse
import multiprocessing
import select
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def serve(port: int, directory: str) -> None:
    import uvicorn
    from slack_bolt import App
    from slack_sdk import WebClient
    from starlette.applications import Starlette
    from starlette.routing import Route

    from bot.http import starlette_endpoint
    from intake.domain.policy import Policy
    from intake.settings import load_settings
    from intake.store.db import make_engine, session_factory, upgrade
    from intake.web.app import create_app

    url = f"sqlite:///{directory}/bench.db"
    upgrade(url)
    bolt = App(signing_secret="s" * 32, token_verification_enabled=False, client=WebClient(token="xoxb-bench"))
    slack = Starlette(routes=[Route("/events", starlette_endpoint(bolt), methods=["POST"])])
    app = create_app(load_settings(data_dir=directory), factory=session_factory(make_engine(url)),
                     policy=Policy.default(), health_checks={}, slack_app=slack)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", proxy_headers=False)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def upload(port: int, path: str, content_type: str, total: int) -> tuple[str, int, float]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n").encode())
    chunk = b"a=" + b"x" * (256 * 1024 - 2)
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent, started = 0, time.monotonic()
    try:
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break
            sock.sendall(frame)
            sent += len(chunk)
        else:
            sock.sendall(b"0\r\n\r\n")
        sock.settimeout(120)
        status = sock.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
    except (BrokenPipeError, ConnectionResetError) as exc:
        status = f"connection closed ({type(exc).__name__})"
    finally:
        sock.close()
    return status, sent, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=300)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    directory = tempfile.mkdtemp(prefix="bench-body-")
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(port, directory), daemon=True)
    server.start()
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("server did not start") from None
            time.sleep(0.2)
    assert server.pid is not None
    base = peak_rss_mib(server.pid)
    print(f"server peak RSS at start: {base:.1f} MiB")
    for path, ctype in (("/slack/events", "application/json"), ("/signin", "application/x-www-form-urlencoded")):
        status, sent, took = upload(port, path, ctype, args.mib * 1024 * 1024)
        peak = peak_rss_mib(server.pid)
        print(f"{path}: {args.mib} MiB chunked upload -> {status!r} after {sent / 1048576:.1f} MiB sent, "
              f"{took * 1000:.0f} ms; server peak RSS {peak:.1f} MiB (+{peak - base:.1f} MiB)")
    server.terminate()
    server.join(10)


if __name__ == "__main__":
    main()
