#!/usr/bin/env python3
"""Seeds for the flow-export fuzz targets: UDP payloads of the classic-pcap Ethernet captures
given (IPv4/IPv6, optional 802.1Q) and raw .dat payloads (netflow5.dat split into its
datagrams), sorted by family into OUT_DIR/{netflow_v5,netflow_v9_ipfix,sflow}/.

  extract_flow_seeds.py OUT_DIR FILE_OR_DIR...
"""
import hashlib
import os
import struct
import sys


def pcap_frames(data):
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
              b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(data[:4])
    if endian is None or len(data) < 24:
        return
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        off += 16
        if caplen > len(data) - off:
            return
        yield data[off:off + caplen]
        off += caplen


def udp_payload(frame):
    if len(frame) < 14:
        return None
    etype, off = struct.unpack(">H", frame[12:14])[0], 14
    if etype == 0x8100 and len(frame) >= 18:
        etype, off = struct.unpack(">H", frame[16:18])[0], 18
    if etype == 0x0800 and len(frame) >= off + 20 and frame[off + 9] == 17:
        off += (frame[off] & 0x0F) * 4
    elif etype == 0x86DD and len(frame) >= off + 40 and frame[off + 6] == 17:
        off += 40
    else:
        return None
    return frame[off + 8:] if len(frame) >= off + 8 else None


def family(payload):
    if len(payload) >= 4 and payload[:4] == b"\x00\x00\x00\x05":
        return "sflow"
    if len(payload) >= 2 and payload[:2] == b"\x00\x05":
        return "netflow_v5"
    if len(payload) >= 2 and payload[:2] in (b"\x00\x09", b"\x00\x0a"):
        return "netflow_v9_ipfix"
    return None


def payloads(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".dat"):
        if os.path.basename(path) == "netflow5.dat":
            off = 0
            while off + 24 <= len(data):
                n = 24 + 48 * struct.unpack(">H", data[off + 2:off + 4])[0]
                yield data[off:off + n]
                off += n
        else:
            yield data
        return
    for frame in pcap_frames(data):
        p = udp_payload(frame)
        if p:
            yield p


def main():
    out = sys.argv[1]
    files = []
    for arg in sys.argv[2:]:
        if os.path.isdir(arg):
            files += [os.path.join(arg, n) for n in sorted(os.listdir(arg))]
        elif os.path.exists(arg):
            files.append(arg)
    for path in files:
        if not (path.endswith(".pcap") or path.endswith(".dat")):
            continue
        for p in payloads(path):
            fam = family(p)
            if fam is None:
                continue
            os.makedirs(os.path.join(out, fam), exist_ok=True)
            name = hashlib.sha1(p).hexdigest()[:16]
            with open(os.path.join(out, fam, name), "wb") as f:
                f.write(p)


if __name__ == "__main__":
    main()
