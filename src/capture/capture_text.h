#pragma once
// Text forms of capture facts, as `flowlens inspect` prints them and as tshark and
// EXPECTED.tsv spell them.

#include <cstdint>
#include <string>

#include "capture/capture_reader.h"
#include "capture/packet_record.h"

namespace flowlens::capture {

// "ETHERNET", "NULL", "RAW", "LINUX_SLL", ... ; "DLT_RAW_12" / "DLT_RAW_14" for the
// platform raw-IP values; "LINKTYPE_<n>" for values without a name here.
std::string link_type_name(uint32_t link_type);

// "ETHERNET(1)", "NULL(0)+hi16=0x4000", "ETHERNET(1)+NULL(0) [2 IDBs]" (the IDB count
// is shown for pcapng files with more than one interface).
std::string format_link_types(const CaptureInfo& info);

// frame.time_epoch as tshark 4.0 prints it: "<sec>.<frac %09u>", where frac is the
// low 32 bits of ts.nsec read as a signed 32-bit value (Wireshark's nstime_t.nsecs
// is an int); a negative frac prints its magnitude and a leading '-' (when sec >= 0).
// So 1882137472 prints all ten digits and 2147483648 prints "-<sec>.2147483648".
std::string format_timestamp(const Timestamp& ts);

// tshark's ordering of timestamps (seconds, then the signed 32-bit fraction).
bool timestamp_before(const Timestamp& a, const Timestamp& b);

}  // namespace flowlens::capture
