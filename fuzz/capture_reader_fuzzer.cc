// libFuzzer target: the fuzz input is a whole capture file (pcap or pcapng) read by
// the hand-written readers from memory. Crashes found are kept in
// fuzz/regressions/capture_reader/ and replayed by capture_test.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "capture/capture_reader.h"
#include "capture/capture_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowlens::capture;
  auto reader = CaptureReader::open_buffer("fuzz", std::span<const uint8_t>(data, size));
  if (!reader.ok()) {
    return 0;
  }
  // Odd batch size so batch boundaries fall everywhere; every byte of every record
  // is touched so ASan sees any pointer outside the input.
  std::vector<PacketRecord> batch(7);
  uint64_t sum = 0;
  while (size_t n = (*reader)->read_batch(batch)) {
    for (size_t i = 0; i < n; ++i) {
      const PacketRecord& r = batch[i];
      for (uint32_t k = 0; k < r.caplen; ++k) {
        sum += r.data[k];
      }
      sum += static_cast<uint64_t>(format_timestamp(r.ts).size());
      sum += static_cast<uint64_t>(r.time_ns() & 1);
    }
  }
  sum += format_link_types((*reader)->info()).size();
  return sum == 1 ? 0 : 0;
}
