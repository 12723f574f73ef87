#!/usr/bin/env python3
"""Flowlens against its peers on the same synthetic captures: a script, not a test.

Builds the `release` preset, writes synthetic pcaps with `flowlens generate` into
bench/out/ (reused while their parameters do not change), then times each tool on each
file (wall clock, best of N runs, the file read once beforehand so every run finds it
in the page cache) and prints a table: tool, file, packets, seconds, Mpps, CPU seconds,
peak RSS, packets the tool accounted for, and how many times faster flowlens is.

    bench/compare.py                 full run (20 M packets per 64-byte file; minutes)
    bench/compare.py --quick         small files: checks the script itself in ~1 minute
    bench/compare.py --packets 30M --runs 5 --tools flowlens,libpcap

See bench/README.md for what each figure means and how pmacctd's sleeps are handled.
Python 3 standard library only.
"""

import argparse
import dataclasses
import datetime
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

# pmacctd (1.7.7, savefile mode) sleeps 2 s before reading, so plugins can start
# (pcap_savefile_delay replaces those 2 s when set), and 2 s after the last packet
# before it signals the plugins to purge (signals.c, "XXX: we should really choose an
# adaptive value here"). Neither is work; both are subtracted from its wall time.
PMACCTD_END_SLEEP_S = 2.0
PMACCTD_START_SLEEP_S = 2.0
# pmacct's print cache is a chained hash: print_cache_entries counts buckets, not a
# limit on flows (checked: 300 k flows in 131071 buckets, all in one final purge). Each
# bucket costs ~4 KB up front, and the plugin must finish allocating before the core
# starts reading or packets are silently lost (524287 buckets without a longer delay:
# 0 packets accounted). So the default stays at the recipe's 131071.
PMACCTD_DEFAULT_BUCKETS = 131071
PMACCTD_BUCKET_BYTES = 4048


def log(message):
    print(f"[compare] {message}", file=sys.stderr, flush=True)


def count_arg(text):
    """'20M', '50k', '1G' or a plain integer (decimal multipliers, like flowlens)."""
    text = str(text).strip()
    multipliers = {"k": 10**3, "K": 10**3, "m": 10**6, "M": 10**6, "g": 10**9, "G": 10**9}
    if text and text[-1] in multipliers:
        return int(text[:-1]) * multipliers[text[-1]]
    return int(text)


def count_label(n):
    for unit, size in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


@dataclasses.dataclass
class Dataset:
    name: str
    profile: str
    packets: int
    flows: int
    seed: int = 1

    @property
    def path(self):
        return OUT / f"{self.name}.pcap"

    def generate_args(self):
        return ["--profile", self.profile, "--packets", str(self.packets),
                "--flows", str(self.flows), "--seed", str(self.seed)]

    def prefix(self, packets):
        """The first `packets` packets of this file: the generator's output does not
        depend on the total count, so a shorter run with the same options is a prefix."""
        return Dataset(f"{self.name}-first{count_label(packets)}", self.profile,
                       min(packets, self.packets), self.flows, self.seed)


@dataclasses.dataclass
class Run:
    seconds: float          # wall clock minus known built-in sleeps
    raw_seconds: float      # wall clock as measured
    cpu_seconds: float      # user + system of the tool and its waited-for children
    max_rss_kb: int
    returncode: int
    accounted: object = None  # packets the tool's output accounts for, or None
    note: str = ""


@dataclasses.dataclass
class Result:
    tool: str
    dataset: Dataset
    packets: int
    status: str
    best: Run = None
    runs: int = 0
    note: str = ""

    @property
    def mpps(self):
        if self.best is None or self.best.seconds <= 0:
            return None
        return self.packets / self.best.seconds / 1e6


def run_timed(cmd, cwd=None, stdout=subprocess.DEVNULL, log_path=None):
    """Runs cmd, returns (wall seconds, rusage, returncode). os.wait4 gives the same
    figures as /usr/bin/time -v (GNU time uses wait4 too) without another process."""
    stderr = open(log_path, "wb") if log_path else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log_path:
            stderr.close()
    return wall, usage, proc.returncode


def tail(path, lines=3):
    try:
        text = Path(path).read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


