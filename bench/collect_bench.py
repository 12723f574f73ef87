#!/usr/bin/env python3
"""`flowlens collect` under load, against nfcapd / sfcapd fed the same datagrams (issue 5).

For NetFlow v5, NetFlow v9, IPFIX and sFlow v5, flow_export_sender (src/collect/bench)
sends synthetic export datagrams over loopback for --duration seconds:
  1. at --rate flows/s (default 1 M): records received vs sent, kernel drops, CPU used;
  2. as fast as it can (--rate 0): the receiver's records per CPU-second ("decode rate
     per core", receive syscalls included);
each to `flowlens collect --format none` (count only) with one worker, then with each
extra --workers count (SO_REUSEPORT; the sender's source ports are hashed onto the
workers), then to the peer: nfcapd for v5/v9/IPFIX, sfcapd for sFlow (both nfdump 1.7,
writing their files to a temporary directory, as they always do). CPU time is
utime+stime of the receiver from /proc/PID/stat; for flowlens the split over its threads
is printed too (a worker that got no exporter shows up as ~0). Ratios are flowlens /
peer records per CPU-second from the same pass. --repeat runs the whole matrix again.

Usage: collect_bench.py --flowlens build/release-bench/src/app/flowlens
                        --sender build/release-bench/src/collect/flow_export_sender
                        [--workers 1 2] [--repeat 2] [--json out.json]
Loopback only. Peers missing (package nfdump, nfdump-sflow) are skipped with a note.
On a 2-core machine the sender competes with the receiver(s) for the cores.
"""

import argparse
import glob
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
PEER = {"v5": "nfcapd", "v9": "nfcapd", "ipfix": "nfcapd", "sflow": "sfcapd"}


def stat_cpu(path):
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def cpu_seconds(pid):
    return stat_cpu(f"/proc/{pid}/stat")


def thread_cpu(pid):
    out = {}
    for path in glob.glob(f"/proc/{pid}/task/*/stat"):
        try:
            out[path.split("/")[4]] = stat_cpu(path)
        except OSError:
            pass
    return out


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


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


def socket_drops(port):
    """Datagrams the kernel dropped on sockets bound to `port` (last column of /proc/net/udp)."""
    total = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        with open(table) as f:
            next(f)
            for row in f:
                p = row.split()
                if int(p[1].split(":")[1], 16) == port:
                    total += int(p[-1])
    return total


