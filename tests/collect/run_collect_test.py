#!/usr/bin/env python3
"""`flowlens run --collect` end to end (issue 5): a real exporter into the embedded pipeline.

`flowlens run --collect udp://127.0.0.1:0` (random ports, SQLite store in a temporary
directory) receives Debian's softflowd exporting two test captures as NetFlow v9 and as
IPFIX, plus one datagram of an unknown version. Checked against independent readings:
  * totals (bytes, packets) and per-source-host bytes served by the REST API equal twice
    the sums of `flowlens flows` on the same captures (each capture is exported twice);
  * GET /api/v1/exporters counts every datagram softflowd reports having sent, by
    protocol, the records it reports, and the bad datagram as unknown_version;
  * `flowlens exporters` prints the same numbers (and --json the same document), /metrics
    carries them as Prometheus counters;
  * after SIGTERM (exit 0) the closed windows' summaries printed on stdout add up to the
    same totals: the live path saw everything, none of it late.
Waiting is on conditions with deadlines (the API's counters), never on fixed sleeps.

Exit 0: all equal; 1: a difference; 77: skipped (testdata or softflowd absent).
"""

import argparse
import collections
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from softflowd_test import run_softflowd  # same directory: softflowd -r FILE to EOF

CAPTURES = ["pcap/tls-conn-with-extensions.pcap", "pcap/quic-curl-http3-google.pcap"]
VERSIONS = {"9": "netflow_v9", "10": "ipfix"}
failures = []


def check(name, ok, detail=""):
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else "\n      " + str(detail)[:2000]))
    if not ok:
        failures.append(name)


def flows_totals(flowlens, capture):
    """(bytes, packets, {src: bytes}) of `flowlens flows` on the capture."""
    p = subprocess.run([flowlens, "flows", "-r", capture, "--aggregate", "src_host,dst_host,src_port,dst_port,proto",
                        "--format", "jsonl"], capture_output=True, text=True, check=True)
    b = pk = 0
    by_src = collections.Counter()
    for line in p.stdout.splitlines():
        r = json.loads(line)
        b += r["bytes"]
        pk += r["packets"]
        by_src[r["ip_src"]] += r["bytes"]
    return b, pk, by_src


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.status, r.read().decode()


