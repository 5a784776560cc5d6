#!/usr/bin/env python3
"""A webhook receiver for trying chronapilot-mock's deliveries by hand: prints every delivery
and whether its Standard Webhooks signature verifies. Python's standard library only.

    python3 examples/webhook_receiver.py 9000 whsec_…      # the secret from the create answer

Answers 200, or the status given with --status (e.g. 500 to watch retries, 410 to disable).
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import time


def verify(secret, headers, body):
    """Standard Webhooks verification: any v1 signature in the header may match (two appear
    during a secret rotation), and the timestamp must be within 5 minutes."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return "timestamp out of range"
    for signature in headers.get("webhook-signature", "").split():
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return "valid"
    return "INVALID signature"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("secret")
    parser.add_argument("--status", type=int, default=200)
    args = parser.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            event = json.loads(body)
            print(f"{self.headers['webhook-id']} {event['type']} account={event['account']} "
                  f"object={event['data'].get('id')} signature: "
                  f"{verify(args.secret, self.headers, body)}", flush=True)
            self.send_response(args.status)
            self.end_headers()

        def log_message(self, *_):
            pass

    print(f"listening on http://127.0.0.1:{args.port}/hooks", flush=True)
    http.server.HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
