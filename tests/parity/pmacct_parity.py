#!/usr/bin/env python3
"""pmacct parity: `flowlens flows` against pmacctd 1.7.7 on every shared capture.

For every file in TESTDATA/pcap and TESTDATA/pcapng, runs pmacctd (pcap_savefile + print
plugin, JSON, aggregate src_host, dst_host, src_port, dst_port, proto) and
`flowlens flows` with the same aggregation and no timeouts, sums packets and bytes per
5-tuple on both sides and requires them to be identical.

Files where pmacctd cannot be the reference are listed in TSHARK_REFERENCE with the
reason (reviewed; see tests/parity/README.md). For those, flowlens must equal per-key sums
computed here from `tshark -T fields` (outermost IP header: IPv4 total length or IPv6
payload length + 40, TCP/UDP ports directly after it), and every key pmacctd does report
must still match flowlens exactly.

Exit status: 0 parity, 1 differences (printed), 77 skipped (no test data / no pmacctd /
no tshark), which CTest reports as skipped. Standard library only.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Reviewed exceptions: pmacctd is not the reference for these files, tshark is.
TSHARK_REFERENCE = {
    "pcap/LINKTYPE_IPV4.pcap": "pmacctd 1.7.7 has no handler for link type 228 (raw IPv4): no output",
    "pcap/LINKTYPE_IPV6.pcap": "pmacctd 1.7.7 has no handler for link type 229 (raw IPv6): no output",
    "pcap/linux_dlt_sll2.pcap": "pmacctd 1.7.7 has no handler for Linux SLL2 (276): no output",
    "pcap/quic_handshake.pcap": "NULL/loopback with BSD AF_INET6 (30): pmacctd only reads family 2",
    "pcap/quic_handshake_truncated.pcap": "as quic_handshake.pcap (BSD AF_INET6 loopback)",
    "pcap/null_loopback.pcap": "pmacctd reads only the AF_INET (2) frame of NULL/loopback; "
                               "the IPv6 (BSD family 30) and the ethertype-framed IPv4 "
                               "frame give nothing",
    "pcap/MplsPackets.pcap": "frame 2 is Ethernet over an MPLS pseudowire (control word, "
                             "inner Ethernet + VLAN + IPv4/ICMP); pmacctd stops at the "
                             "pseudowire, flowlens meters the inner IP header",
    "pcap/tcpreplay-test.pcap": "10 frames are Ethernet over an MPLS pseudowire (inner "
                                "VLAN + IPv4/ICMP 192.168.1.1<->192.168.1.2); pmacctd does "
                                "not decode them (see MplsPackets.pcap)",
    "pcapng/many_interfaces-1.pcapng": "11 interfaces with three link types (Ethernet, NULL, "
                                       "raw 12): pmacctd (libpcap reads pcapng with one link "
                                       "type only) gives no output",
    "pcapng/pcapng-example.pcapng": "interfaces with two link types (Ethernet, SLL): "
                                    "pmacctd reports the Ethernet interface's flows only "
                                    "(those match flowlens exactly)",
    "pcapng/synthetic-le-test006-two-linktypes.pcapng": "two link types (Ethernet, NULL): "
                                                        "pmacctd gives no output",
    "pcapng/synthetic-le-test202-multisection.pcapng": "three sections of both byte orders, "
                                                       "Ethernet + NULL: pmacctd gives no output",
}

PMACCT_CONFIG = """daemonize: false
pcap_savefile: {capture}
plugins: print[p]
aggregate[p]: src_host, dst_host, src_port, dst_port, proto
print_output[p]: json
print_output_file[p]: {out}
! longer than any replay: pmacctd 1.7.7 stops early when a purge happens mid-replay
print_refresh_time[p]: 3600
! small cache: a large one (131071 entries, 500 MB) takes the print plugin longer to
! initialise than pmacctd's 2 s start-up sleep when several run at once, and the
! packets are lost (QN 0/0)
print_cache_entries[p]: 16411
logfile: {log}
"""

PROTO_NAMES = {1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 47: "gre", 58: "ipv6-icmp",
               88: "eigrp", 132: "sctp", 50: "esp", 51: "ah", 89: "ospf", 103: "pim",
               112: "vrrp", 41: "ipv6", 4: "ipencap"}


def key_of(obj):
    return (obj.get("ip_src"), obj.get("ip_dst"), obj.get("port_src", 0),
            obj.get("port_dst", 0), obj.get("ip_proto"))


def sums_from_json_lines(text):
    sums = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        obj = json.loads(line)
        k = key_of(obj)
        p, b = sums.get(k, (0, 0))
        sums[k] = (p + obj["packets"], b + obj["bytes"])
    return sums


def run_pmacctd(capture, workdir):
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(workdir, "flows.json")
    log = os.path.join(workdir, "pmacctd.log")
    for path in (out, log):
        if os.path.exists(path):
            os.remove(path)
    conf = os.path.join(workdir, "pmacctd.conf")
    with open(conf, "w") as f:
        f.write(PMACCT_CONFIG.format(capture=capture, out=out, log=log))
    subprocess.run(["pmacctd", "-f", conf], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120, check=False)
    if not os.path.exists(out):
        return {}
    with open(out) as f:
        return sums_from_json_lines(f.read())


def run_flowlens(flowlens, capture):
    r = subprocess.run([flowlens, "flows", "-r", capture, "--aggregate",
                        "src_host,dst_host,src_port,dst_port,proto",
                        "--inactive-timeout", "0", "--active-timeout", "0"],
                       capture_output=True, text=True, timeout=300, check=False)
    return sums_from_json_lines(r.stdout), r.returncode, r.stderr.strip()


def first(field):
    return field.split(",")[0] if field else ""


def tshark_sums(capture):
    """Per-5-tuple sums from tshark, keyed on the outermost IP header like pmacct."""
    fields = ["frame.protocols", "ip.src", "ip.dst", "ip.len", "ip.proto", "ipv6.src",
              "ipv6.dst", "ipv6.plen", "ipv6.nxt", "tcp.srcport", "tcp.dstport",
              "udp.srcport", "udp.dstport"]
    cmd = ["tshark", "-n", "-r", capture, "-o", "ip.defragment:FALSE",
           "-o", "ipv6.defragment:FALSE", "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    sums = {}
    for line in r.stdout.splitlines():
        v = dict(zip(fields, line.split("\t")))
        layers = v.get("frame.protocols", "").split(":")
        outer = next((i for i, p in enumerate(layers) if p in ("ip", "ipv6")), None)
        if outer is None:
            continue
        if layers[outer] == "ip":
            if not v.get("ip.len"):
                continue
            src, dst = first(v["ip.src"]), first(v["ip.dst"])
            length = int(first(v["ip.len"]))
            proto = int(first(v["ip.proto"]))
        else:
            if not v.get("ipv6.plen"):
                continue
            src, dst = first(v["ipv6.src"]), first(v["ipv6.dst"])
            length = int(first(v["ipv6.plen"])) + 40
            nxt = [int(x) for x in v["ipv6.nxt"].split(",") if x]
            after = [p for p in layers[outer + 1:] if not p.startswith("ipv6.")]
            proto = {"tcp": 6, "udp": 17, "icmpv6": 58}.get(after[0] if after else "",
                                                             nxt[-1] if nxt else 0)
        nxt_layers = [p for p in layers[outer + 1:] if not p.startswith("ipv6.")]
        direct = nxt_layers[0] if nxt_layers else ""
        sport = dport = 0
        if proto == 6 and direct == "tcp" and v.get("tcp.srcport"):
            sport, dport = int(first(v["tcp.srcport"])), int(first(v["tcp.dstport"]))
        elif proto == 17 and direct == "udp" and v.get("udp.srcport"):
            sport, dport = int(first(v["udp.srcport"])), int(first(v["udp.dstport"]))
        k = (src, dst, sport, dport, PROTO_NAMES.get(proto, str(proto)))
        p, b = sums.get(k, (0, 0))
        sums[k] = (p + 1, b + length)
    return sums


def differences(expected, got):
    return sorted(((k, expected.get(k), got.get(k)) for k in set(expected) | set(got)
                   if expected.get(k) != got.get(k)), key=str)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flowlens", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--keep", help="keep pmacctd outputs in this directory")
    args = ap.parse_args()

    if not os.path.isdir(os.path.join(args.testdata, "pcap")):
        print(f"SKIP: test data not found at {args.testdata}")
        return 77
    for tool in ("pmacctd", "tshark"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not installed (scripts/install-deps.sh installs it)")
            return 77

    files = []
    for sub in ("pcap", "pcapng"):
        d = os.path.join(args.testdata, sub)
        files += [f"{sub}/{n}" for n in sorted(os.listdir(d))]
    stale = set(TSHARK_REFERENCE) - set(files)
    work = args.keep or tempfile.mkdtemp(prefix="pmacct_parity.")

    def pmacct_job(rel):
        return rel, run_pmacctd(os.path.join(args.testdata, rel),
                                os.path.join(work, rel.replace("/", "_")))

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        pmacct = dict(pool.map(pmacct_job, files))

    failures = 0
    for rel in files:
        capture = os.path.join(args.testdata, rel)
        mine, rc, summary = run_flowlens(args.flowlens, capture)
        if rc not in (0, 1):
            print(f"FAIL {rel}: flowlens exit code {rc}: {summary}")
            failures += 1
            continue
        if rel in TSHARK_REFERENCE:
            ref = tshark_sums(capture)
            diff = differences(ref, mine)
            # Whatever pmacctd does report must still agree.
            partial = [(k, v, mine.get(k)) for k, v in pmacct[rel].items() if mine.get(k) != v]
            status = "ok" if not diff and not partial else "FAIL"
            print(f"{status:4} {rel}: {len(mine)} keys vs tshark {len(ref)}, pmacctd "
                  f"{len(pmacct[rel])} (exception: {TSHARK_REFERENCE[rel]})")
            for k, want, got in diff[:20]:
                print(f"     tshark {k}: expected {want}, flowlens {got}")
            for k, want, got in partial[:20]:
                print(f"     pmacctd {k}: expected {want}, flowlens {got}")
            failures += status != "ok"
            continue
        ref = pmacct[rel]
        diff = differences(ref, mine)
        if diff:
            # pmacctd is timing-sensitive when several run at once: confirm alone.
            ref = run_pmacctd(capture, os.path.join(work, rel.replace("/", "_") + ".rerun"))
            diff = differences(ref, mine)
        status = "ok" if not diff else "FAIL"
        packets = sum(p for p, _ in mine.values())
        print(f"{status:4} {rel}: {len(mine)} keys, {packets} packets, pmacctd {len(ref)} keys")
        for k, want, got in diff[:20]:
            print(f"     pmacctd {k}: expected {want}, flowlens {got}")
        failures += status != "ok"

    if stale:
        print(f"FAIL exception list names files that are not in the test data: {sorted(stale)}")
        failures += 1
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(files)} files, {failures} with unexplained differences")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
