// libFuzzer target for ExportDecoder (netflow v5 datagrams). Input format and the two-pass
// decoding: src/decode/flow/tests/fuzz_input.h. Seeds: UDP payloads cut out of the test
// captures and the raw .dat files by src/decode/flow/tests/extract_flow_seeds.py.

#include <cstddef>
#include <cstdint>

#include "decode/flow/tests/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using flowlens::decode::flow::fuzz::Family;
  flowlens::decode::flow::fuzz::run_fuzz_input(Family::kNetflowV5, data, size);
  return 0;
}
