#include "capture/capture_text.h"

#include <cinttypes>
#include <cstdio>

namespace flowlens::capture {
namespace {

int32_t signed_fraction(const Timestamp& ts) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(ts.nsec)));
}

}  // namespace

std::string link_type_name(uint32_t link_type) {
  switch (link_type) {
    case 0: return "NULL";
    case 1: return "ETHERNET";
    case 12: return "DLT_RAW_12";
    case 14: return "DLT_RAW_14";
    case 101: return "RAW";
    case 105: return "IEEE802_11";
    case 108: return "LOOP";
    case 113: return "LINUX_SLL";
    case 127: return "IEEE802_11_RADIOTAP";
    case 228: return "IPV4";
    case 229: return "IPV6";
    case 276: return "LINUX_SLL2";
    default: return "LINKTYPE_" + std::to_string(link_type);
  }
}

std::string format_link_types(const CaptureInfo& info) {
  std::string out;
  for (const auto& lt : info.link_types) {
    if (!out.empty()) {
      out += '+';
    }
    out += link_type_name(lt.link_type) + "(" + std::to_string(lt.link_type) + ")";
    if (lt.high_bits != 0) {
      char hex[16];
      std::snprintf(hex, sizeof(hex), "0x%x", lt.high_bits);
      out += std::string("+hi16=") + hex;
    }
  }
  if (info.format.rfind("pcapng", 0) == 0 && info.interface_count > 1) {
    out += " [" + std::to_string(info.interface_count) + " IDBs]";
  }
  return out;
}

std::string format_timestamp(const Timestamp& ts) {
  const int32_t frac = signed_fraction(ts);
  uint32_t magnitude = static_cast<uint32_t>(frac);
  const char* sign = "";
  if (frac < 0) {
    // Wireshark negates the int; INT32_MIN stays 2^31 once read as unsigned.
    magnitude = 0u - magnitude;
    if (ts.sec >= 0) {
      sign = "-";
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s%" PRId64 ".%09" PRIu32, sign, ts.sec, magnitude);
  return buf;
}

bool timestamp_before(const Timestamp& a, const Timestamp& b) {
  if (a.sec != b.sec) {
    return a.sec < b.sec;
  }
  return signed_fraction(a) < signed_fraction(b);
}

}  // namespace flowlens::capture
