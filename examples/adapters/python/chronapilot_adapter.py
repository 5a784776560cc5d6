#!/usr/bin/env python3
"""A ChronaPilot Connect client in Python, speaking the conformance harness's adapter protocol.

    chronapilot-conformance --client "python3 examples/adapters/python/chronapilot_adapter.py"

Two parts, kept apart on purpose (see README.md beside this file):

* ``ChronaPilotClient`` — a small SDK: OAuth 2.0 authorization code + PKCE (S256) with state and
  RFC 9207 ``iss`` checks, token refresh (rotation) and revocation, the /v1 calendar and webhook
  endpoint API (OAuth tokens or platform key + ``Chronapilot-Account``), automatic refresh on an
  expired token, retries on 429/503 and dropped connections, and Standard Webhooks verification.
* ``Adapter`` + ``main()`` — the JSON Lines loop (SPEC.md HARN-2/HARN-3): one request object per
  stdin line, exactly one answer line per request on stdout, diagnostics on stderr.

Python 3.11 standard library only. Secrets and tokens are never written to stderr.
"""

import base64
import hashlib
import hmac
import http.client
import json
import re
import secrets
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ADAPTER_NAME = "chronapilot-python-adapter"
ADAPTER_VERSION = "0.1.0"
USER_AGENT = f"{ADAPTER_NAME}/{ADAPTER_VERSION} (Python {sys.version_info.major}.{sys.version_info.minor})"

MAX_RETRIES = 3            # retries after the first attempt, for 429/503 and dropped connections
RETRY_AFTER_CAP = 10.0     # seconds
HTTP_TIMEOUT = 30.0        # seconds, per attempt
WEBHOOK_TOLERANCE = 300    # seconds either side of now (Standard Webhooks)

# RFC 6750 §3: the challenge of an expired, revoked or unknown access token.
_INVALID_TOKEN = re.compile(r'\berror\s*=\s*"?invalid_token"?', re.IGNORECASE)

# The scope each API operation needs (SPEC AUTH-4); used to refuse locally, without a request.
OP_SCOPES = {
    "list_events": "events:read",
    "get_event": "events:read",
    "create_event": "events:write",
    "update_event": "events:write",
    "delete_event": "events:write",
    "list_calendars": "calendars:read",
    "list_provider_connections": "calendars:read",
    "create_webhook_endpoint": "webhooks:manage",
    "delete_webhook_endpoint": "webhooks:manage",
}


def log(message):
    """Diagnostics go to stderr only (the harness keeps them in its report). Never pass secrets."""
    print(f"[{ADAPTER_NAME}] {message}", file=sys.stderr, flush=True)