class Tool:
    name = ""
    binary = ""
    peer = True  # slow peers get --peer-runs runs

    def available(self):
        return shutil.which(self.binary) is not None

    def input_for(self, dataset, args):
        return dataset

    def prepare(self, dataset, workdir):
        """Returns the command to time; may write config files into workdir."""
        raise NotImplementedError

    def sleeps(self):
        return 0.0

    def accounted(self, dataset, workdir, stdout_path):
        return None

    def version(self):
        return ""


class Flowlens(Tool):
    name = "flowlens"
    peer = False

    def __init__(self, binary):
        self.binary = str(binary)

    def available(self):
        return Path(self.binary).is_file() and os.access(self.binary, os.X_OK)

    def prepare(self, dataset, workdir):
        return [self.binary, "flows", "-r", str(dataset.path), "--format", "csv",
                "-o", "/dev/null"]

    def accounted(self, dataset, workdir, stdout_path):
        """One untimed extra run writing the CSV to a file: the sum of its `packets`
        column (pmacct's field names). Done once per file."""
        cached = getattr(self, "_accounted", {})
        self._accounted = cached
        if dataset.name not in cached:
            csv_path = workdir / "flows.csv"
            rc = subprocess.run([self.binary, "flows", "-r", str(dataset.path), "--format",
                                 "csv", "-o", str(csv_path)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL).returncode
            cached[dataset.name] = sum_csv_column(csv_path, "packets") if rc == 0 else None
            csv_path.unlink(missing_ok=True)
        return cached[dataset.name]

    def version(self):
        return first_line([self.binary, "--version"])


class LibpcapLoop(Tool):
    name = "libpcap-loop"
    peer = False

    def __init__(self, binary):
        self.binary = str(binary)

    def available(self):
        return Path(self.binary).is_file()

    def prepare(self, dataset, workdir):
        return [self.binary, str(dataset.path)]

    def accounted(self, dataset, workdir, stdout_path):
        for field in Path(stdout_path).read_text().split():
            if field.startswith("packets="):
                return int(field.split("=", 1)[1])
        return None


class Pmacctd(Tool):
    name = "pmacctd"
    binary = "pmacctd"

    def __init__(self, buckets):
        self.buckets = buckets
        # A bigger cache needs time to be allocated before the core starts reading
        # (see PMACCTD_BUCKET_BYTES); allow ~1 GB/s plus a margin.
        extra = buckets * PMACCTD_BUCKET_BYTES / 1e9
        self.start_delay = 0 if buckets <= PMACCTD_DEFAULT_BUCKETS else int(math.ceil(2 + 2 * extra))

    def prepare(self, dataset, workdir):
        config = workdir / "pmacctd.conf"
        lines = [
            "daemonize: false",
            f"pcap_savefile: {dataset.path}",
            "plugins: print[p]",
            "aggregate[p]: src_host, dst_host, src_port, dst_port, proto",
            "print_output[p]: csv",
            f"print_output_file[p]: {workdir / 'flows.csv'}",
            "print_output_file_append[p]: true",
            # Longer than any replay: a purge during the replay corrupts 1.7.7's savefile
            # position (RECIPES.md); the one purge happens at exit.
            "print_refresh_time[p]: 86400",
            f"print_cache_entries[p]: {self.buckets}",
            # The core sleeps 1 ms after each plugin buffer it hands over when reading
            # a savefile (plugin_hooks.c); with the default small buffers that sleep
            # caps pmacctd near 20 k packets/s. 4 MiB buffers make it negligible.
            "plugin_buffer_size[p]: 4194304",
            "plugin_pipe_size[p]: 268435456",
            f"logfile: {workdir / 'pmacctd.log'}",
        ]
        if self.start_delay:
            lines.append(f"pcap_savefile_delay: {self.start_delay}")
        config.write_text("\n".join(lines) + "\n")
        return ["pmacctd", "-f", str(config)]

    def sleeps(self):
        return (self.start_delay or PMACCTD_START_SLEEP_S) + PMACCTD_END_SLEEP_S

    def accounted(self, dataset, workdir, stdout_path):
        flows = workdir / "flows.csv"
        return sum_csv_column(flows, "PACKETS") if flows.exists() else 0

    def version(self):
        return first_line(["pmacctd", "-V"])


class Nfpcapd(Tool):
    name = "nfpcapd"
    binary = "nfpcapd"

    def prepare(self, dataset, workdir):
        flowdir = workdir / "nfcapd"
        flowdir.mkdir()
        # -B: node cache (default 524288 nodes); every flow of our files stays active
        # for the whole replay, so give it room for all of them.
        nodes = max(524288, 1 << math.ceil(math.log2(dataset.flows * 1.25)))
        return ["nfpcapd", "-r", str(dataset.path), "-w", str(flowdir), "-B", str(nodes)]

    def accounted(self, dataset, workdir, stdout_path):
        if not shutil.which("nfdump"):
            return None
        out = subprocess.run(["nfdump", "-R", str(workdir / "nfcapd"), "-I"],
                             capture_output=True, text=True)
        for line in out.stdout.splitlines():
            if line.startswith("Packets:"):
                return int(line.split(":", 1)[1])
        return None

    def version(self):
        return first_line(["nfpcapd", "-V"])


class TsharkJson(Tool):
    name = "tshark-json"
    binary = "tshark"

    def input_for(self, dataset, args):
        return dataset.prefix(args.tshark_packets)

    def prepare(self, dataset, workdir):
        return ["tshark", "-r", str(dataset.path), "-T", "json"]

    def version(self):
        return first_line(["tshark", "--version"])


def sum_csv_column(path, name):
    """Sums column `name` of a CSV file whose header line may repeat (pmacct appends one
    per purge). Returns None if the column never appears."""
    total = None
    column = None
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split(",")
            if name in fields:
                column = fields.index(name)
                total = total or 0
                continue
            if column is not None and len(fields) > column and fields[column].isdigit():
                total += int(fields[column])
    return total


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].strip() if text else ""


