#!/usr/bin/env python3
"""Cuts frames out of pcap/pcapng captures into seed files for packet_decoder_fuzzer.

Each seed is one byte choosing the link type (index into kFuzzLinkTypes in
src/decode/packet/tests/fuzz_input.h) followed by the captured frame. Plain struct
parsing; pcapng EPB/SPB with per-interface link types; duplicates are dropped.

  extract_fuzz_seeds.py OUT_DIR CAPTURE_OR_DIR...
"""
import hashlib
import os
import struct
import sys

# Must match kFuzzLinkTypes (first index of each link type).
LINK_INDEX = {1: 0, 113: 3, 276: 4, 101: 5, 12: 6, 14: 7, 228: 8, 229: 9, 0: 10, 108: 11}
MAX_PER_FILE = 300


def pcap_frames(data):
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
              b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None or len(data) < 24:
        return
    link = struct.unpack(endian + "I", data[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        off += 16
        if caplen > len(data) - off:
            return
        yield link, data[off:off + caplen]
        off += caplen


def pcapng_frames(data):
    off, endian, links = 0, "<", []
    while off + 12 <= len(data):
        btype = struct.unpack(endian + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            endian = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack(endian + "I", data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 2:
            links.append(struct.unpack(endian + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            iface, _, _, caplen = struct.unpack(endian + "IIII", body[:16])
            if iface < len(links):
                yield links[iface], body[20:20 + caplen]
        elif btype == 3 and len(body) >= 4 and links:
            yield links[0], body[4:]
        off += blen


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return pcapng_frames(data)
    return pcap_frames(data)


def main():
    out_dir, inputs = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for item in inputs:
        if os.path.isdir(item):
            paths += [os.path.join(item, n) for n in sorted(os.listdir(item))]
        else:
            paths.append(item)
    written = 0
    for path in paths:
        count = 0
        try:
            for link, frame in frames(path):
                if link not in LINK_INDEX or count >= MAX_PER_FILE:
                    continue
                seed = bytes([LINK_INDEX[link]]) + frame
                name = hashlib.sha1(seed).hexdigest()
                target = os.path.join(out_dir, name)
                if not os.path.exists(target):
                    with open(target, "wb") as f:
                        f.write(seed)
                    written += 1
                count += 1
        except (OSError, struct.error):
            continue
    print(f"{written} seeds written to {out_dir}")


if __name__ == "__main__":
    main()
