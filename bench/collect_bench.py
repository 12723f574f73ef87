#!/usr/bin/env python3
"""`flowlens collect` under load, against nfcapd fed the same datagrams (issue 5).

For NetFlow v5 and IPFIX, flow_export_sender (src/collect/bench) sends synthetic export
datagrams over loopback for --duration seconds:
  1. at --rate flows/s (default 1 M): records received vs sent, kernel drops, CPU used;
  2. as fast as it can (--rate 0): the receiver's records per CPU-second ("decode rate
     per core", receive syscalls included);
each first to `flowlens collect --format none` (count only), then to nfcapd (writing its
files to a temporary directory, as it always does). CPU time is utime+stime of the
receiver from /proc/PID/stat. Ratios are flowlens / nfcapd from the same run.

Usage: collect_bench.py --flowlens build/release-collect/src/app/flowlens
                        --sender build/release-collect/src/collect/flow_export_sender
Loopback only. Needs nfcapd (package nfdump) for the comparison; skipped without it.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def queue_empty(port):
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        with open(table) as f:
            next(f)
            for row in f:
                p = row.split()
                if int(p[1].split(":")[1], 16) == port and int(p[4].split(":")[1], 16) != 0:
                    return False
    return True


def port_bound(port):
    with open("/proc/net/udp") as f:
        next(f)
        return any(int(r.split()[1].split(":")[1], 16) == port for r in f)


def drain(port, deadline_s=20):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and not queue_empty(port):
        time.sleep(0.05)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send(sender, port, protocol, rate, duration):
    out = subprocess.run([sender, "--to", f"127.0.0.1:{port}", "--protocol", protocol,
                          "--rate", str(rate), "--duration", str(duration), "--sockets", "4"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def run_flowlens(flowlens, sender, protocol, rate, duration, workers):
    p = subprocess.Popen([flowlens, "collect", "--listen", "udp://127.0.0.1:0", "--format",
                          "none", "--workers", str(workers)],
                         stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
    cpu0 = cpu_seconds(p.pid)
    sent = send(sender, port, protocol, rate, duration)
    drain(port)
    cpu = cpu_seconds(p.pid) - cpu0
    p.send_signal(signal.SIGTERM)
    err = p.stderr.read()
    p.wait(timeout=30)
    m = re.search(r"(\d+) datagrams \((\d+) bytes\), (\d+) records .*kernel_drops=(\d+)", err)
    return {"receiver": "flowlens", "sent": sent, "datagrams": int(m.group(1)),
            "records": int(m.group(3)), "kernel_drops": int(m.group(4)), "cpu_s": cpu,
            "buffer": line.strip()}


def run_nfcapd(sender, protocol, rate, duration):
    with tempfile.TemporaryDirectory(prefix="collect-bench-nfcapd-") as d:
        port = free_port()
        p = subprocess.Popen(["nfcapd", "-b", "127.0.0.1", "-p", str(port), "-w", d, "-t",
                              "3600", "-B", str(32 << 20)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        end = time.monotonic() + 10
        while time.monotonic() < end and not port_bound(port):
            time.sleep(0.02)
        cpu0 = cpu_seconds(p.pid)
        sent = send(sender, port, protocol, rate, duration)
        drain(port)
        cpu = cpu_seconds(p.pid) - cpu0
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=60)
        m = re.search(r"Flows: (\d+)", out)
        records = int(m.group(1)) if m else -1
        return {"receiver": "nfcapd", "sent": sent, "records": records, "cpu_s": cpu}


def line(r):
    sent = r["sent"]["records"]
    rate = r["records"] / r["cpu_s"] / 1e6 if r["cpu_s"] > 0 else float("nan")
    drops = f" kernel_drops={r['kernel_drops']}" if "kernel_drops" in r else ""
    return (f"{r['receiver']:9} sent {sent:>10} ({r['sent']['records_per_s'] / 1e6:.2f} M/s) "
            f"received {r['records']:>10} ({100.0 * r['records'] / max(sent, 1):6.2f} %)"
            f"{drops}  cpu {r['cpu_s']:.2f} s = {rate:.2f} M records/CPU-s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowlens", required=True)
    ap.add_argument("--sender", required=True)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--rate", type=float, default=1e6)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--protocols", nargs="*", default=["v5", "ipfix"])
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    have_nfcapd = shutil.which("nfcapd") is not None
    results = []
    for protocol in args.protocols:
        for rate in (args.rate, 0):
            label = f"{protocol} at {'max' if rate == 0 else f'{rate / 1e6:g} M'} flows/s"
            print(f"== {label}", flush=True)
            a = run_flowlens(args.flowlens, args.sender, protocol, rate, args.duration,
                             args.workers)
            a.update(protocol=protocol, rate=rate)
            print(line(a), flush=True)
            results.append(a)
            if have_nfcapd:
                b = run_nfcapd(args.sender, protocol, rate, args.duration)
                b.update(protocol=protocol, rate=rate)
                print(line(b), flush=True)
                results.append(b)
                if a["cpu_s"] > 0 and b["cpu_s"] > 0 and b["records"] > 0:
                    ratio = (a["records"] / a["cpu_s"]) / (b["records"] / b["cpu_s"])
                    print(f"   flowlens/nfcapd records per CPU-second: {ratio:.2f}x", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