def build_release(args):
    if args.flowlens:
        return Path(args.flowlens).resolve()
    binary = ROOT / "build" / "release" / "src" / "app" / "flowlens"
    if args.skip_build:
        return binary
    jobs = str(min(2, os.cpu_count() or 1))
    log("building the release preset (target flowlens)")
    steps = [["cmake", "--preset", "release"],
             ["cmake", "--build", "--preset", "release", "--target", "flowlens", "-j", jobs]]
    for step in steps:
        if subprocess.run(step, cwd=ROOT, stdout=subprocess.DEVNULL).returncode != 0:
            sys.exit(f"[compare] build step failed: {' '.join(step)}")
    return binary


def build_baseline():
    source = ROOT / "bench" / "pcap_read_loop.c"
    binary = OUT / "pcap_read_loop"
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        log("no C compiler: skipping the libpcap baseline")
        return None
    if binary.exists() and binary.stat().st_mtime >= source.stat().st_mtime:
        return binary
    rc = subprocess.run([cc, "-O2", "-o", str(binary), str(source), "-lpcap"]).returncode
    return binary if rc == 0 else None


def ensure_dataset(flowlens, dataset):
    """Generates dataset.path unless a file with the same parameters is already there."""
    params = dataset.path.with_suffix(".params")
    wanted = " ".join(dataset.generate_args())
    if dataset.path.exists() and params.exists() and params.read_text().strip() == wanted:
        return True
    log(f"generating {dataset.path.name}: {wanted}")
    tmp = dataset.path.with_suffix(".pcap.tmp")
    rc = subprocess.run([str(flowlens), "generate", *dataset.generate_args(), "--progress",
                         "-w", str(tmp)]).returncode
    if rc != 0:
        log(f"flowlens generate failed (exit {rc}) for {dataset.name}")
        return False
    tmp.rename(dataset.path)
    params.write_text(wanted + "\n")
    return True


def warm_page_cache(path):
    with open(path, "rb", buffering=0) as f:
        while f.read(8 << 20):
            pass


