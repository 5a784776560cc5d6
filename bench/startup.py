#!/usr/bin/env python3
"""Start-up time and idle memory of chronapilot-mock.

Start-up: from just before the process is spawned to the first 200 from /healthz, median of N
runs. Idle RSS: VmRSS of the process once it answers. Usage: startup.py BINARY [RUNS]
"""
import http.client
import statistics
import subprocess
import sys
import time


def one_run(binary):
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary, "--port", "0", "--quiet"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    port = int(line.rsplit(":", 1)[1])
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
    elapsed_ms = (time.perf_counter() - t0) * 1000
    with open(f"/proc/{proc.pid}/status") as f:
        rss_kb = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    proc.terminate()
    proc.wait()
    return elapsed_ms, rss_kb


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    results = [one_run(binary) for _ in range(runs)]
    times = sorted(r[0] for r in results)
    rss = sorted(r[1] for r in results)
    print(f"start-up to first /healthz 200: median {statistics.median(times):.1f} ms "
          f"(min {times[0]:.1f}, max {times[-1]:.1f}, {runs} runs)")
    print(f"idle RSS: median {statistics.median(rss) / 1024:.1f} MiB "
          f"(max {rss[-1] / 1024:.1f} MiB)")


if __name__ == "__main__":
    main()
