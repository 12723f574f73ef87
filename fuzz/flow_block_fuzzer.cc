// libFuzzer target for the stored raw-flow block codec (store/sqlite/flow_block.h): a
// block read from a damaged store file must give an Error, never a crash or an overread.
// Whatever decodes must encode back to a block that decodes to the same flows.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "store/sqlite/flow_block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flowlens::store::sqlite;
  std::vector<flowlens::FlowRecord> flows;
  if (!decode_flow_block({data, size}, flows).ok()) return 0;
  std::vector<uint8_t> again;
  encode_flow_block(flows, again);
  std::vector<flowlens::FlowRecord> back;
  if (!decode_flow_block(again, back).ok() || back != flows) abort();
  return 0;
}