def measure(tool, dataset, runs):
    best = None
    failure = None
    for index in range(runs):
        workdir = OUT / "work" / f"{tool.name}-{dataset.name}"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        cmd = tool.prepare(dataset, workdir)
        stdout_path = workdir / "stdout"
        with open(stdout_path, "wb") as stdout:
            # tshark's JSON goes to /dev/null; only small outputs are kept for checks.
            sink = subprocess.DEVNULL if isinstance(tool, TsharkJson) else stdout
            wall, usage, rc = run_timed(cmd, cwd=workdir, stdout=sink,
                                        log_path=workdir / "stderr")
        run = Run(seconds=max(wall - tool.sleeps(), 1e-9), raw_seconds=wall,
                  cpu_seconds=usage.ru_utime + usage.ru_stime, max_rss_kb=usage.ru_maxrss,
                  returncode=rc)
        if rc != 0:
            how = f"exit {rc}"
            if rc < 0:
                how = f"killed by signal {-rc} ({signal.Signals(-rc).name})"
            failure = Run(**{**dataclasses.asdict(run),
                             "note": f"{how}: {tail(workdir / 'stderr')}"})
            log(f"  {tool.name} on {dataset.name}: FAILED, {failure.note[:300]}")
            break
        run.accounted = tool.accounted(dataset, workdir, stdout_path)
        log(f"  {tool.name} on {dataset.name} run {index + 1}/{runs}: {run.seconds:.2f} s"
            + (f" (wall {wall:.2f} s, {tool.sleeps():.0f} s of sleeps subtracted)"
               if tool.sleeps() else "")
            + (f", accounted {run.accounted} packets" if run.accounted is not None else ""))
        if best is None or run.seconds < best.seconds:
            best = run
    if failure is not None:
        return Result(tool.name, dataset, dataset.packets, "FAILED", best=None,
                      note=failure.note)
    status = "ok"
    note = ""
    if best.accounted is not None and best.accounted != dataset.packets:
        status = "LOST"
        note = f"accounted {best.accounted} of {dataset.packets} packets"
    return Result(tool.name, dataset, dataset.packets, status, best=best, runs=runs, note=note)


