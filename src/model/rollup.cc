#include "model/rollup.h"

namespace flowlens {

std::string_view to_string(Resolution r) {
  switch (r) {
    case Resolution::kWindow: return "window";
    case Resolution::kMinute: return "minute";
    case Resolution::kHour: return "hour";
    case Resolution::kDay: return "day";
  }
  return "window";
}

}  // namespace flowlens