def wait_until(what, predicate, deadline_s=30):
    end = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < end:
        ok, last = predicate()
        if ok:
            return True, last
        time.sleep(0.05)  # polling interval of a condition with a deadline
    print(f"      gave up waiting for {what}: {last}")
    return False, last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowlens", required=True)
    ap.add_argument("--testdata", required=True)
    args = ap.parse_args()
    fl = args.flowlens
    for bad, why in ((["--collect", "tcp://127.0.0.1:1"], "--collect"),
                     (["--collect", "udp://127.0.0.1:0", "--sampling", "10.0.0.0/8=x"], "--sampling"),
                     (["--collect", "udp://127.0.0.1:0", "-r", "x.pcap"], "one source"),
                     (["--collect", "udp://127.0.0.1:0", "--collect-workers", "0"], "--collect-workers")):
        p = subprocess.run([fl, "run", *bad, "--no-server"], capture_output=True, text=True)
        check(f"run {' '.join(bad)} is a usage error naming {why}",
              p.returncode == 2 and why in p.stderr, f"rc={p.returncode} {p.stderr}")
    p = subprocess.run([fl, "exporters", "--server", "http://127.0.0.1:1", "--timeout", "2"],
                       capture_output=True, text=True)
    check("exporters against a closed port fails (3) naming the address",
          p.returncode == 3 and "127.0.0.1:1" in p.stderr, f"rc={p.returncode} {p.stderr}")

    captures = [os.path.join(args.testdata, c) for c in CAPTURES]
    if not all(os.path.exists(c) for c in captures):
        print(f"SKIP: test captures not found under {args.testdata}")
        return 77
    if shutil.which("softflowd") is None:
        print("SKIP: softflowd not installed (scripts/install-deps.sh)")
        return 77

    want_bytes = want_packets = 0
    want_src = collections.Counter()
    for c in captures:
        b, pk, by_src = flows_totals(fl, c)
        want_bytes += 2 * b
        want_packets += 2 * pk
        for k, v in by_src.items():
            want_src[k] += 2 * v

    with tempfile.TemporaryDirectory(prefix="flowlens-run-collect-") as workdir:
        run = subprocess.Popen(
            [fl, "run", "--collect", "udp://127.0.0.1:0", "--listen", "127.0.0.1:0",
             "--data-dir", os.path.join(workdir, "data"), "--progress", "log", "--print-windows"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stderr_lines = []
        ports = {}
        ready = threading.Event()

        def read_stderr():
            for line in run.stderr:
                stderr_lines.append(line)
                m = re.search(r"dashboard and API on http://127\.0\.0\.1:(\d+)/", line)
                if m:
                    ports["http"] = int(m.group(1))
                m = re.search(r"collecting flow exports on udp://127\.0\.0\.1:(\d+)", line)
                if m:
                    ports["udp"] = int(m.group(1))
                    ready.set()
            ready.set()

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        windows = []
        stdout_reader = threading.Thread(target=lambda: windows.extend(run.stdout), daemon=True)
        stdout_reader.start()
        try:
            ready.wait(60)
            if "udp" not in ports or "http" not in ports:
                check("run --collect starts and prints its ports", False, "".join(stderr_lines))
                return 1
            http = ports["http"]
            status, body = get(http, "/api/v1/exporters")
            doc = json.loads(body)
            check("before any export: collecting, one listener, no exporters",
                  status == 200 and doc["collecting"] and
                  doc["listeners"] == [f"udp://127.0.0.1:{ports['udp']}"] and doc["exporters"] == [],
                  body)

            sent = {"netflow_v9": 0, "ipfix": 0}
            records = 0
            for c in captures:
                for version, kind in VERSIONS.items():
                    r, d = run_softflowd(c, ports["udp"], version, workdir)
                    records += r
                    sent[kind] += d
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(b"\x00\x07" + bytes(40), ("127.0.0.1", ports["udp"]))
            datagrams = sent["netflow_v9"] + sent["ipfix"] + 1

            ok, doc = wait_until("every datagram at the collector", lambda: (
                lambda d: (d["totals"]["datagrams"] >= datagrams, d))(json.loads(get(http, "/api/v1/exporters")[1])))
            check(f"exporters API counts all {datagrams} datagrams and {records} records",
                  ok and doc["totals"]["datagrams"] == datagrams and doc["totals"]["records"] == records and
                  doc["totals"]["kernel_drops"] == 0, doc)
            ex = doc["exporters"][0] if doc["exporters"] else {}
            check("one exporter 127.0.0.1 with datagrams by protocol and the bad one by reason",
                  len(doc["exporters"]) == 1 and ex["exporter"] == "127.0.0.1" and
                  ex["netflow_v9"] == sent["netflow_v9"] and ex["ipfix"] == sent["ipfix"] and
                  ex["netflow_v5"] == 0 and ex["sflow"] == 0 and ex["templates_seen"] > 0 and
                  ex["decode_errors"].get("unknown_version") == 1 and
                  doc["totals"]["decode_errors"].get("unknown_version") == 1, doc)

            # Stored and served: the REST API's totals over everything.
            rng = "from=2000-01-01&to=2100-01-01"

            def summary():
                d = json.loads(get(http, f"/api/v1/summary?{rng}")[1])
                return d["bytes"] == want_bytes and d["packets"] == want_packets, d
            ok, d = wait_until("the store to hold every record", summary)
            check(f"API summary equals 2x `flowlens flows`: {want_bytes} bytes, {want_packets} packets",
                  ok, f"{d} want {want_bytes} bytes {want_packets} packets")
            top = json.loads(get(http, f"/api/v1/top?dimension=src-host&limit=1000&{rng}")[1])
            got_src = {e["key"]: e["bytes"] for e in top["entries"]}
            check(f"API top source hosts equal 2x `flowlens flows` per source ({len(want_src)} hosts)",
                  got_src == dict(want_src), f"{got_src} vs {dict(want_src)}")

            p = subprocess.run([fl, "exporters", "--server", f"http://127.0.0.1:{http}"],
                               capture_output=True, text=True)
            check("flowlens exporters prints the exporter with its counts",
                  p.returncode == 0 and re.search(
                      rf"127\.0\.0\.1\s+{datagrams}\s+0/{sent['netflow_v9']}/{sent['ipfix']}/0\s+{records}\s",
                      p.stdout) is not None and "unknown_version=1" in p.stdout, p.stdout + p.stderr)
            p = subprocess.run([fl, "exporters", "--server", f"http://127.0.0.1:{http}", "--json"],
                               capture_output=True, text=True)
            now = json.loads(get(http, "/api/v1/exporters")[1])
            got = json.loads(p.stdout) if p.returncode == 0 else {}
            check("flowlens exporters --json is the API document",
                  got.get("totals") == now["totals"] and len(got.get("exporters", [])) == 1, p.stdout + p.stderr)
            metrics = get(http, "/metrics")[1]
            check("/metrics carries the collector's counters",
                  f"flowlens_collect_datagrams_total {datagrams}" in metrics and
                  f'flowlens_exporter_records_total{{exporter="127.0.0.1"}} {records}' in metrics and
                  'flowlens_collect_decode_errors_total{reason="unknown_version"} 1' in metrics,
                  "\n".join(l for l in metrics.splitlines() if "collect" in l or "exporter" in l))
            try:
                status = get(http, "/api/v1/exporters?limit=3")[0]
            except urllib.error.HTTPError as e:
                status = e.code
            check("an unknown parameter to /api/v1/exporters is a 400", status == 400, status)
        finally:
            run.send_signal(signal.SIGTERM)
            try:
                run.wait(timeout=60)
            except subprocess.TimeoutExpired:
                run.kill()
                run.wait()
        reader.join(10)
        stdout_reader.join(10)
        check("run --collect exits 0 on SIGTERM", run.returncode == 0, "".join(stderr_lines))
        win_bytes = sum(json.loads(w)["bytes"] for w in windows if w.strip())
        win_packets = sum(json.loads(w)["packets"] for w in windows if w.strip())
        check(f"closed windows' summaries add up to the same totals ({len(windows)} windows)",
              win_bytes == want_bytes and win_packets == want_packets,
              f"{win_bytes} bytes {win_packets} packets")
        check("run reports what it collected at exit",
              any(f"collected {datagrams} datagrams, {records} records from 1 exporter(s); kernel drops 0" in l
                  for l in stderr_lines), "".join(stderr_lines))
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
