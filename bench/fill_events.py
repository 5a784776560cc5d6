#!/usr/bin/env python3
"""Adds N events to an account through POST /v1/events over four keep-alive connections, then
prints the id of the event in the middle of the account's list (a cursor deep in the list).
Usage: fill_events.py BASE_URL TOKEN CALENDAR_ID N
"""
import http.client
import json
import sys
import threading
import urllib.parse


def worker(host, port, token, calendar, count, ids, lock):
    conn = http.client.HTTPConnection(host, port)
    body = json.dumps({"calendar_id": calendar, "summary": "Filler",
                       "start": "2026-12-10T12:00:00Z", "end": "2026-12-10T13:00:00Z"})
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    for _ in range(count):
        conn.request("POST", "/v1/events", body, headers)
        res = conn.getresponse()
        data = json.loads(res.read())
        if res.status != 200:
            raise SystemExit(f"POST /v1/events answered {res.status}: {data}")
        with lock:
            ids.append(data["id"])


def main():
    url = urllib.parse.urlparse(sys.argv[1])
    token, calendar, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
    conn = http.client.HTTPConnection(url.hostname, url.port)
    missing = n
    ids, lock, threads = [], threading.Lock(), []
    per = missing // 4
    for i in range(4):
        count = per + (missing % 4 if i == 0 else 0)
        t = threading.Thread(target=worker, args=(url.hostname, url.port, token, calendar, count,
                                                  ids, lock))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    # The middle of the whole list, in list order (created, id).
    total, after = 0, ""
    while True:
        q = "/v1/events?limit=100" + ("&starting_after=" + after if after else "")
        conn.request("GET", q, headers={"Authorization": "Bearer " + token})
        page = json.loads(conn.getresponse().read())
        total += len(page["data"])
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    after, seen, middle = "", 0, ""
    while True:
        q = "/v1/events?limit=100" + ("&starting_after=" + after if after else "")
        conn.request("GET", q, headers={"Authorization": "Bearer " + token})
        page = json.loads(conn.getresponse().read())
        for e in page["data"]:
            seen += 1
            if seen == total // 2:
                middle = e["id"]
        if not page["has_more"] or middle:
            break
        after = page["data"][-1]["id"]
    print(middle)


if __name__ == "__main__":
    main()
