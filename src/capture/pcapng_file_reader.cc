#include "capture/pcapng_file_reader.h"

#include <cstdio>

#include "core/byte_reader.h"

namespace flowlens::capture {
namespace {

constexpr uint32_t kInterfaceDescriptionBlock = 1;
constexpr uint32_t kObsoletePacketBlock = 2;
constexpr uint32_t kSimplePacketBlock = 3;
constexpr uint32_t kEnhancedPacketBlock = 6;
constexpr uint16_t kOptEndOfOptions = 0;
constexpr uint16_t kOptIfTsresol = 9;
constexpr uint64_t kNanosPerSec = 1'000'000'000;

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

uint64_t pad4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

__extension__ typedef unsigned __int128 Uint128;

// Remainder of `units` per second, in ns. Exact for every resolution: the product
// needs 128 bits only when a unit is finer than 1 ns.
uint64_t remainder_ns(uint64_t rem, uint64_t units) {
  if (units <= kNanosPerSec) {
    return rem * kNanosPerSec / units;
  }
  return static_cast<uint64_t>(static_cast<Uint128>(rem) * kNanosPerSec / units);
}

}  // namespace

bool PcapngFileReader::matches(const uint8_t* first4) {
  return load_le32(first4) == kSectionHeaderBlock;
}

Result<std::unique_ptr<CaptureReader>> PcapngFileReader::open(
    std::string path, std::unique_ptr<ByteSource> source) {
  auto reader = std::unique_ptr<PcapngFileReader>(new PcapngFileReader(path, std::move(source)));
  PacketRecord unused;
  const Step step = reader->read_block(unused, true);
  if (step != Step::kNext) {
    if (reader->error_) {
      return *reader->error_;
    }
    return Error{path + ": byte offset 0: no section header block", 0};
  }
  return std::unique_ptr<CaptureReader>(std::move(reader));
}

uint16_t PcapngFileReader::u16(const uint8_t* p) const {
  return big_endian_ ? load_be16(p) : load_le16(p);
}
uint32_t PcapngFileReader::u32(const uint8_t* p) const {
  return big_endian_ ? load_be32(p) : load_le32(p);
}

void PcapngFileReader::fail(uint64_t offset, const std::string& reason) {
  error_ = Error{path_ + ": byte offset " + std::to_string(offset) + ": " + reason,
                 static_cast<int64_t>(offset)};
  done_ = true;
}

size_t PcapngFileReader::read_batch(std::span<PacketRecord> out) {
  size_t n = 0;
  while (n < out.size() && !done_) {
    const Step step = read_block(out[n], n == 0);
    if (step == Step::kPacket) {
      ++n;
    } else if (step != Step::kNext) {
      break;
    }
  }
  return n;
}

PcapngFileReader::Step PcapngFileReader::read_block(PacketRecord& r, bool may_move) {
  // 12 bytes: block type, total length and, for an SHB, the byte-order magic that
  // decides how the length itself must be read.
  const uint8_t* head = source_->peek(pos_, 12, may_move);
  if (head == nullptr) {
    const auto st = source_->status();
    if (st == ByteSource::Status::kBusy || st == ByteSource::Status::kPending) {
      return Step::kBusy;
    }
    if (st == ByteSource::Status::kEnd && source_->end_offset() == pos_ && sections_ > 0) {
      done_ = true;
    } else if (st == ByteSource::Status::kEnd) {
      fail(pos_, "file ends inside a block header (" +
                     std::to_string(source_->end_offset() - pos_) + " of 12 bytes)");
    } else {
      fail(pos_, source_->io_error());
    }
    return Step::kStop;
  }
  if (load_le32(head) == kSectionHeaderBlock) {
    const uint32_t bom = load_le32(head + 8);
    if (bom == kByteOrderMagic) {
      big_endian_ = false;
    } else if (__builtin_bswap32(bom) == kByteOrderMagic) {
      big_endian_ = true;
    } else {
      fail(pos_ + 8, "section header block has a bad byte-order magic " + hex32(bom));
      return Step::kStop;
    }
  } else if (sections_ == 0) {
    fail(pos_, "first block is not a section header block");
    return Step::kStop;
  }
  const uint32_t type = u32(head);
  const uint32_t total = u32(head + 4);
  if (total < 12 || total % 4 != 0) {
    fail(pos_ + 4, "block total length " + std::to_string(total) +
                       " is not a multiple of 4 of at least 12");
    return Step::kStop;
  }
  if (total > kMaxBlockSize) {
    fail(pos_ + 4, "block total length " + std::to_string(total) + " is larger than the maximum " +
                       std::to_string(kMaxBlockSize));
    return Step::kStop;
  }
  const uint8_t* block = source_->peek(pos_, total, may_move);
  if (block == nullptr) {
    const auto st = source_->status();
    if (st == ByteSource::Status::kBusy || st == ByteSource::Status::kPending) {
      return Step::kBusy;
    }
    if (st == ByteSource::Status::kEnd) {
      fail(pos_, "file ends inside a block of type " + hex32(type) + " (" +
                     std::to_string(source_->end_offset() - pos_) + " of " +
                     std::to_string(total) + " bytes)");
    } else {
      fail(pos_, source_->io_error());
    }
    return Step::kStop;
  }
  Step step = Step::kNext;
  switch (type) {
    case kSectionHeaderBlock:
      if (!read_section_header(block, total)) {
        return Step::kStop;
      }
      break;
    case kInterfaceDescriptionBlock:
      if (!read_interface(block, total)) {
        return Step::kStop;
      }
      break;
    case kEnhancedPacketBlock:
    case kObsoletePacketBlock:
    case kSimplePacketBlock:
      step = read_packet(block, type, total, r);
      if (step == Step::kStop) {
        return step;
      }
      break;
    default:
      break;  // NRB, ISB, DSB, custom and unknown blocks carry no packets for us
  }
  // Checked after the body so a damaged body is named first, as Wireshark does.
  const uint32_t trailer = u32(block + total - 4);
  if (trailer != total) {
    fail(pos_ + total - 4, "block trailer length " + std::to_string(trailer) +
                               " does not match the header's " + std::to_string(total));
    return Step::kStop;
  }
  pos_ += total;
  return step;
}

Status PcapngFileReader::skip_to(uint64_t offset) {
  // Section headers and interface descriptions before `offset` are read in full (they
  // decide byte order, link types and timestamp units of what follows); every other
  // block is stepped over by its length without reading its body.
  PacketRecord unused;
  while (pos_ < offset && !done_) {
    const uint8_t* head = source_->peek(pos_, 12, true);
    if (head == nullptr) {
      break;
    }
    const uint32_t type = load_le32(head) == kSectionHeaderBlock ? kSectionHeaderBlock
                                                                  : u32(head);
    const uint32_t total = load_le32(head) == kSectionHeaderBlock ? 0 : u32(head + 4);
    if (type == kSectionHeaderBlock || type == kInterfaceDescriptionBlock ||
        total < 12 || total % 4 != 0 || total > kMaxBlockSize) {
      // read_block() checks and reports these itself.
      if (read_block(unused, true) != Step::kNext) {
        break;
      }
      continue;
    }
    pos_ += total;
  }
  if (error_) {
    return *error_;
  }
  if (pos_ != offset) {
    const std::string reason = pos_ < offset ? "file ends before the resume offset"
                                             : "resume offset is not a block boundary";
    return Error{path_ + ": byte offset " + std::to_string(offset) + ": " + reason,
                 static_cast<int64_t>(offset)};
  }
  return Status::Ok();
}

template <typename OnOption>
bool PcapngFileReader::walk_options(const uint8_t* block, size_t begin, size_t end,
                                    OnOption on_option) {
  size_t off = begin;
  while (off < end) {
    if (end - off < 4) {
      fail(pos_ + off, "Not enough data for an option header (" + std::to_string(end - off) +
                           " bytes left in the block)");
      return false;
    }
    const uint16_t code = u16(block + off);
    const uint16_t len = u16(block + off + 2);
    off += 4;
    if (code == kOptEndOfOptions) {
      return true;
    }
    // Wording as Wireshark's, so both tools' messages can be compared.
    if (pad4(len) > end - off) {
      fail(pos_ + off - 4, "Not enough data to handle option of length " + std::to_string(len));
      return false;
    }
    if (!on_option(code, block + off, len)) {
      return false;
    }
    off += static_cast<size_t>(pad4(len));
  }
  return true;
}

bool PcapngFileReader::read_section_header(const uint8_t* block, uint32_t total) {
  if (total < 28) {
    fail(pos_ + 4, "section header block length " + std::to_string(total) + " is below 28");
    return false;
  }
  const uint16_t major = u16(block + 12);
  const uint16_t minor = u16(block + 14);
  // Wireshark and libpcap read 1.2 (written by some old tools) as 1.0.
  if (major != 1 || (minor != 0 && minor != 2)) {
    fail(pos_ + 12,
         "unknown SHB version " + std::to_string(major) + "." + std::to_string(minor));
    return false;
  }
  if (!walk_options(block, 24, total - 4, [](uint16_t, const uint8_t*, uint16_t) { return true; })) {
    return false;
  }
  ++sections_;
  interfaces_.clear();
  note_byte_order();
  return true;
}

void PcapngFileReader::note_byte_order() {
  (big_endian_ ? seen_big_endian_ : seen_little_endian_) = true;
  // Fixed order "be+le" whatever the sections' order, as EXPECTED.tsv spells it.
  info_.format = "pcapng-";
  info_.format += seen_big_endian_ && seen_little_endian_ ? "be+le"
                  : seen_big_endian_                      ? "be"
                                                          : "le";
  if (sections_ > 1) {
    // Appended piecewise: GCC 12 -O3 warns (-Wrestrict, a false positive) on the
    // "-" + std::string temporary chain here.
    info_.format += '-';
    info_.format += std::to_string(sections_);
    info_.format += "sections";
  }
}

bool PcapngFileReader::read_interface(const uint8_t* block, uint32_t total) {
  if (total < 20) {
    fail(pos_ + 4, "interface description block length " + std::to_string(total) +
                       " is below 20");
    return false;
  }
  Interface iface;
  iface.link_type = u16(block + 8);
  iface.snaplen = u32(block + 12);
  const uint64_t block_pos = pos_;
  bool ok = walk_options(block, 16, total - 4,
                         [&](uint16_t code, const uint8_t* value, uint16_t len) {
    if (code != kOptIfTsresol || len < 1) {
      return true;
    }
    const uint8_t v = value[0];
    const unsigned exponent = v & 0x7f;
    if ((v & 0x80) != 0) {
      if (exponent > 63) {
        fail(block_pos, "if_tsresol 2^-" + std::to_string(exponent) + " is too fine");
        return false;
      }
      iface.units_per_sec = uint64_t{1} << exponent;
    } else {
      if (exponent > 19) {
        fail(block_pos, "if_tsresol 10^-" + std::to_string(exponent) + " is too fine");
        return false;
      }
      uint64_t units = 1;
      for (unsigned i = 0; i < exponent; ++i) {
        units *= 10;
      }
      iface.units_per_sec = units;
    }
    return true;
  });
  if (!ok) {
    return false;
  }
  interfaces_.push_back(iface);
  ++info_.interface_count;
  if (info_.interface_count == 1) {
    info_.snaplen = iface.snaplen;
  }
  bool seen = false;
  for (const auto& lt : info_.link_types) {
    seen = seen || lt.link_type == iface.link_type;
  }
  if (!seen) {
    info_.link_types.push_back({iface.link_type, 0});
  }
  return true;
}

PcapngFileReader::Step PcapngFileReader::read_packet(const uint8_t* block, uint32_t type,
                                                     uint32_t total, PacketRecord& r) {
  uint32_t iface_id = 0;
  uint32_t caplen = 0;
  uint32_t wire_len = 0;
  uint64_t ts = 0;
  size_t data_off = 28;
  if (type == kSimplePacketBlock) {
    if (total < 16) {
      fail(pos_ + 4, "simple packet block length " + std::to_string(total) + " is below 16");
      return Step::kStop;
    }
    if (interfaces_.empty()) {
      fail(pos_, "simple packet block before any interface description block");
      return Step::kStop;
    }
    data_off = 12;
    wire_len = u32(block + 8);
    caplen = wire_len;
    const uint32_t snaplen = interfaces_[0].snaplen;
    if (snaplen != 0 && caplen > snaplen) {
      caplen = snaplen;
    }
    if (caplen > total - 16) {
      caplen = total - 16;
    }
  } else {
    if (total < 32) {
      fail(pos_ + 4, "packet block length " + std::to_string(total) + " is below 32");
      return Step::kStop;
    }
    iface_id = type == kEnhancedPacketBlock ? u32(block + 8) : u16(block + 8);
    ts = (uint64_t{u32(block + 12)} << 32) | u32(block + 16);
    caplen = u32(block + 20);
    wire_len = u32(block + 24);
    if (28 + pad4(caplen) + 4 > total) {
      fail(pos_ + 20, "packet caplen " + std::to_string(caplen) +
                          " does not fit its block of " + std::to_string(total) + " bytes");
      return Step::kStop;
    }
    if (!walk_options(block, 28 + static_cast<size_t>(pad4(caplen)), total - 4,
                      [](uint16_t, const uint8_t*, uint16_t) { return true; })) {
      return Step::kStop;
    }
  }
  if (iface_id >= interfaces_.size()) {
    fail(pos_ + 8, "interface index " + std::to_string(iface_id) +
                       " is not less than the interface count " +
                       std::to_string(interfaces_.size()));
    return Step::kStop;
  }
  if (caplen > kMaxCaplen) {
    fail(pos_ + 20, "packet caplen " + std::to_string(caplen) + " is larger than the maximum " +
                        std::to_string(kMaxCaplen));
    return Step::kStop;
  }
  const Interface& iface = interfaces_[iface_id];
  r.data = block + data_off;
  r.caplen = caplen;
  r.wire_len = wire_len;
  r.link_type = iface.link_type;
  r.interface_id = iface_id;
  r.file_offset = pos_;
  r.has_timestamp = type != kSimplePacketBlock;
  if (r.has_timestamp) {
    const uint64_t units = iface.units_per_sec;
    const uint64_t rem = ts % units;
    r.ts.sec = static_cast<int64_t>(ts / units);
    r.ts.nsec = static_cast<int64_t>(remainder_ns(rem, units));
  } else {
    r.ts = {};
  }
  return Step::kPacket;
}

}  // namespace flowlens::capture
