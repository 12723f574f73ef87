#pragma once
// Input format of the flow-export fuzz targets (fuzz/flow_*_fuzzer.cc), shared with the unit
// test that replays fuzz/regressions/<target>/: the input is one UDP payload whose version
// field is forced to the family under test (so the fuzzer does not spend its time on the
// unknown-version branch), decoded twice by one decoder: the first pass learns the templates
// of the datagram, the second decodes its data sets with them (and releases held sets).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "decode/flow/export_decoder.h"

namespace flowlens::decode::flow::fuzz {

enum class Family : uint8_t { kNetflowV5, kNetflowV9Ipfix, kSflow };

inline std::vector<uint8_t> force_version(Family family, const uint8_t* data, size_t size) {
  std::vector<uint8_t> d(data, data + size);
  if (family == Family::kNetflowV5 && d.size() >= 2) {
    d[0] = 0;
    d[1] = 5;
  } else if (family == Family::kNetflowV9Ipfix && d.size() >= 2) {
    // Keep 9 or 10 when the input already says so; otherwise pick by the low bit.
    if (!(d[0] == 0 && (d[1] == 9 || d[1] == 10))) {
      d[1] = (d[1] & 1) != 0 ? 10 : 9;
      d[0] = 0;
    }
  } else if (family == Family::kSflow && d.size() >= 4) {
    d[0] = d[1] = d[2] = 0;
    d[3] = 5;
  }
  return d;
}

// Decodes the input as described above; returns the number of records produced.
inline size_t run_fuzz_input(Family family, const uint8_t* data, size_t size) {
  const std::vector<uint8_t> d = force_version(family, data, size);
  ExportDecoderConfig config;
  config.max_held_sets = 8;
  ExportDecoder decoder(config);
  const IpAddress exporter = IpAddress::v4(reinterpret_cast<const uint8_t*>("\xc0\x00\x02\x01"));
  std::vector<FlowRecord> out;
  decoder.decode(exporter, 2055, d, 1'700'000'000'000'000'000, out);
  decoder.decode(exporter, 2055, d, 1'700'000'001'000'000'000, out);
  decoder.expire_held(INT64_MAX / 2);
  return out.size();
}

}  // namespace flowlens::decode::flow::fuzz
