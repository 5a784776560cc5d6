#!/usr/bin/env python3
"""Prints N fresh refresh tokens, one per line, each from its own grant (its own token family),
by running the PKCE flow against a mock started with --auto-consent.
Usage: grants.py BASE_URL N
"""
import base64
import hashlib
import http.client
import json
import secrets
import sys
import urllib.parse

CLIENT = "cli_4eC39HqLyjWDarjtT1zdp7dc"
REDIRECT = "https://your-app.com/oauth/callback"


def grant(host, port):
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "client_id": CLIENT, "redirect_uri": REDIRECT, "response_type": "code",
        "scope": "events:read events:write calendars:read webhooks:manage",
        "state": "bench", "code_challenge": challenge, "code_challenge_method": "S256"})
    conn = http.client.HTTPConnection(host, port)
    conn.request("GET", "/oauth/authorize?" + query)
    res = conn.getresponse()
    res.read()
    location = res.getheader("Location")
    code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
    body = urllib.parse.urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "code_verifier": verifier, "client_id": CLIENT})
    conn.request("POST", "/oauth/token", body,
                 {"Content-Type": "application/x-www-form-urlencoded"})
    res = conn.getresponse()
    return json.loads(res.read())["refresh_token"]


def main():
    url = urllib.parse.urlparse(sys.argv[1])
    for _ in range(int(sys.argv[2])):
        print(grant(url.hostname, url.port))


if __name__ == "__main__":
    main()
