"""A stub OpenAI-compatible chat server for the LLM customer tests (started on 127.0.0.1 by the `stub` fixture).

Modes: ok, 500, malformed, shape (no choices), slow (1.5 s), hold (answers only once the test sets `release`;
`entered` is set when a request arrives, so a test can act while the "model" is thinking, without sleeping).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler

MODEL_LINE = "（模型）嗯，你说说看。"


class StubLLM(BaseHTTPRequestHandler):
    mode = "ok"
    requests: list = []
    entered = threading.Event()
    release = threading.Event()

    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):  # noqa: N802 - http.server naming
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if self.mode == "500":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"boom")
            return
        if self.mode == "slow":
            time.sleep(1.5)
        if self.mode == "hold":
            type(self).entered.set()
            type(self).release.wait(30)
        if self.mode == "malformed":
            payload = b"{not json"
        elif self.mode == "shape":
            payload = json.dumps({"choices": []}).encode()
        else:
            payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": MODEL_LINE}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