class ChronaPilotError(Exception):
    """An error the SDK reports: an API error (code = error.code), an OAuth error (code = error),
    a network failure (network_error) or a local refusal (state_mismatch, iss_mismatch,
    no_tokens, insufficient_scope, invalid_signature, timestamp_out_of_range)."""

    def __init__(self, code, message="", status=None):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.status = status

    def to_json(self):
        error = {"code": self.code, "message": self.message}
        if self.status is not None:
            error["status"] = self.status
        return error


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are never followed: a 3xx comes back as an HTTPError like any other status."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage: case-insensitive .get()
        self.body = body

    def json(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _form_urlencode(value):
    """application/x-www-form-urlencoded encoding of one value (RFC 6749 §2.3.1, Appendix B)."""
    return urllib.parse.quote_plus(value, safe="")


def _retry_after_seconds(headers):
    value = headers.get("Retry-After") if headers is not None else None
    if value is None:
        return None
    try:
        seconds = int(value.strip())
    except ValueError:
        return None  # an HTTP-date: fall back to the default backoff
    return min(max(seconds, 0), RETRY_AFTER_CAP)


class ChronaPilotClient:
    """A minimal ChronaPilot Connect SDK."""

    def __init__(self, base_url, client_id, redirect_uri, client_secret=None, platform_key=None):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret or None
        self.redirect_uri = redirect_uri
        self.platform_key = platform_key or None
        self._metadata = None
        self._pending = None        # {"state", "verifier", "scopes"} of the authorization under way
        self._tokens = {}           # connected_account_id -> {"access_token", "refresh_token", "scope"}
        self._last_account = None
        self._opener = urllib.request.build_opener(_NoRedirect())

    # ----------------------------------------------------------------------------------- HTTP

    def _send_once(self, method, url, headers, body):
        request = urllib.request.Request(url, data=body, method=method)
        for name, value in headers.items():
            request.add_header(name, value)
        try:
            with self._opener.open(request, timeout=HTTP_TIMEOUT) as response:
                return _Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:  # any non-2xx, 3xx included (not followed)
            try:
                payload = error.read()
            except (OSError, http.client.HTTPException):
                payload = b""
            finally:
                error.close()
            return _Response(error.code, error.headers, payload)

    def _request(self, method, url, headers=None, body=None):
        """One logical request: retried (same headers, so the same Idempotency-Key) on 429, 503
        and dropped connections, up to MAX_RETRIES times, honouring Retry-After."""
        headers = dict(headers or {})
        headers.setdefault("User-Agent", USER_AGENT)
        headers.setdefault("Accept", "application/json")
        path = urllib.parse.urlsplit(url).path
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._send_once(method, url, headers, body)
            except (ConnectionError, http.client.RemoteDisconnected, http.client.IncompleteRead,
                    http.client.BadStatusLine, urllib.error.URLError, socket.timeout, OSError) as error:
                reason = getattr(error, "reason", error)
                if isinstance(reason, (socket.timeout, TimeoutError)):
                    # A timed-out request may have been processed; do not send it again.
                    raise ChronaPilotError("network_error", f"{method} {path}: timed out") from None
                if attempt > MAX_RETRIES:
                    raise ChronaPilotError(
                        "network_error",
                        f"{method} {path}: {type(reason).__name__}: {reason} (after {attempt} attempts)",
                    ) from None
                delay = 0.1 * attempt
                log(f"{method} {path}: connection failed ({type(reason).__name__}); retry {attempt} in {delay:.1f}s")
                time.sleep(delay)
                continue
            if response.status in (429, 503) and attempt <= MAX_RETRIES:
                delay = _retry_after_seconds(response.headers)
                if delay is None:
                    delay = 0.1 * attempt
                log(f"{method} {path}: HTTP {response.status}; retry {attempt} in {delay:.1f}s")
                time.sleep(delay)
                continue
            return response

    @staticmethod
    def _error_from(response):
        """Turns a non-2xx answer into a ChronaPilotError: /v1 errors carry {"error": {code,
        message}}, OAuth errors {"error": "...", "error_description": "..."}."""
        body = response.json()
        status = response.status
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                return ChronaPilotError(str(error.get("code") or error.get("type") or "api_error"),
                                        str(error.get("message") or ""), status)
            if isinstance(error, str):
                return ChronaPilotError(error, str(body.get("error_description") or ""), status)
        if 300 <= status < 400:
            return ChronaPilotError("unexpected_redirect", f"HTTP {status} (redirects are not followed)", status)
        return ChronaPilotError("http_error", f"HTTP {status}", status)

    # ---------------------------------------------------------------------- OAuth metadata

    def metadata(self):
        """RFC 8414 metadata, fetched on first need."""
        if self._metadata is None:
            response = self._request("GET", self.base_url + "/.well-known/oauth-authorization-server")
            if response.status != 200:
                raise self._error_from(response)
            body = response.json()
            if not isinstance(body, dict) or not body.get("issuer"):
                raise ChronaPilotError("invalid_metadata", "the authorization server metadata has no issuer")
            body.setdefault("authorization_endpoint", self.base_url + "/oauth/authorize")
            body.setdefault("token_endpoint", self.base_url + "/oauth/token")
            body.setdefault("revocation_endpoint", self.base_url + "/oauth/revoke")
            self._metadata = body
        return self._metadata

    # ------------------------------------------------------------------------------- OAuth

    def authorization_url(self, scopes, login_hint=None):
        """The URL to send the user to, with a fresh state and PKCE (S256) pair."""
        state = secrets.token_urlsafe(32)
        verifier = _b64url(secrets.token_bytes(32))          # 43 chars of [A-Za-z0-9-_]
        challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
        params = [
            ("client_id", self.client_id),
            ("redirect_uri", self.redirect_uri),
            ("response_type", "code"),
            ("scope", " ".join(scopes)),
            ("state", state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ]
        if login_hint:
            params.append(("login_hint", login_hint))
        endpoint = self.metadata()["authorization_endpoint"]
        separator = "&" if urllib.parse.urlsplit(endpoint).query else "?"
        self._pending = {"state": state, "verifier": verifier, "scopes": list(scopes)}
        return endpoint + separator + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)

    def complete_authorization(self, callback_url):
        """Checks the callback (state, then iss, then an error), then exchanges the code."""
        pending, self._pending = self._pending, None   # single use, whatever the outcome
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(callback_url).query, keep_blank_values=True)

        def one(name):
            values = query.get(name)
            return values[0] if values and len(values) == 1 else None

        state = one("state")
        if pending is None or state is None or not hmac.compare_digest(
                state.encode("utf-8"), pending["state"].encode("utf-8")):
            raise ChronaPilotError("state_mismatch",
                                   "the callback's state does not match the authorization request")
        issuer = self.metadata()["issuer"]
        iss = one("iss")
        if iss is None or iss != issuer:
            raise ChronaPilotError("iss_mismatch",
                                   "the callback's iss is missing or is not the expected issuer")
        if "error" in query:
            raise ChronaPilotError(one("error") or "invalid_request", one("error_description") or "")
        code = one("code")
        if not code:
            raise ChronaPilotError("invalid_request", "the callback carries no code")
        tokens = self._token_request({
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": pending["verifier"],
        })
        account = tokens.get("connected_account_id")
        if not account:
            raise ChronaPilotError("invalid_token_response", "the token response has no connected_account_id")
        self._store_tokens(account, tokens, pending["scopes"])
        self._last_account = account
        return tokens

    def refresh(self, account=None):
        account, held = self._held(account)
        tokens = self._token_request({"grant_type": "refresh_token", "refresh_token": held["refresh_token"]})
        self._store_tokens(account, tokens, held["scope"].split(), previous=held)
        return tokens

    def revoke(self, account=None):
        account, held = self._held(account)
        response = self._request(
            "POST", self.metadata()["revocation_endpoint"],
            *self._client_auth({"token": held["refresh_token"], "token_type_hint": "refresh_token"}))
        if not 200 <= response.status < 300:
            raise self._error_from(response)
        self._tokens.pop(account, None)
        return {"revoked": True}

    def _client_auth(self, form):
        """Headers and body of a token/revocation request: HTTP Basic for a confidential client
        (id and secret form-urlencoded first, RFC 6749 §2.3.1), client_id in the body for a public
        one. Never both, never in the URL."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        form = dict(form)
        if self.client_secret:
            userpass = f"{_form_urlencode(self.client_id)}:{_form_urlencode(self.client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(userpass.encode("utf-8")).decode("ascii")
        else:
            form["client_id"] = self.client_id
        return headers, urllib.parse.urlencode(form).encode("ascii")

    def _token_request(self, form):
        response = self._request("POST", self.metadata()["token_endpoint"], *self._client_auth(form))
        body = response.json()
        if response.status != 200 or not isinstance(body, dict) or "access_token" not in body:
            if response.status == 200:
                raise ChronaPilotError("invalid_token_response", "the token response is not a token set", 200)
            raise self._error_from(response)
        return body

    def _store_tokens(self, account, tokens, requested_scopes, previous=None):
        previous = previous or {}
        scope = tokens.get("scope")
        if scope is None:  # RFC 6749 §5.1: omitted scope = the requested one
            scope = previous.get("scope", " ".join(requested_scopes))
        self._tokens[account] = {
            "access_token": tokens["access_token"],
            "refresh_token": tokens.get("refresh_token") or previous.get("refresh_token"),
            "scope": scope,
        }

    def _held(self, account):
        account = account or self._last_account
        held = self._tokens.get(account) if account else None
        if held is None:
            raise ChronaPilotError("no_tokens", f"no tokens are held for {account or 'any account'}")
        return account, held

    # --------------------------------------------------------------------------------- API

    def _api(self, method, path, auth=None, scope=None, query=None, json_body=None, idempotency_key=None):
        """One API call. auth: {"mode": "oauth", "account"?} (default) or {"mode": "platform",
        "account"?}. In oauth mode a missing scope is refused locally, and a 401 invalid_token
        triggers one refresh and one retry."""
        auth = auth or {}
        mode = auth.get("mode") or "oauth"
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode([(k, v) for k, v in query if v is not None])
        headers = {}
        body = None
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(json_body, separators=(",", ":")).encode("utf-8")
        if method == "POST":
            # One key per logical call, reused by every retry (429/503/dropped, or after a refresh).
            headers["Idempotency-Key"] = idempotency_key or secrets.token_hex(16)

        if mode == "platform":
            if not self.platform_key:
                raise ChronaPilotError("no_platform_key", "no platform key is configured")
            headers["Authorization"] = f"Bearer {self.platform_key}"
            if auth.get("account"):
                headers["Chronapilot-Account"] = auth["account"]
            response = self._request(method, url, headers, body)
        elif mode == "oauth":
            account, held = self._held(auth.get("account"))
            if scope and scope not in held["scope"].split():
                raise ChronaPilotError("insufficient_scope",
                                       f"the tokens held for {account} were not granted {scope}")
            headers["Authorization"] = f"Bearer {held['access_token']}"
            response = self._request(method, url, headers, body)
            challenge = response.headers.get("WWW-Authenticate", "") if response.headers else ""
            if response.status == 401 and _INVALID_TOKEN.search(challenge):
                log(f"{method} {path}: access token rejected (invalid_token); refreshing once")
                self.refresh(account)
                headers["Authorization"] = f"Bearer {self._tokens[account]['access_token']}"
                response = self._request(method, url, headers, body)
        else:
            raise ChronaPilotError("invalid_auth", f"unknown auth mode {mode!r}")

        if not 200 <= response.status < 300:
            raise self._error_from(response)
        result = response.json()
        if result is None and response.body:
            raise ChronaPilotError("invalid_response", "the API answered something that is not JSON", response.status)
        return result if result is not None else {}

    def _list(self, path, auth, scope, params, limit=None, all_pages=False):
        params = list(params)
        if limit is not None:
            params.append(("limit", str(limit)))
        data = []
        starting_after = None
        while True:
            query = params + ([("starting_after", starting_after)] if starting_after else [])
            page = self._api("GET", path, auth, scope, query=query)
            items = page.get("data") or []
            data.extend(items)
            has_more = bool(page.get("has_more"))
            if not all_pages or not has_more or not items:
                return {"data": data, "has_more": has_more if not all_pages else False}
            starting_after = items[-1]["id"]

    def list_events(self, auth=None, calendar_id=None, limit=None, all_pages=False):
        return self._list("/v1/events", auth, "events:read", [("calendar_id", calendar_id)], limit, all_pages)

    def create_event(self, event, auth=None, idempotency_key=None):
        return self._api("POST", "/v1/events", auth, "events:write", json_body=event,
                         idempotency_key=idempotency_key)

    def get_event(self, id, auth=None):
        return self._api("GET", "/v1/events/" + _path_segment(id), auth, "events:read")

    def update_event(self, id, patch, auth=None):
        return self._api("PATCH", "/v1/events/" + _path_segment(id), auth, "events:write", json_body=patch)

    def delete_event(self, id, auth=None):
        return self._api("DELETE", "/v1/events/" + _path_segment(id), auth, "events:write")

    def list_calendars(self, auth=None, limit=None, all_pages=False):
        return self._list("/v1/calendars", auth, "calendars:read", [], limit, all_pages)

    def list_provider_connections(self, auth=None, limit=None, all_pages=False):
        return self._list("/v1/provider_connections", auth, "calendars:read", [], limit, all_pages)

    def create_webhook_endpoint(self, url, enabled_events, auth=None, connect=None, description=None,
                                idempotency_key=None):
        body = {"url": url, "enabled_events": enabled_events}
        if connect is not None:
            body["connect"] = connect
        if description is not None:
            body["description"] = description
        return self._api("POST", "/v1/webhook_endpoints", auth, "webhooks:manage", json_body=body,
                         idempotency_key=idempotency_key)

    def delete_webhook_endpoint(self, id, auth=None):
        return self._api("DELETE", "/v1/webhook_endpoints/" + _path_segment(id), auth, "webhooks:manage")

    # ---------------------------------------------------------------------------- Webhooks

    @staticmethod
    def verify_webhook(secret, headers, body, now=None):
        """Standard Webhooks verification of one delivery; returns the parsed event. The signature
        is checked first, then the timestamp (±5 minutes of the wall clock)."""
        lowered = {str(name).lower(): (str(value) if isinstance(value, int) and not isinstance(value, bool)
                                       else value)
                   for name, value in (headers or {}).items()}
        msg_id = lowered.get("webhook-id")
        timestamp = lowered.get("webhook-timestamp")
        signatures = lowered.get("webhook-signature")
        if not isinstance(msg_id, str) or not isinstance(timestamp, str) or not isinstance(signatures, str):
            raise ChronaPilotError("invalid_signature", "missing webhook-id, webhook-timestamp or webhook-signature")
        if isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode("utf-8")
        else:  # not the protocol's form (a raw string), but accept an already-parsed body
            raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
        try:
            key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except (ValueError, TypeError, AttributeError):
            raise ChronaPilotError("invalid_signature", "the secret is not a valid whsec_ secret") from None
        signed = msg_id.encode("utf-8") + b"." + timestamp.encode("utf-8") + b"." + raw
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
        matched = False
        for entry in signatures.split():
            version, _, value = entry.partition(",")
            if version == "v1" and hmac.compare_digest(value.encode("utf-8"), expected):
                matched = True  # no early exit: every entry is compared
        if not matched:
            raise ChronaPilotError("invalid_signature", "no webhook-signature entry matches")
        now = time.time() if now is None else now
        try:
            sent = int(timestamp)
        except ValueError:
            raise ChronaPilotError("timestamp_out_of_range", "webhook-timestamp is not an integer") from None
        if abs(now - sent) > WEBHOOK_TOLERANCE:
            raise ChronaPilotError("timestamp_out_of_range",
                                   f"webhook-timestamp is {int(now - sent)} s away from now")
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ChronaPilotError("invalid_payload", "the webhook body is not JSON") from None
        if not isinstance(payload, dict):
            raise ChronaPilotError("invalid_payload", "the webhook body is not a JSON object")
        return {
            "id": payload.get("id", msg_id),
            "account": payload.get("account"),
            "type": payload.get("type"),
            "created": payload.get("created"),
            "data": payload.get("data"),
        }


def _path_segment(value):
    return urllib.parse.quote(str(value), safe="")


# ------------------------------------------------------------------------- adapter protocol


class Adapter:
    """Maps the harness's ops (SPEC HARN-3) onto the SDK. To test another SDK, keep this class's
    shape and replace the bodies of the op_* methods with calls into that SDK."""

    def __init__(self):
        self.client = None

    def sdk(self):
        if self.client is None:
            raise ChronaPilotError("not_configured", "configure must come before this op")
        return self.client

    def op_hello(self, args):
        if args.get("protocol", 1) != 1:
            log(f"harness speaks protocol {args.get('protocol')!r}; this adapter speaks 1")
        return {"name": ADAPTER_NAME, "version": ADAPTER_VERSION, "language": "Python"}

    def op_configure(self, args):
        self.client = ChronaPilotClient(
            base_url=args["base_url"],
            client_id=args["client_id"],
            redirect_uri=args.get("redirect_uri"),
            client_secret=args.get("client_secret"),
            platform_key=args.get("platform_key"),
        )
        return {}

    def op_authorization_url(self, args):
        return {"url": self.sdk().authorization_url(args.get("scopes") or [], args.get("login_hint"))}

    def op_complete_authorization(self, args):
        return self.sdk().complete_authorization(args["callback_url"])

    def op_refresh(self, args):
        return self.sdk().refresh(args.get("account"))

    def op_revoke(self, args):
        return self.sdk().revoke(args.get("account"))

    def op_list_events(self, args):
        return self.sdk().list_events(args.get("auth"), args.get("calendar_id"), args.get("limit"),
                                      bool(args.get("all_pages")))

    def op_create_event(self, args):
        return self.sdk().create_event(args["event"], args.get("auth"), args.get("idempotency_key"))

    def op_get_event(self, args):
        return self.sdk().get_event(args["id"], args.get("auth"))

    def op_update_event(self, args):
        return self.sdk().update_event(args["id"], args["patch"], args.get("auth"))

    def op_delete_event(self, args):
        return self.sdk().delete_event(args["id"], args.get("auth"))

    def op_list_calendars(self, args):
        return self.sdk().list_calendars(args.get("auth"), args.get("limit"), bool(args.get("all_pages")))

    def op_list_provider_connections(self, args):
        return self.sdk().list_provider_connections(args.get("auth"), args.get("limit"),
                                                    bool(args.get("all_pages")))

    def op_create_webhook_endpoint(self, args):
        return self.sdk().create_webhook_endpoint(args["url"], args["enabled_events"], args.get("auth"),
                                                  args.get("connect"), args.get("description"),
                                                  args.get("idempotency_key"))

    def op_delete_webhook_endpoint(self, args):
        return self.sdk().delete_webhook_endpoint(args["id"], args.get("auth"))

    def op_verify_webhook(self, args):
        event = ChronaPilotClient.verify_webhook(args["secret"], args.get("headers") or {}, args.get("body", ""))
        return {"event": event}

    def handle(self, request):
        """One request object → one answer object. Never raises."""
        request_id = request.get("id") if isinstance(request, dict) else None
        if not isinstance(request, dict) or not isinstance(request.get("op"), str):
            return {"id": request_id, "ok": False,
                    "error": {"code": "bad_request", "message": "a request is {id, op, args}"}}
        op = request["op"]
        args = request.get("args") or {}
        handler = getattr(self, "op_" + op, None)
        if handler is None:
            return {"id": request_id, "ok": False,
                    "error": {"code": "unsupported", "message": f"op {op!r} is not supported"}}
        try:
            if not isinstance(args, dict):
                raise ChronaPilotError("bad_request", "args must be an object")
            result = handler(args)
            return {"id": request_id, "ok": True, "result": result}
        except ChronaPilotError as error:
            return {"id": request_id, "ok": False, "error": error.to_json()}
        except KeyError as error:
            return {"id": request_id, "ok": False,
                    "error": {"code": "adapter_error", "message": f"{op}: missing argument {error}"}}
        except Exception as error:  # an adapter bug must become an answer, never a crash
            log(f"{op}: unexpected {type(error).__name__}")
            return {"id": request_id, "ok": False,
                    "error": {"code": "adapter_error", "message": f"{op}: {type(error).__name__}: {error}"}}


def main():
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must never corrupt the protocol stream
    adapter = Adapter()
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            return 0  # EOF: the harness is done with us
        if not line.strip():
            continue
        try:
            request = json.loads(line.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            log("a request line that is not JSON was ignored")
            answer = {"id": None, "ok": False, "error": {"code": "bad_request", "message": "not JSON"}}
        else:
            answer = adapter.handle(request)
        try:
            text = json.dumps(answer, separators=(",", ":"))
        except (TypeError, ValueError) as error:
            text = json.dumps({"id": answer.get("id"), "ok": False,
                               "error": {"code": "adapter_error", "message": f"unserializable result: {error}"}})
        out.write(text.encode("utf-8") + b"\n")
        out.flush()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
    except BrokenPipeError:
        sys.exit(0)
