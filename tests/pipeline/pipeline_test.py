#!/usr/bin/env python3
"""The embedded pipeline end to end: `flowlens run` into a real SQLite store, read back
with `flowlens query`, checked against sums computed here from `flowlens flows` output
(an independent path: the plain meter, no windows, no store, no rollups).

    pipeline_test.py --flowlens BIN --testdata DIR [--only NAME]

Tests:
  queries      per capture: summary, timeseries, top, paged flows == sums of `flows`
  host_daily   a generated multi-day capture: host-daily == the seed's aggregation
               (per UTC day, in = destination is the host, out = source is the host)
  crash        SIGKILL at random points of `run --watch DIR --once`, restart, repeat:
               stored totals identical to a clean run
  watch        corrupt file reported and skipped; file dropped while down picked up;
               a file appended while followed is read completely
Exit 77 = skipped (no test data). Prints PASS/FAIL lines and 'N passed, M failed'.
"""
import argparse
import calendar
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ENV = dict(os.environ,
           ASAN_OPTIONS="exitcode=86:detect_leaks=1",
           UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1")
WINDOW = 10
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)[:2000]), flush=True)
    return ok


def run(binary, *args, timeout=600):
    p = subprocess.run([binary, *args], capture_output=True, text=True, env=ENV, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def pmacct_time(text):
    """'2019-11-07 06:08:21.807555' (UTC) -> float seconds."""
    date, _, frac = text.partition(".")
    secs = calendar.timegm(time.strptime(date, "%Y-%m-%d %H:%M:%S"))
    return secs + (float("0." + frac) if frac else 0.0)


def flows_of(binary, path):
    """`flowlens flows` cut at the same window boundaries as the pipeline."""
    rc, out, err = run(binary, "flows", "-r", path, "--inactive-timeout", "0", "--active-timeout", "0",
                       "--refresh", str(WINDOW), "--format", "jsonl")
    if rc not in (0, 1):
        raise RuntimeError(f"flows {path}: rc={rc} {err}")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def query(binary, store, *args):
    """`flowlens query ... --json`: the REST API's body for the same request."""
    rc, out, err = run(binary, "query", *args, "--store", store, "--json")
    if rc != 0:
        raise RuntimeError(f"query {' '.join(args)}: rc={rc} {err}")
    return json.loads(out)


def fresh_store(tmp, name):
    return "sqlite://" + os.path.join(tmp, name + ".db")


# pmacct 1.7.7's protocol names as `flowlens flows` prints them (src/model/flow_output.cc);
# `query flows --json` carries the number (ip_proto), as the REST API does. Unnamed
# protocols print as their number.
PMACCT_PROTOCOLS = {
    "icmp": 1, "igmp": 2, "ggp": 3, "ipencap": 4, "tcp": 6, "egp": 8, "igp": 9, "udp": 17,
    "mux": 18, "ipv6": 41, "ipv6-route": 43, "ipv6-frag": 44, "rsvp": 46, "gre": 47, "esp": 50,
    "ah": 51, "mobile": 55, "tlsp": 56, "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60,
    "iso-ip": 80, "vines": 83, "eigrp": 88, "ospf": 89, "larp": 91, "ax.25": 93, "ipip": 94,
    "encap": 98, "pnni": 102, "pim": 103, "IPcomp": 108, "ipx-in-ip": 111, "vrrp": 112,
    "l2tp": 115, "isis": 124, "sctp": 132, "fc": 133}


def pmacct_time_us(text):
    """'2019-11-07 06:08:21.807555' (UTC) -> integer microseconds (exact, unlike floats)."""
    date, _, frac = text.partition(".")
    return calendar.timegm(time.strptime(date, "%Y-%m-%d %H:%M:%S")) * 1_000_000 + int((frac + "000000")[:6])


def totals(records):
    return (sum(r["bytes"] for r in records), sum(r["packets"] for r in records), len(records))


KEEP_ALL = "flows=0,window=0,minute=0,hour=0,day=0"


def ingest(binary, store, *source):
    # Test captures span years: keep everything so raw flows can be compared too.
    return run(binary, "run", *source, "--store", store, "--progress", "none", "--retention", KEEP_ALL)


# ---------------------------------------------------------------------------------------
def queries_test(binary, testdata, tmp):
    names = ["1kxun.pcap", "example2.pcap", "four_ipv6_http_streams.pcap", "dns_fragmented.pcap",
             "VlanPackets.pcap", "tcp-handshake-nano.pcap", "quic-curl-http3-google.pcap",
             "three_http_streams.pcap"]
    gen = os.path.join(tmp, "demo-gen.pcap")
    rc, _, err = run(binary, "generate", "--profile", "demo", "--packets", "60000", "--flows", "300",
                     "--rate", "500", "-w", gen, "-q")
    if not check("generate a demo capture", rc == 0, err):
        return
    paths = [os.path.join(testdata, "pcap", n) for n in names] + [gen]
    for path in paths:
        name = os.path.basename(path)
        records = flows_of(binary, path)
        store = fresh_store(tmp, "q-" + name)
        rc, _, err = ingest(binary, store, "-r", path)
        if not check(f"{name}: run -r exits 0", rc == 0, err):
            continue
        want_bytes, want_packets, want_flows = totals(records)
        s = query(binary, store, "summary")
        check(f"{name}: summary equals flows sums",
              (s["bytes"], s["packets"], s["flows"]) == (want_bytes, want_packets, want_flows),
              f"store {s} vs flows {(want_bytes, want_packets, want_flows)}")
        # Windows use data time: the first stored window is the capture's own year.
        first = min(pmacct_time(r["timestamp_start"]) for r in records)
        check(f"{name}: stored time is the data's time",
              s["first"][:4] == time.strftime("%Y", time.gmtime(first)), f"{s['first']} vs {first}")

        per_window = collections.Counter()
        for r in records:
            per_window[int(pmacct_time(r["timestamp_start"])) // WINDOW * WINDOW] += r["bytes"]
        got = collections.Counter()
        # One query per UTC day holding data (captures may span years).
        for day in sorted({r["timestamp_start"][:10] for r in records}):
            ts = query(binary, store, "timeseries", "--step", f"{WINDOW}s", "--from", day,
                       "--to", time.strftime("%Y-%m-%d", time.gmtime(
                           calendar.timegm(time.strptime(day, "%Y-%m-%d")) + 86400)))
            for series in ts["series"]:
                for point in series["points"]:
                    if point["bytes"]:
                        t = calendar.timegm(time.strptime(point["time"][:19], "%Y-%m-%dT%H:%M:%S"))
                        got[t] += point["bytes"]
        check(f"{name}: timeseries per {WINDOW}s equals flows per window", got == per_window,
              f"{sorted(got.items())[:5]} vs {sorted(per_window.items())[:5]}")

        by_src = collections.Counter()
        for r in records:
            by_src[r["ip_src"]] += r["bytes"]
        top = query(binary, store, "top", "--by", "src-host", "--limit", "10000")
        got_top = {e["key"]: e["bytes"] for e in top["entries"]}
        check(f"{name}: top src hosts equal flows per ip_src", got_top == dict(by_src),
              f"{sorted(got_top.items())[:5]} vs {sorted(by_src.items())[:5]}")
        ordered = [e["bytes"] for e in top["entries"]]
        check(f"{name}: top is sorted by bytes", ordered == sorted(ordered, reverse=True), ordered[:10])

        # Raw flows, paged with the cursor: every record exactly once (about 20 pages, and
        # odd-sized, so pages end at arbitrary rows). Pages are the API's body
        # {"flows": [...], "next_cursor": "..."}; the last page's cursor is "".
        seen, cursor, pages = [], "", 0
        limit = str(max(7, len(records) // 20 | 1))
        while True:
            args = ["query", "flows", "--store", store, "--json", "--limit", limit]
            if cursor:
                args += ["--cursor", cursor]
            rc, out, err = run(binary, *args)
            if rc != 0:
                check(f"{name}: flows page {pages}", False, err)
                break
            page = json.loads(out)
            seen += page["flows"]
            pages += 1
            cursor = page["next_cursor"]
            if not cursor or pages > 10000:
                break
        metered = lambda r: (r["ip_src"], r["ip_dst"], r.get("port_src", 0), r.get("port_dst", 0),
                             PMACCT_PROTOCOLS.get(r["ip_proto"]) or int(r["ip_proto"]),
                             pmacct_time_us(r["timestamp_start"]), r["packets"], r["bytes"])
        stored = lambda f: (f["src"], f["dst"], f["src_port"], f["dst_port"], f["ip_proto"],
                            f["start_ns"] // 1000, f["packets"], f["bytes"])
        check(f"{name}: paged flows are the metered flows, each once",
              sorted(map(stored, seen)) == sorted(map(metered, records)),
              f"{len(seen)} rows vs {len(records)}: "
              f"{sorted(map(stored, seen))[:3]} vs {sorted(map(metered, records))[:3]}")


# ---------------------------------------------------------------------------------------
def host_daily_test(binary, tmp):
    path = os.path.join(tmp, "days.pcap")
    # 260k packets at 1 packet/s of event time: three days and a bit, from a mid-day start.
    rc, _, err = run(binary, "generate", "--profile", "demo", "--packets", "260000", "--flows", "400",
                     "--rate", "1", "--start", "2026-03-01T15:00:00Z", "-w", path, "-q")
    if not check("generate a multi-day capture", rc == 0, err):
        return
    store = fresh_store(tmp, "days")
    rc, _, err = ingest(binary, store, "-r", path, "--local-net", "10.1.0.0/24")
    if not check("run -r multi-day capture", rc == 0, err):
        return
    records = flows_of(binary, path)
    by_host = collections.Counter()
    for r in records:
        if r["ip_dst"].startswith("10.1.0."):
            by_host[r["ip_dst"]] += r["bytes"]
    hosts = [h for h, _ in by_host.most_common(3)]
    for host in hosts:
        # The seed's pipeline: $substr(timestamp, 0, 10) as the day, $cond on ip_dst/ip_src.
        days = collections.defaultdict(lambda: [0, 0, 0, 0])
        for r in records:
            day = r["timestamp_start"][:10]
            if r["ip_dst"] == host:
                days[day][0] += r["bytes"]
                days[day][1] += r["packets"]
            if r["ip_src"] == host:
                days[day][2] += r["bytes"]
                days[day][3] += r["packets"]
        got = query(binary, store, "host-daily", host)
        got_days = {d["day"]: [d["in_bytes"], d["in_packets"], d["out_bytes"], d["out_packets"]]
                    for d in got["days"] if any((d["in_bytes"], d["out_bytes"]))}
        check(f"host-daily {host} equals the seed's aggregation over {len(days)} days",
              got_days == dict(days) and len(days) >= 3, f"{got_days} vs {dict(days)}")
    listed = [h["host"] for h in query(binary, store, "hosts")["hosts"]]
    check("hosts lists only local hosts", listed and all(h.startswith("10.1.0.") for h in listed), listed[:5])


# ---------------------------------------------------------------------------------------
def make_capture_dir(binary, directory, files, packets):
    os.makedirs(directory, exist_ok=True)
    for i in range(files):
        path = os.path.join(directory, f"trace-{i:02}.pcap")
        start = f"2026-02-0{1 + i % 9}T0{i % 10}:00:00Z"
        rc, _, err = run(binary, "generate", "--profile", "imix", "--packets", str(packets),
                         "--flows", "3000", "--rate", "20000", "--seed", str(i + 1), "--start", start,
                         "-w", path, "-q")
        if rc != 0:
            raise RuntimeError(err)
        # Order by mtime = order of names.
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))


def store_state(binary, store):
    s = query(binary, store, "summary")
    ts = query(binary, store, "timeseries", "--step", "60s")
    top = query(binary, store, "top", "--by", "src-host", "--limit", "50")
    return ({k: s[k] for k in ("bytes", "packets", "flows", "stored_flows")},
            json.dumps(ts["series"], sort_keys=True), json.dumps(top["entries"], sort_keys=True))


def ingested_fraction(store, directory):
    """Share of the directory's bytes that the store's checkpoints cover."""
    import sqlite3
    path = store[len("sqlite://"):]
    total = sum(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory))
    if not os.path.exists(path) or total == 0:
        return 0.0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            done = db.execute("SELECT coalesce(sum(\"offset\"), 0) FROM sources").fetchone()[0]
    except sqlite3.Error:
        return 0.0
    return min(1.0, done / total)


def crash_test(binary, tmp, seed):
    rng = random.Random(seed)
    src = os.path.join(tmp, "crash-src")
    make_capture_dir(binary, src, files=8, packets=150_000)
    clean_store = fresh_store(tmp, "crash-clean")
    started = time.monotonic()
    rc, _, err = ingest(binary, clean_store, "--watch", src, "--once")
    clean_seconds = time.monotonic() - started
    if not check("clean run of the watched directory", rc == 0, err):
        return
    want = store_state(binary, clean_store)

    # The same files (other inodes) in another directory, so checkpoints start fresh.
    dst = os.path.join(tmp, "crash-dst")
    shutil.copytree(src, dst, copy_function=shutil.copy2)
    # Kill points are drawn over the clean run's duration; a run can go faster than the
    # clean one did (the machine got quieter) and finish before enough kills landed. Then
    # start again on a fresh store with kill points drawn over half the span.
    scale = 1.0
    for attempt in range(6):
        store = fresh_store(tmp, f"crash-killed-{attempt}")
        kills, runs = 0, 0
        while runs < 30:
            runs += 1
            proc = subprocess.Popen([binary, "run", "--watch", dst, "--once", "--store", store,
                                     "--progress", "none", "--retention", KEEP_ALL], env=ENV,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            # Kill points spread over the work left (not synchronisation: any point is a
            # valid place to crash; the spread makes most of them land mid-ingestion).
            left = 1.0 - ingested_fraction(store, dst)
            delay = rng.uniform(0.05, 0.2 + 0.8 * clean_seconds * left * scale) if kills < 5 else None
            try:
                _, err = proc.communicate(timeout=delay if delay is not None else 900)
                if not check(f"run {runs} finished by itself", proc.returncode == 0, err):
                    return
                break
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.communicate()
                kills += 1
                print(f"  SIGKILL {kills} after {delay:.2f} s, "
                      f"{ingested_fraction(store, dst):.0%} of the bytes committed", flush=True)
        print(f"crash: seed {seed}, attempt {attempt}: {kills} SIGKILLs over {runs} runs "
              f"(clean run {clean_seconds:.1f} s, kill span x{scale})")
        if kills >= 3:
            break
        scale /= 2
    check("several SIGKILLs happened mid-ingestion", kills >= 3, kills)
    got = store_state(binary, store)
    check("after SIGKILLs and restarts, totals equal the clean run", got[0] == want[0],
          f"{got[0]} vs {want[0]}")
    check("... and the per-minute timeseries too", got[1] == want[1])
    check("... and the top source hosts too", got[2] == want[2])


# ---------------------------------------------------------------------------------------
def watch_test(binary, testdata, tmp):
    d = os.path.join(tmp, "watch")
    os.makedirs(d)
    good1 = os.path.join(testdata, "pcap", "1kxun.pcap")
    good2 = os.path.join(testdata, "pcap", "example2.pcap")
    shutil.copy(good1, os.path.join(d, "a-good.pcap"))
    with open(os.path.join(d, "b-junk.pcap"), "w") as f:
        f.write("this is not a capture file\n" * 10)
    store = fresh_store(tmp, "watch")
    rc, _, err = ingest(binary, store, "--watch", d, "--once")
    check("a corrupt file among good ones: exit 1 and a message naming it",
          rc == 1 and "b-junk.pcap" in err, f"rc={rc} {err}")
    want1 = totals(flows_of(binary, good1))
    s = query(binary, store, "summary")
    check("... and the good file is stored", (s["bytes"], s["packets"], s["flows"]) == want1, s)

    shutil.copy(good2, os.path.join(d, "c-dropped-while-down.pcap"))
    rc, _, err = ingest(binary, store, "--watch", d, "--once")
    want2 = totals(flows_of(binary, good2))
    s = query(binary, store, "summary")
    check("a file dropped while the process was down is picked up, nothing repeated",
          (s["bytes"], s["packets"], s["flows"]) == tuple(a + b for a, b in zip(want1, want2)),
          f"rc={rc} {s} vs {want1}+{want2} {err}")

    # Follow mode: a capture written in two pieces (cut inside a record) while watched.
    f = os.path.join(tmp, "follow")
    os.makedirs(f)
    data = open(os.path.join(testdata, "pcap", "four_ipv6_http_streams.pcap"), "rb").read()
    want = totals(flows_of(binary, os.path.join(testdata, "pcap", "four_ipv6_http_streams.pcap")))
    store = fresh_store(tmp, "follow")
    proc = subprocess.Popen([binary, "run", "--watch", f, "--idle-timeout", "1s", "--store", store,
                             "--progress", "log", "--retention", KEEP_ALL], env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    target = os.path.join(f, "growing.pcap")
    cut = len(data) // 2 + 3
    with open(target, "wb") as out:
        out.write(data[:cut])
        out.flush()
        # Wait until the follower has opened the file (its progress line names it), then
        # append the rest: the first read ends inside a record.
        seen_lines = []
        while True:
            line = proc.stderr.readline()
            if not line:
                break
            seen_lines.append(line)
            if "growing.pcap" in line:
                break
        check("the follower reports the new file", any("growing.pcap" in l for l in seen_lines),
              "".join(seen_lines))
        out.write(data[cut:])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        s = json.loads(run(binary, "query", "summary", "--store", store, "--json")[1] or "{}")
        if (s.get("bytes"), s.get("packets"), s.get("flows")) == want:
            break
        time.sleep(0.2)  # polling for a condition, with a deadline
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    check("a file appended while watched is read completely",
          (s.get("bytes"), s.get("packets"), s.get("flows")) == want, f"{s} vs {want}; {err}")
    check("SIGTERM stops the follower cleanly (exit 0)", proc.returncode == 0, f"rc={proc.returncode} {err}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowlens", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--seed", type=int, default=20261130)
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(a.testdata, "pcap")):
        print(f"SKIP: no test data at {a.testdata}")
        return 77
    tmp = tempfile.mkdtemp(prefix="flowlens-pipeline-")
    try:
        tests = {"queries": lambda: queries_test(a.flowlens, a.testdata, tmp),
                 "host_daily": lambda: host_daily_test(a.flowlens, tmp),
                 "crash": lambda: crash_test(a.flowlens, tmp, a.seed),
                 "watch": lambda: watch_test(a.flowlens, a.testdata, tmp)}
        for name, fn in tests.items():
            if not a.only or a.only == name:
                print(f"== {name}", flush=True)
                fn()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    failed = results.count(False)
    print(f"{results.count(True)} passed, {failed} failed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