def format_table(results):
    flowlens_mpps = {r.dataset.name: r.mpps for r in results
                     if r.tool == "flowlens" and r.status == "ok"}
    header = ["tool", "file", "flows", "packets", "seconds", "Mpps", "CPU s", "max RSS MB",
              "accounted", "flowlens / tool", "status"]
    rows = []
    for r in results:
        base = r.dataset.name.split("-first")[0]
        fl = flowlens_mpps.get(base)
        ratio = ""
        # A run that lost packets has no meaningful rate to compare against.
        if r.tool != "flowlens" and r.status == "ok" and fl and r.mpps:
            ratio = f"{fl / r.mpps:.1f}x"
        b = r.best
        rows.append([
            r.tool, r.dataset.path.name, count_label(r.dataset.flows), f"{r.packets:,}",
            f"{b.seconds:.3f}" if b else "-",
            f"{r.mpps:.3f}" if r.mpps else "-",
            f"{b.cpu_seconds:.2f}" if b else "-",
            f"{b.max_rss_kb / 1024:.0f}" if b else "-",
            f"{b.accounted:,}" if b and b.accounted is not None else "-",
            ratio,
            r.status + (f": {r.note[:60]}" if r.note else ""),
        ])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="small files (300k packets, 50k and 300k flows) to check the script")
    parser.add_argument("--packets", type=count_arg,
                        help="packets in each 64-byte file (default 20M, quick 300k)")
    parser.add_argument("--imix-packets", type=count_arg,
                        help="packets in the IMIX file (default 5M = 1.9 GB, quick 100k)")
    parser.add_argument("--large-flows", type=count_arg,
                        help="flows in the second 64-byte file (default 2M, quick 300k)")
    parser.add_argument("--tshark-packets", type=count_arg,
                        help="tshark reads only this prefix of each file (default 200k, quick 5k)")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of flowlens and the libpcap loop; the best counts (default 3)")
    parser.add_argument("--peer-runs", type=int, default=1,
                        help="runs of pmacctd, nfpcapd and tshark (default 1: they take minutes)")
    parser.add_argument("--tools", default="flowlens,libpcap,pmacctd,nfpcapd,tshark",
                        help="comma-separated subset of flowlens,libpcap,pmacctd,nfpcapd,tshark")
    parser.add_argument("--files", default="",
                        help="comma-separated subset of the file names (e.g. 64b-50k-20M)")
    parser.add_argument("--pmacctd-buckets", type=count_arg, default=PMACCTD_DEFAULT_BUCKETS,
                        help="pmacctd print_cache_entries (default 131071; see README)")
    parser.add_argument("--skip-build", action="store_true", help="use the existing release build")
    parser.add_argument("--flowlens", help="use this flowlens binary instead of building one")
    args = parser.parse_args()

    packets = args.packets or (300_000 if args.quick else 20_000_000)
    imix_packets = args.imix_packets or (100_000 if args.quick else 5_000_000)
    large_flows = args.large_flows or (300_000 if args.quick else 2_000_000)
    args.tshark_packets = args.tshark_packets or (5_000 if args.quick else 200_000)
    small_flows = 50_000

    OUT.mkdir(parents=True, exist_ok=True)
    flowlens = build_release(args)
    if not Path(flowlens).is_file():
        sys.exit(f"[compare] no flowlens binary at {flowlens}")

    datasets = [
        Dataset(f"64b-{count_label(small_flows)}-{count_label(packets)}", "64b", packets, small_flows),
        Dataset(f"64b-{count_label(large_flows)}-{count_label(packets)}", "64b", packets, large_flows),
        Dataset(f"imix-{count_label(small_flows)}-{count_label(imix_packets)}", "imix",
                imix_packets, small_flows),
    ]
    if args.files:
        wanted = set(args.files.split(","))
        datasets = [d for d in datasets if d.name in wanted]

    wanted_tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    tools = []
    for name in wanted_tools:
        if name == "flowlens":
            tools.append(Flowlens(flowlens))
        elif name == "libpcap":
            baseline = build_baseline()
            if baseline:
                tools.append(LibpcapLoop(baseline))
        elif name == "pmacctd":
            tools.append(Pmacctd(args.pmacctd_buckets))
        elif name == "nfpcapd":
            tools.append(Nfpcapd())
        elif name == "tshark":
            tools.append(TsharkJson())
        else:
            sys.exit(f"[compare] unknown tool {name!r}")

    load = os.getloadavg()
    context = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "host": f"{platform.node()}, {os.cpu_count()} CPUs, {platform.machine()}",
        "load_average_at_start": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        "commit": first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "versions": {t.name: t.version() for t in tools if t.available() and t.version()},
    }
    if load[0] > 1.0:
        log(f"WARNING: load average {load[0]:.1f}: other work is running; figures will be low")

    results = []
    for dataset in datasets:
        if not ensure_dataset(flowlens, dataset):
            continue
        for tool in tools:
            input_dataset = tool.input_for(dataset, args)
            if not tool.available():
                results.append(Result(tool.name, input_dataset, input_dataset.packets,
                                      "skipped", note=f"{tool.binary} not installed"))
                continue
            if input_dataset is not dataset and not ensure_dataset(flowlens, input_dataset):
                continue
            warm_page_cache(input_dataset.path)
            runs = args.peer_runs if tool.peer else args.runs
            results.append(measure(tool, input_dataset, runs))

    table = format_table(results)
    notes = [
        f"- {context['date']}, {context['host']}, load average at start "
        f"{context['load_average_at_start']}, commit {context['commit']}",
        f"- seconds: best wall clock of {args.runs} runs (flowlens, libpcap-loop) or "
        f"{args.peer_runs} (peers), file already in the page cache; pmacctd's built-in "
        "sleeps (2 s before reading or pcap_savefile_delay, 2 s after) are subtracted",
        f"- tshark-json reads only the first {args.tshark_packets:,} packets of each file "
        "(same generator options, fewer packets: an exact prefix); its ratio compares rates",
        "- CPU s: user + system of the tool and its children; max RSS: largest process",
        "- accounted: packets in the tool's output (CSV of flowlens and pmacctd, nfdump -I, the loop's count)",
    ]
    for name, version in context["versions"].items():
        notes.append(f"- {name}: {version}")
    print(table)
    print()
    print("\n".join(notes))

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"results-{stamp}.md").write_text(table + "\n\n" + "\n".join(notes) + "\n")
    (OUT / f"results-{stamp}.json").write_text(json.dumps({
        "context": context,
        "results": [{
            "tool": r.tool, "file": r.dataset.path.name, "profile": r.dataset.profile,
            "flows": r.dataset.flows, "packets": r.packets, "status": r.status, "note": r.note,
            "seconds": r.best.seconds if r.best else None,
            "raw_seconds": r.best.raw_seconds if r.best else None,
            "mpps": r.mpps, "cpu_seconds": r.best.cpu_seconds if r.best else None,
            "max_rss_kb": r.best.max_rss_kb if r.best else None,
            "accounted": r.best.accounted if r.best else None,
        } for r in results]}, indent=2) + "\n")
    log(f"results written to {OUT}/results-{stamp}.md and .json")
    return 0 if all(r.status in ("ok", "skipped") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
