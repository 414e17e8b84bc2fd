"""A small fake of the Kaggle API on loopback, for running the real `kaggle` client in tests.

The client sends every call to http://localhost:7777 when KAGGLE_API_ENVIRONMENT=TEST: RPCs are
`POST /api/v1/<service>/<method>` with a JSON body (kagglesdk.kaggle_http_client), and a submission's bytes
go by `PUT` to the `createUrl` that StartSubmissionUpload returned. The fake records every request and can
answer any RPC with an error. The port is fixed, so a file lock makes fixtures in concurrent test processes
take turns.
"""
import contextlib
import fcntl
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 7777
LOCK_FILE = "/tmp/miga-fake-kaggle-7777.lock"
SERVICE = "/api/v1/competitions.CompetitionApiService/"
ECHO = "<request headers>"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class FakeKaggle:
    requests: list = field(default_factory=list)
    uploads: dict = field(default_factory=dict)  # token -> bytes
    failures: dict = field(default_factory=dict)  # RPC name -> (HTTP status, message)
    submissions: list = field(default_factory=list)  # what ListSubmissions returns (ApiSubmission dicts)

    def rpc(self, name):
        return [r.json() for r in self.requests if r.method == "POST" and r.path == SERVICE + name]

    def answer(self, handler, method, path, body):
        self.requests.append(Recorded(method, path, dict(handler.headers), body))
        if method == "PUT" and path.startswith("/upload/"):
            self.uploads[path.rsplit("/", 1)[1]] = body
            return 200, {}
        if method != "POST" or not path.startswith(SERVICE):
            return 404, {"code": 404, "message": f"no route {method} {path}"}
        name = path[len(SERVICE):]
        if name in self.failures:
            status, message = self.failures[name]
            # a careless server echoes what it got: ECHO in a failure's message stands for the request headers
            message = message.replace(ECHO, json.dumps(dict(handler.headers)))
            return status, {"code": status, "message": message}
        request = json.loads(body or b"{}")
        if name == "StartSubmissionUpload":
            token = f"blob-token-{len(self.uploads) + 1}"
            return 200, {"token": token, "createUrl": f"http://localhost:{PORT}/upload/{token}"}
        if name == "CreateSubmission":
            return 200, {"message": "Successfully submitted to " + request.get("competitionName", "?"), "ref": 4242}
        if name == "ListSubmissions":
            return 200, {"submissions": self.submissions}
        return 404, {"code": 404, "message": f"the fake has no RPC {name}"}


def _handler_for(fake):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = fake.answer(self, self.command, self.path, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_PUT = do_GET = _serve

        def log_message(self, *args):
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True


@contextlib.contextmanager
def port_lock():
    """Held while a test uses port 7777 (the fake, or the absence of any service for network failures)."""
    with open(LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def running_fake_kaggle(timeout=30.0):
    """Serve a FakeKaggle on localhost:7777 (IPv4) until the block ends."""
    fake = FakeKaggle()
    deadline = time.monotonic() + timeout
    while True:
        try:
            server = _Server(("127.0.0.1", PORT), _handler_for(fake))
            break
        except OSError:  # a previous server's socket still closing, or a foreign process on the port
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def port_is_free():
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", PORT)) != 0
