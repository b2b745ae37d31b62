"""A small OpenAI-compatible chat server on 127.0.0.1 (the one allowed fake: the LLM is external).

It replies with ``reply`` (streamed in pieces when the client asks for a stream) and records the
requests it received, so tests can check what kb sent.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:
    def __init__(self) -> None:
        self.reply = "No reply configured."
        self.condensed = "Standalone question?"
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                system = body["messages"][0]["content"]
                text = fake.condensed if "standalone question" in system else fake.reply
                if body.get("stream"):
                    self._stream(body, text)
                else:
                    self._send(200, {"id": "x", "object": "chat.completion", "model": body["model"],
                                     "created": 0, "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": text}}]})

            def _send(self, code: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [text[i:i + 7] for i in range(0, len(text), 7)]
                for piece in pieces:
                    chunk = {"id": "x", "object": "chat.completion.chunk", "model": body["model"],
                             "created": 0, "choices": [{"index": 0, "delta": {"content": piece},
                                                        "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                done = {"id": "x", "object": "chat.completion.chunk", "model": body["model"],
                        "created": 0, "choices": [{"index": 0, "delta": {},
                                                   "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
