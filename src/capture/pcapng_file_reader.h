#pragma once
// PcapngFileReader: hand-written pcapng reader.
//
// Contract (besides CaptureReader's):
//  - Any number of sections, each with its own byte order (a later SHB may switch it)
//    and its own interfaces; `PacketRecord::interface_id` is the index within the
//    section. SHB versions 1.0 and 1.2 are accepted (Wireshark treats 1.2 as 1.0).
//  - Enhanced (6), obsolete (2) and simple (3) packet blocks produce records; every
//    other block (NRB, ISB, DSB, custom, unknown) is skipped after its length checks.
//  - Timestamps: the 64-bit count of if_tsresol units (default 10^-6; 10^-n or 2^-n)
//    is split with unsigned arithmetic: sec = ts / units, nsec = remainder in ns.
//    if_tsoffset is not applied (Wireshark 4.0 does not apply it either).
//  - Simple packet blocks have no timestamp (has_timestamp = false); their caplen is
//    min(original length, snaplen of interface 0 when non-zero).
//  - Errors (cut blocks, lengths that disagree, an option longer than its block, an
//    interface index without IDB) stop reading; records before them were returned.
//  - A source in follow mode that has no more bytes yet (ByteSource kPending) ends the
//    batch without consuming the partial block; the next read_batch() retries it.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/byte_source.h"
#include "capture/capture_reader.h"

namespace flowlens::capture {

class PcapngFileReader final : public CaptureReader {
 public:
  static constexpr uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
  static constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
  static constexpr uint32_t kMaxBlockSize = 16u << 20;
  static constexpr uint32_t kMaxCaplen = 262144;

  static bool matches(const uint8_t* first4);
  // Reads the first section header; errors name the path and the offset.
  static Result<std::unique_ptr<CaptureReader>> open(std::string path,
                                                     std::unique_ptr<ByteSource> source);

  // Continues at `offset`, a block boundary (a checkpoint), before the first
  // read_batch(): SHBs and IDBs before it are read so byte order, link types and
  // if_tsresol are known; other blocks are stepped over by their length. Errors name
  // the path and the offset (not a boundary, damage before it, file shorter).
  Status skip_to(uint64_t offset);

  size_t read_batch(std::span<PacketRecord> out) override;
  const CaptureInfo& info() const override { return info_; }
  const std::optional<Error>& error() const override { return error_; }
  const std::string& path() const override { return path_; }
  uint64_t position() const override { return pos_; }

 private:
  struct Interface {
    uint32_t link_type = 0;
    uint32_t snaplen = 0;
    uint64_t units_per_sec = 1'000'000;
  };
  enum class Step : uint8_t { kNext, kPacket, kStop, kBusy };

  PcapngFileReader(std::string path, std::unique_ptr<ByteSource> source)
      : path_(std::move(path)), source_(std::move(source)) {}

  // Reads the block at pos_; on kPacket fills `r`. Never advances pos_ on kBusy/kStop.
  Step read_block(PacketRecord& r, bool may_move);
  bool read_section_header(const uint8_t* block, uint32_t total);
  bool read_interface(const uint8_t* block, uint32_t total);
  Step read_packet(const uint8_t* block, uint32_t type, uint32_t total, PacketRecord& r);
  // Walks options in [begin, end); calls on_option(code, value, len). False on error.
  template <typename OnOption>
  bool walk_options(const uint8_t* block, size_t begin, size_t end, OnOption on_option);
  uint16_t u16(const uint8_t* p) const;
  uint32_t u32(const uint8_t* p) const;
  void fail(uint64_t offset, const std::string& reason);
  void note_byte_order();

  std::string path_;
  std::unique_ptr<ByteSource> source_;
  CaptureInfo info_;
  std::optional<Error> error_;
  std::vector<Interface> interfaces_;  // of the current section
  uint64_t pos_ = 0;
  uint32_t sections_ = 0;
  bool big_endian_ = false;
  bool seen_big_endian_ = false;
  bool seen_little_endian_ = false;
  bool done_ = false;
};

}  // namespace flowlens::capture
