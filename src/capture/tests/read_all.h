#pragma once
// Test helper: reads a whole capture and keeps copies of the records' fields.

#include <memory>
#include <vector>

#include "capture/capture_reader.h"

namespace flowlens::capture::testing {

struct ReadResult {
  std::vector<PacketRecord> records;  // `data` pointers are nulled: they do not outlive a batch
  std::vector<std::vector<uint8_t>> payloads;
  std::optional<Error> error;
};

inline ReadResult read_all(CaptureReader& reader, size_t batch_size = 64) {
  ReadResult out;
  std::vector<PacketRecord> batch(batch_size);
  while (size_t n = reader.read_batch(batch)) {
    for (size_t i = 0; i < n; ++i) {
      PacketRecord r = batch[i];
      out.payloads.emplace_back(r.data, r.data + r.caplen);
      r.data = nullptr;
      out.records.push_back(r);
    }
  }
  out.error = reader.error();
  return out;
}

inline std::unique_ptr<CaptureReader> open_bytes(const std::vector<uint8_t>& bytes) {
  auto r = CaptureReader::open_buffer("mem", bytes);
  if (!r.ok()) {
    return nullptr;
  }
  return std::move(r).value();
}

}  // namespace flowlens::capture::testing