def drain(port, deadline_s=20):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and not queue_empty(port):
        time.sleep(0.05)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send(args, port, protocol, rate):
    out = subprocess.run([args.sender, "--to", f"127.0.0.1:{port}", "--protocol", protocol,
                          "--rate", str(rate), "--duration", str(args.duration),
                          "--sockets", str(args.sockets)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def run_flowlens(args, protocol, rate, workers):
    p = subprocess.Popen([args.flowlens, "collect", "--listen", "udp://127.0.0.1:0", "--format",
                          "none", "--workers", str(workers)],
                         stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
    load0 = loadavg()
    cpu0 = cpu_seconds(p.pid)
    threads0 = thread_cpu(p.pid)
    sent = send(args, port, protocol, rate)
    drain(port)
    cpu = cpu_seconds(p.pid) - cpu0
    threads = thread_cpu(p.pid)
    split = sorted((round(threads[t] - threads0.get(t, 0), 2) for t in threads), reverse=True)
    p.send_signal(signal.SIGTERM)
    err = p.stderr.read()
    p.wait(timeout=30)
    m = re.search(r"(\d+) datagrams \((\d+) bytes\), (\d+) records .*kernel_drops=(\d+)", err)
    errors = re.search(r"decode errors:(.*)", err).group(1).strip()
    return {"receiver": f"flowlens w={workers}", "workers": workers, "sent": sent,
            "datagrams": int(m.group(1)), "records": int(m.group(3)),
            "kernel_drops": int(m.group(4)), "decode_errors": errors, "cpu_s": cpu,
            "thread_cpu_s": [c for c in split if c > 0], "load": [load0, loadavg()],
            "buffer": line.strip()}


def run_peer(args, peer, protocol, rate):
    with tempfile.TemporaryDirectory(prefix=f"collect-bench-{peer}-") as d:
        port = free_port()
        p = subprocess.Popen([peer, "-b", "127.0.0.1", "-p", str(port), "-w", d, "-t",
                              "3600", "-B", str(32 << 20)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        end = time.monotonic() + 10
        while time.monotonic() < end and not port_bound(port):
            time.sleep(0.02)
        load0 = loadavg()
        cpu0 = cpu_seconds(p.pid)
        sent = send(args, port, protocol, rate)
        drain(port)
        cpu = cpu_seconds(p.pid) - cpu0
        load1 = loadavg()
        drops = socket_drops(port)
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=60)
        m = re.search(r"Flows: (\d+)", out)
        seq = re.search(r"Sequence Errors: (\d+)", out)
        return {"receiver": peer, "sent": sent, "records": int(m.group(1)) if m else -1,
                "sequence_errors": int(seq.group(1)) if seq else -1, "kernel_drops": drops,
                "cpu_s": cpu,
                "load": [load0, load1]}


def per_cpu_s(r):
    return r["records"] / r["cpu_s"] if r["cpu_s"] > 0 and r["records"] > 0 else float("nan")


def line(r):
    sent = r["sent"]["records"]
    extra = f" kdrops={r['kernel_drops']}"
    if "decode_errors" in r:
        extra += f" err={r['decode_errors']} threads={r['thread_cpu_s']}"
    else:
        extra += f" seq_errors={r['sequence_errors']}"
    return (f"{r['receiver']:12} sent {sent:>10} ({r['sent']['records_per_s'] / 1e6:.2f} M/s) "
            f"received {r['records']:>10} ({100.0 * r['records'] / max(sent, 1):6.2f} %) "
            f"cpu {r['cpu_s']:5.2f} s = {per_cpu_s(r) / 1e6:5.2f} M rec/CPU-s "
            f"load {r['load'][0]:.1f}-{r['load'][1]:.1f}{extra}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowlens", required=True)
    ap.add_argument("--sender", required=True)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--rate", type=float, default=1e6)
    ap.add_argument("--sockets", type=int, default=4, help="sender source ports")
    ap.add_argument("--workers", type=int, nargs="*", default=[1],
                    help="flowlens worker counts to run (e.g. 1 2)")
    ap.add_argument("--rates", choices=["both", "fixed", "max"], default="both")
    ap.add_argument("--protocols", nargs="*", default=["v5", "v9", "ipfix", "sflow"])
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    rates = {"both": [args.rate, 0], "fixed": [args.rate], "max": [0]}[args.rates]
    print(f"load average at start: {loadavg():.2f}; {os.cpu_count()} cores", flush=True)
    results = []
    for rep in range(args.repeat):
        for protocol in args.protocols:
            peer = PEER[protocol]
            have_peer = not args.no_peer and shutil.which(peer) is not None
            for rate in rates:
                label = f"{protocol} at {'max' if rate == 0 else f'{rate / 1e6:g} M'} flows/s"
                print(f"== pass {rep + 1}: {label}", flush=True)
                mine = []
                for w in args.workers:
                    a = run_flowlens(args, protocol, rate, w)
                    a.update(protocol=protocol, rate=rate, rep=rep)
                    print(line(a), flush=True)
                    results.append(a)
                    mine.append(a)
                if have_peer:
                    b = run_peer(args, peer, protocol, rate)
                    b.update(protocol=protocol, rate=rate, rep=rep)
                    print(line(b), flush=True)
                    results.append(b)
                    for a in mine:
                        if b["records"] > 0 and b["cpu_s"] > 0:
                            print(f"   {a['receiver']} / {peer} records per CPU-second: "
                                  f"{per_cpu_s(a) / per_cpu_s(b):.2f}x", flush=True)
                elif not args.no_peer:
                    print(f"   {peer} not installed: no comparison", flush=True)
    print(f"load average at end: {loadavg():.2f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
