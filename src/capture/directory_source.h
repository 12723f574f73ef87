#pragma once
// DirectorySource: a directory that keeps receiving capture files (tcpdump -w / -G / -C
// rotation, scp, cp), read as one stream of packets with a resumable position per file.
// It replaces the seed's Spark file source + tshark-to-JSON detour.
//
// Contract:
//  - Files whose name matches `pattern` (fnmatch glob, default "*.pcap*") are read in
//    order of (mtime, name); one file at a time. New files are noticed through inotify
//    (IN_CREATE, IN_MOVED_TO, IN_MODIFY, IN_CLOSE_WRITE); the directory is also rescanned
//    at start, so files dropped while the process was down are picked up.
//  - Format is detected by magic number (classic pcap or pcapng, any byte order); the
//    file is read with read() (never mmap: a file truncated under us must not SIGBUS).
//  - A file still being written is followed: at its end, the source waits for more bytes
//    (a partial record at the end is simply not returned yet). The file is finished
//    when (a) a newer matching file exists (rotation), (b) it was closed after writing
//    (IN_CLOSE_WRITE) and has no more bytes, (c) it did not grow for `idle_timeout_ns`
//    of the injected clock, or (d) `once` is set (then every file is read to its current
//    end and the source ends after the last one).
//  - Resume: before reading a file the source asks `resume` for the file's checkpoint
//    (by path + device + inode). kSkip: the file was finished before — ignored. An
//    offset: reading starts at that record boundary (headers / pcapng section and
//    interface blocks before it are re-read so link types are known). A file whose
//    identity changed (same name, new inode) starts from 0.
//  - Damage: a file that is not a capture, or breaks mid-way, ends with kFileFailed
//    carrying an Error (file, offset, reason); packets before the damage have been
//    returned. Other files continue.
//  - Each kPackets event's records carry file_offset (their record's offset); offset_after
//    is the offset just past the last record returned: a valid checkpoint once those
//    packets are durable. Records stay valid until the next next() call.
//  - Not thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "capture/capture_reader.h"
#include "capture/packet_record.h"
#include "core/clock.h"
#include "core/result.h"

namespace flowlens::capture {

struct FileIdentity {
  std::string path;
  uint64_t device = 0;
  uint64_t inode = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

struct DirectorySourceConfig {
  std::string directory;
  std::string pattern = "*.pcap*";
  bool once = false;
  int64_t idle_timeout_ns = int64_t{30} * 1'000'000'000;
  size_t batch_packets = 1024;  // at most this many records per kPackets event
};

struct ResumePoint {
  bool skip = false;    // the file was already ingested completely (or failed)
  uint64_t offset = 0;  // else: where to continue (0 = from the start)
};

struct DirectoryEvent {
  enum class Kind : uint8_t {
    kPackets,       // `packets` from `file`
    kFileStarted,   // `file` opened; `offset_after` = where reading starts
    kFileFinished,  // `file` read completely; `offset_after` = its final size
    kFileFailed,    // `file` is damaged / not a capture: `error`; `offset_after` = last
                    //   good record boundary
    kIdle,          // nothing new within max_wait (follow mode only)
    kEnd,           // once mode: every file done
    kError,         // the directory itself failed (removed, inotify error): `error`
  };
  Kind kind = Kind::kIdle;
  FileIdentity file;
  std::span<const PacketRecord> packets;
  uint64_t offset_after = 0;
  std::optional<Error> error;
};

class DirectorySource {
 public:
  using ResumeLookup = std::function<ResumePoint(const FileIdentity&)>;

  // Errors name the directory (missing, not a directory, no permission, inotify limit).
  static Result<std::unique_ptr<DirectorySource>> open(const DirectorySourceConfig& config,
                                                       ResumeLookup resume, Clock& clock);
  virtual ~DirectorySource() = default;

  // Returns the next event, waiting at most `max_wait_ms` for one in follow mode.
  virtual DirectoryEvent next(int max_wait_ms) = 0;
  // Link-layer info of the current file (valid after kFileStarted).
  virtual const CaptureInfo& info() const = 0;
  // Bytes read so far over all files (progress).
  virtual uint64_t bytes_read() const = 0;
};

}  // namespace flowlens::capture
