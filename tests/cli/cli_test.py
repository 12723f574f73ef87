#!/usr/bin/env python3
"""The flowlens command line as a user meets it: exit codes, messages, bad input.

    cli_test.py --flowlens BIN usage              flags, --help, --version, exit code 2
    cli_test.py --flowlens BIN malformed DIR      every file in DIR (testdata/malformed)

Run against the `dev` build, so AddressSanitizer/UBSan reports fail the test: they are
given their own exit codes (86/87), which the test never accepts. Exit 77 = skipped
(no test data). Prints 'N passed, M failed'.
"""
import argparse
import json
import os
import subprocess
import sys

ENV = dict(os.environ,
           ASAN_OPTIONS="exitcode=86:detect_leaks=1",
           UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1")

# Files whose header is unusable or that are not captures: nothing can be read, the
# command must fail with exit code 1 and name the file and the byte offset.
UNREADABLE = {
    "linktype-reserved-field-not-zero.pcap": "reserved",
    "pcap-invalid-version-1.pcap": "version",
    "pcapng-invalid-vers-1.pcapng": "SHB version",
    "shb-option-too-long.pcapng": "option",
    "netflow5_test_invalid01.dat": "not a pcap or pcapng",
    "netflow9_test_invalid01.dat": "not a pcap or pcapng",
}
# Damaged after some packets: exit 1, a message with the offset, and the packets before
# the damage still metered (count from tshark's reading in EXPECTED.tsv).
DAMAGED = {"fuzz-2021-10-13.pcap": 1}

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + detail))


def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True, env=ENV, timeout=120)
    return p.returncode, p.stdout, p.stderr


def usage_tests(binary):
    rc, out, _ = run(binary, "--version")
    check("--version exits 0 and names the program", rc == 0 and out.startswith("flowlens "), out)
    rc, out, _ = run(binary, "--help")
    check("--help lists the commands and exit codes",
          rc == 0 and all(w in out for w in ("inspect", "flows", "generate", "Exit codes")), out)
    for cmd in ("inspect", "flows", "generate"):
        rc, out, _ = run(binary, cmd, "--help")
        check(f"{cmd} --help exits 0", rc == 0 and "Usage" in out, out)
    rc, _, err = run(binary)
    check("no command is a usage error (2)", rc == 2, f"rc={rc} {err}")
    rc, _, err = run(binary, "flows")
    check("flows without -r is a usage error naming --read", rc == 2 and "read" in err, f"rc={rc} {err}")
    rc, _, err = run(binary, "flows", "-r", "x.pcap", "--format", "xml")
    check("an unknown --format is a usage error naming it", rc == 2 and "format" in err, f"rc={rc} {err}")
    rc, _, err = run(binary, "flows", "-r", "x.pcap", "--aggregate", "src_host,colour")
    check("an unknown aggregation key is a usage error naming it", rc == 2 and "colour" in err,
          f"rc={rc} {err}")
    rc, _, err = run(binary, "flows", "-r", "x.pcap", "--local-net", "10.0.0.0/33")
    check("a bad --local-net is a usage error naming it", rc == 2 and "10.0.0.0/33" in err,
          f"rc={rc} {err}")
    rc, _, err = run(binary, "flows", "-r", "/nonexistent/x.pcap")
    check("a missing file exits 1 and names it", rc == 1 and "/nonexistent/x.pcap" in err,
          f"rc={rc} {err}")
    for cmd in (["run"], ["query"], ["query", "timeseries"], ["query", "host-daily"], ["query", "top"],
                ["query", "flows"], ["query", "hosts"], ["query", "summary"]):
        rc, out, _ = run(binary, *cmd, "--help")
        check(f"{' '.join(cmd)} --help exits 0", rc == 0 and "Usage" in out, out)
    bad_run = {
        "--window 7s": (["--window", "7s"], "--window"),
        "--window abc": (["--window", "abc"], "--window"),
        "--allowed-lateness -1s": (["--allowed-lateness", "-1s"], "--allowed-lateness"),
        "--retention colour=1d": (["--retention", "colour=1d"], "--retention"),
        "--retention-size 10XB": (["--retention-size", "10XB"], "--retention-size"),
        "--progress loud": (["--progress", "loud"], "--progress"),
        "two sources": (["-r", "x.pcap", "--watch", "/tmp"], "one source"),
        "--local-net 10.0.0.0/33": (["--local-net", "10.0.0.0/33", "-r", "x.pcap"], "10.0.0.0/33"),
    }
    for name, (args, word) in bad_run.items():
        rc, _, err = run(binary, "run", *args, "--store", "sqlite:///nonexistent-dir-flowlens/x.db")
        check(f"run {name} is a usage error naming it", rc == 2 and word in err, f"rc={rc} {err}")
    rc, _, err = run(binary, "query", "summary", "--store", "sqlite:///nonexistent-dir-flowlens/x.db")
    check("query on a missing store exits 3 and names it", rc == 3 and "nonexistent-dir-flowlens" in err,
          f"rc={rc} {err}")
    rc, _, err = run(binary, "query", "summary", "--store", "mysql://db/x")
    check("query on an unknown store scheme exits 3 and names the URL", rc == 3 and "mysql://db/x" in err,
          f"rc={rc} {err}")


def summary_packets(stderr):
    # "flowlens flows: 1 file(s), 93 packets (...)"
    for line in stderr.splitlines():
        if line.startswith("flowlens flows:") and " packets (" in line:
            return int(line.split(" packets (")[0].rsplit(" ", 1)[1])
    return None


def malformed_tests(binary, folder):
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        rc_f, out_f, err_f = run(binary, "flows", "-r", path, "--format", "jsonl")
        rc_i, out_i, err_i = run(binary, "inspect", "--json", path)
        sanitizer = any(s in e for e in (err_f, err_i)
                        for s in ("AddressSanitizer", "runtime error:", "LeakSanitizer"))
        check(f"{name}: no crash or sanitizer report",
              rc_f in (0, 1) and rc_i in (0, 1) and not sanitizer,
              f"flows rc={rc_f} inspect rc={rc_i}\n{err_f}\n{err_i}")
        if name in UNREADABLE:
            word = UNREADABLE[name]
            check(f"{name}: refused with file, offset and reason",
                  rc_f == 1 and rc_i == 1 and name in err_f and "byte offset" in err_f
                  and word in err_f and out_f == "", f"rc={rc_f}/{rc_i} {err_f}")
            info = json.loads(out_i.splitlines()[0]) if out_i else {}
            check(f"{name}: inspect --json carries the error", "error" in info, out_i)
        elif name in DAMAGED:
            check(f"{name}: damage reported with its offset, earlier packets kept",
                  rc_f == 1 and "byte offset" in err_f and summary_packets(err_f) == DAMAGED[name],
                  f"rc={rc_f} {err_f}")
        else:
            info = json.loads(out_i.splitlines()[0])
            check(f"{name}: read whole, every packet reaches the meter",
                  rc_f == 0 and rc_i == 0 and summary_packets(err_f) == info.get("packets"),
                  f"rc={rc_f}/{rc_i} flows={summary_packets(err_f)} inspect={info.get('packets')}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowlens", required=True)
    ap.add_argument("suite", choices=["usage", "malformed"])
    ap.add_argument("folder", nargs="?")
    a = ap.parse_args()
    if a.suite == "usage":
        usage_tests(a.flowlens)
    else:
        if not a.folder or not os.path.isdir(a.folder):
            print(f"SKIP: test data folder {a.folder} is absent")
            return 77
        malformed_tests(a.flowlens, a.folder)
    failed = results.count(False)
    print(f"{results.count(True)} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
