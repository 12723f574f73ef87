#include "capture/capture_reader.h"

namespace flowlens::capture {

Result<std::unique_ptr<CaptureReader>> CaptureReader::open(const std::string& path) {
  return Error{path + ": capture reading is not built yet"};
}

}  // namespace flowlens::capture
