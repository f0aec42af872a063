"""A stub OpenAI-compatible chat server for the LLM tests, on 127.0.0.1 (the `stub` fixture of conftest.py, or `serving`).

`mode` says how every request is answered: ok (200 with `content`, MODEL_LINE unless set), 500, 400, 429 (any
status given as digits), malformed (not JSON), shape (no choices), empty (an empty answer), slow (answers after
`delay` seconds), hold (answers only once the test sets `release`; `entered` is set when a request arrives, so a
test can act while the "model" is thinking, without sleeping). `script`, when not empty, overrides `mode` for the
next requests, one entry each: `StubLLM.script = ["500", "ok"]` fails once, then answers.
"""

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_LINE = "（模型）嗯，你说说看。"


class StubLLM(BaseHTTPRequestHandler):
    mode = "ok"
    script: list = []
    content: str | None = None
    delay = 1.5
    requests: list = []
    entered = threading.Event()
    release = threading.Event()

    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):  # noqa: N802 - http.server naming
        stub = type(self)
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        stub.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        mode = stub.script.pop(0) if stub.script else stub.mode
        if mode.isdigit():
            self.send_response(int(mode))
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"boom")
            return
        if mode == "slow":
            time.sleep(stub.delay)
        if mode == "hold":
            stub.entered.set()
            stub.release.wait(30)
        if mode == "malformed":
            payload = b"{not json"
        elif mode == "shape":
            payload = json.dumps({"choices": []}).encode()
        else:
            content = "" if mode == "empty" else (stub.content if stub.content is not None else MODEL_LINE)
            payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass


def reset_stub() -> None:
    """The per-test state the `stub` fixture does not know about (script, content, delay)."""
    StubLLM.script = []
    StubLLM.content = None
    StubLLM.delay = 1.5


@contextmanager
def serving(poll_interval: float = 0.05):
    """The stub on a free 127.0.0.1 port, reset, for a `with` block; it stops within `poll_interval` afterwards
    (http.server's default of 0.5 s would cost half a second per test)."""
    StubLLM.requests = []
    StubLLM.mode = "ok"
    StubLLM.entered = threading.Event()
    StubLLM.release = threading.Event()
    reset_stub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubLLM)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        StubLLM.release.set()  # never leave a held request behind
        server.shutdown()
        server.server_close()
        reset_stub()
