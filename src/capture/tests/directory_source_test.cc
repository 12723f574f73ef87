#include "capture/directory_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "capture/capture_reader.h"
#include "capture/tests/capture_bytes_builder.h"
#include "capture/tests/read_all.h"

namespace flowlens::capture {
namespace {

namespace fs = std::filesystem;
using testing::Bytes;

// A directory of its own per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "flowlens-dirsrc-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::vector<uint8_t>& bytes,
                int64_t mtime_sec = 0) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (mtime_sec != 0) {
    struct timespec times[2] = {{mtime_sec, 0}, {mtime_sec, 0}};
    ::utimensat(AT_FDCWD, path.c_str(), times, 0);
  }
}

// A writer that keeps its file open between pieces, as tcpdump does.
class Writer {
 public:
  explicit Writer(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {}
  ~Writer() { close(); }
  void write(const uint8_t* data, size_t n) {
    while (n > 0) {
      const ssize_t got = ::write(fd_, data, n);
      ASSERT_GT(got, 0);
      data += got;
      n -= static_cast<size_t>(got);
    }
  }
  void write(const std::vector<uint8_t>& bytes, size_t from, size_t to) {
    write(bytes.data() + from, to - from);
  }
  void close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_;
};

// pcap with `count` records of distinct sizes and contents (record i: 40 + i bytes of
// value `first + i`).
std::vector<uint8_t> make_pcap(uint32_t count, uint8_t first = 0) {
  Bytes b = testing::pcap_header(false, 0xa1b2c3d4, 2, 4, 1);
  for (uint32_t i = 0; i < count; ++i) {
    testing::pcap_record(b, 1000 + i, i, 40 + i, 60 + i, 40 + i, static_cast<uint8_t>(first + i));
  }
  return b.data();
}

// pcapng with two sections (little then big endian) and two link types, so a resume in
// the second section needs its SHB and IDBs re-read.
std::vector<uint8_t> make_pcapng() {
  Bytes b(false);
  testing::pcapng_shb(b);
  testing::pcapng_idb(b, 1, 65535);
  for (uint32_t i = 0; i < 4; ++i) {
    testing::pcapng_epb(b, 0, 1'000'000ull * (10 + i), 30 + i, 30 + i);
  }
  b.set_big_endian(true);
  testing::pcapng_shb(b);
  testing::pcapng_idb(b, 101, 65535, testing::pcapng_option(true, 9, {9}));
  testing::pcapng_idb(b, 1, 65535);
  for (uint32_t i = 0; i < 5; ++i) {
    testing::pcapng_epb(b, i % 2, 1'000'000'000ull * (20 + i), 50 + i, 70 + i);
  }
  return b.data();
}

struct Packet {
  std::string path;
  uint64_t file_offset = 0;
  uint32_t caplen = 0;
  uint32_t wire_len = 0;
  uint32_t link_type = 0;
  uint32_t interface_id = 0;
  int64_t sec = 0;
  int64_t nsec = 0;
  std::vector<uint8_t> bytes;
  friend bool operator==(const Packet&, const Packet&) = default;
};

struct Seen {
  DirectoryEvent::Kind kind;
  std::string path;
  uint64_t offset_after = 0;
  std::string error;
  int64_t error_offset = -1;
};

struct Drained {
  std::vector<Seen> events;  // every event but kPackets and kIdle
  std::vector<Packet> packets;
  bool ended = false;
};

Packet copy(const std::string& path, const PacketRecord& r) {
  return Packet{path,        r.file_offset, r.caplen,  r.wire_len, r.link_type,
                r.interface_id, r.ts.sec,   r.ts.nsec, std::vector<uint8_t>(r.data, r.data + r.caplen)};
}

// Calls next(0) until the source has nothing more right now (kIdle) or ends.
void drain(DirectorySource& source, Drained& into) {
  for (int guard = 0; guard < 1'000'000; ++guard) {
    const DirectoryEvent ev = source.next(0);
    if (ev.kind == DirectoryEvent::Kind::kIdle) {
      return;
    }
    if (ev.kind == DirectoryEvent::Kind::kPackets) {
      ASSERT_FALSE(ev.packets.empty());
      EXPECT_GT(ev.offset_after, ev.packets.back().file_offset);
      for (const PacketRecord& r : ev.packets) {
        into.packets.push_back(copy(ev.file.path, r));
      }
      continue;
    }
    into.events.push_back({ev.kind, ev.file.path, ev.offset_after,
                           ev.error ? ev.error->message : "", ev.error ? ev.error->offset : -1});
    if (ev.kind == DirectoryEvent::Kind::kEnd || ev.kind == DirectoryEvent::Kind::kError) {
      into.ended = true;
      return;
    }
  }
  FAIL() << "source never went idle";
}

std::vector<Packet> read_with_capture_reader(const std::string& path, const std::string& as,
                                             std::optional<Error>* error = nullptr) {
  auto reader = CaptureReader::open(path);
  if (!reader.ok()) {
    if (error != nullptr) {
      *error = reader.error();
    }
    return {};
  }
  const testing::ReadResult all = testing::read_all(**reader);
  std::vector<Packet> out;
  for (size_t i = 0; i < all.records.size(); ++i) {
    const PacketRecord& r = all.records[i];
    out.push_back(Packet{as, r.file_offset, r.caplen, r.wire_len, r.link_type, r.interface_id,
                         r.ts.sec, r.ts.nsec, all.payloads[i]});
  }
  if (error != nullptr) {
    *error = all.error;
  }
  return out;
}

// Checkpoints kept the way a store would: by full identity.
struct Checkpoints {
  std::map<std::tuple<std::string, uint64_t, uint64_t>, ResumePoint> points;
  std::vector<FileIdentity> asked;
  DirectorySource::ResumeLookup lookup() {
    return [this](const FileIdentity& id) {
      asked.push_back(id);
      auto it = points.find({id.path, id.device, id.inode});
      return it == points.end() ? ResumePoint{} : it->second;
    };
  }
  void set(const std::string& path, ResumePoint point) {
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    points[{path, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)}] = point;
  }
};

std::unique_ptr<DirectorySource> open_source(const DirectorySourceConfig& config, Clock& clock,
                                             DirectorySource::ResumeLookup lookup = nullptr) {
  auto source = DirectorySource::open(config, std::move(lookup), clock);
  EXPECT_TRUE(source.ok()) << (source.ok() ? "" : source.error().message);
  return source.ok() ? std::move(source).value() : nullptr;
}

std::vector<std::string> kinds_and_paths(const Drained& d, const std::string& dir) {
  std::vector<std::string> out;
  for (const Seen& s : d.events) {
    static const char* const kNames[] = {"packets", "started", "finished", "failed",
                                         "idle",    "end",     "error"};
    std::string name = kNames[static_cast<int>(s.kind)];
    if (!s.path.empty()) {
      // append(), not `" " + substr`: GCC 12 at -O3 warns (-Wrestrict, a false positive)
      // inside that operator+.
      name.append(" ").append(s.path, dir.size() + 1);
    }
    out.push_back(name);
  }
  return out;
}

TEST(DirectorySource, ReadsFilesAlreadyPresentInOrderOfMtimeThenName) {
  TempDir dir;
  write_file(dir.file("a.pcap"), make_pcap(2, 10), 2000);
  write_file(dir.file("c.pcap"), make_pcap(3, 30), 1000);
  write_file(dir.file("b.pcap"), make_pcap(1, 20), 1000);
  write_file(dir.file("notes.txt"), {1, 2, 3}, 500);  // does not match the pattern
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .once = true}, clock);
  ASSERT_TRUE(source);
  Drained d;
  drain(*source, d);
  EXPECT_EQ(kinds_and_paths(d, dir.path()),
            (std::vector<std::string>{"started b.pcap", "finished b.pcap", "started c.pcap",
                                      "finished c.pcap", "started a.pcap", "finished a.pcap",
                                      "end"}));
  ASSERT_EQ(d.packets.size(), 6u);
  const uint8_t first_bytes[] = {20, 30, 31, 32, 10, 11};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(d.packets[i].bytes.at(0), first_bytes[i]) << i;
  }
  EXPECT_EQ(d.events[1].offset_after, make_pcap(1).size());
  EXPECT_EQ(source->bytes_read(),
            make_pcap(1).size() + make_pcap(2).size() + make_pcap(3).size() - 3 * 24);
}

TEST(DirectorySource, OnceModeOnAnEmptyDirectoryEndsAtOnce) {
  TempDir dir;
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .once = true}, clock);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->next(0).kind, DirectoryEvent::Kind::kEnd);
}

TEST(DirectorySource, FollowModeWithNothingToReadIsIdle) {
  TempDir dir;
  ManualClock clock;
  auto source = open_source({.directory = dir.path()}, clock);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->next(0).kind, DirectoryEvent::Kind::kIdle);
  EXPECT_EQ(source->next(1).kind, DirectoryEvent::Kind::kIdle);
}

TEST(DirectorySource, OpenNamesAMissingDirectory) {
  ManualClock clock;
  auto source = DirectorySource::open({.directory = "/nonexistent/flowlens-dir"}, nullptr, clock);
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.error().message.find("/nonexistent/flowlens-dir"), std::string::npos);
  EXPECT_NE(source.error().message.find("No such file"), std::string::npos);
}

// Writes `bytes` in pieces cut at `cuts` (offsets inside records, so each piece ends
// with a partial record), draining the source after each piece; returns what it read.
Drained follow_in_pieces(const TempDir& dir, const std::string& name,
                         const std::vector<uint8_t>& bytes, std::vector<size_t> cuts,
                         size_t batch_packets = 1024) {
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .batch_packets = batch_packets}, clock);
  Drained d;
  if (!source) {
    return d;
  }
  Writer writer(dir.file(name));
  cuts.push_back(bytes.size());
  size_t from = 0;
  for (size_t cut : cuts) {
    writer.write(bytes, from, cut);
    from = cut;
    drain(*source, d);
  }
  EXPECT_TRUE(d.events.empty() || d.events.back().kind == DirectoryEvent::Kind::kFileStarted);
  writer.close();  // IN_CLOSE_WRITE: the file is complete
  drain(*source, d);
  return d;
}

TEST(DirectorySource, FollowsAPcapAppendedInPiecesAndReturnsEveryPacketOnce) {
  TempDir dir;
  const std::vector<uint8_t> bytes = make_pcap(6);
  // Cuts: inside the file header, inside record 1's header, inside record 2's data,
  // exactly at a boundary, inside record 5's data.
  const std::vector<size_t> cuts = {10, 24 + 5, 24 + 56 + 16 + 10, 24 + 56 + 57 + 58, 340};
  const Drained d = follow_in_pieces(dir, "grow.pcap", bytes, cuts);
  const std::string path = dir.file("grow.pcap");
  ASSERT_EQ(kinds_and_paths(d, dir.path()),
            (std::vector<std::string>{"started grow.pcap", "finished grow.pcap"}));
  EXPECT_EQ(d.events[1].offset_after, bytes.size());
  EXPECT_EQ(d.packets, read_with_capture_reader(path, path));
  EXPECT_EQ(d.packets.size(), 6u);
}

TEST(DirectorySource, FollowsAPcapngAppendedInPiecesAndReturnsEveryPacketOnce) {
  TempDir dir;
  const std::vector<uint8_t> bytes = make_pcapng();
  std::vector<size_t> cuts;
  for (size_t at = 7; at < bytes.size(); at += 37) {
    cuts.push_back(at);
  }
  const Drained d = follow_in_pieces(dir, "grow.pcapng", bytes, cuts, 2);
  const std::string path = dir.file("grow.pcapng");
  ASSERT_EQ(kinds_and_paths(d, dir.path()),
            (std::vector<std::string>{"started grow.pcapng", "finished grow.pcapng"}));
  EXPECT_EQ(d.events[1].offset_after, bytes.size());
  EXPECT_EQ(d.packets, read_with_capture_reader(path, path));
  EXPECT_EQ(d.packets.size(), 9u);
}

TEST(DirectorySource, PartialRecordIsNotReturnedUntilComplete) {
  TempDir dir;
  ManualClock clock;
  auto source = open_source({.directory = dir.path()}, clock);
  ASSERT_TRUE(source);
  const std::vector<uint8_t> bytes = make_pcap(2);
  Writer writer(dir.file("x.pcap"));
  const size_t half_of_second = 24 + 56 + 20;
  writer.write(bytes, 0, half_of_second);
  Drained d;
  drain(*source, d);
  ASSERT_EQ(d.packets.size(), 1u);
  EXPECT_EQ(source->next(0).kind, DirectoryEvent::Kind::kIdle);
  writer.write(bytes, half_of_second, bytes.size());
  const DirectoryEvent ev = source->next(0);
  ASSERT_EQ(ev.kind, DirectoryEvent::Kind::kPackets);
  ASSERT_EQ(ev.packets.size(), 1u);
  EXPECT_EQ(ev.packets[0].file_offset, 24u + 56u);
  EXPECT_EQ(ev.packets[0].caplen, 41u);
  EXPECT_EQ(ev.offset_after, bytes.size());
}

TEST(DirectorySource, IdleTimeoutOfTheInjectedClockFinishesAFileThatStopsGrowing) {
  TempDir dir;
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .idle_timeout_ns = 5'000'000'000}, clock);
  ASSERT_TRUE(source);
  Writer writer(dir.file("x.pcap"));
  const std::vector<uint8_t> bytes = make_pcap(3);
  writer.write(bytes, 0, bytes.size());
  Drained d;
  drain(*source, d);
  EXPECT_EQ(d.packets.size(), 3u);
  clock.advance(4'999'999'999);
  EXPECT_EQ(source->next(0).kind, DirectoryEvent::Kind::kIdle);
  clock.advance(1);
  const DirectoryEvent ev = source->next(0);
  EXPECT_EQ(ev.kind, DirectoryEvent::Kind::kFileFinished);
  EXPECT_EQ(ev.offset_after, bytes.size());
}

TEST(DirectorySource, IdleTimeoutWithAPartialRecordAtTheEndFailsTheFileAtTheLastBoundary) {
  TempDir dir;
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .idle_timeout_ns = 1000}, clock);
  ASSERT_TRUE(source);
  Writer writer(dir.file("x.pcap"));
  const std::vector<uint8_t> bytes = make_pcap(3);
  writer.write(bytes, 0, bytes.size() - 5);
  Drained d;
  drain(*source, d);
  EXPECT_EQ(d.packets.size(), 2u);
  clock.advance(1000);
  drain(*source, d);
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.events[1].kind, DirectoryEvent::Kind::kFileFailed);
  EXPECT_EQ(d.events[1].offset_after, 24u + 56 + 57);
  EXPECT_NE(d.events[1].error.find("x.pcap: byte offset 137: file ends inside record data"),
            std::string::npos)
      << d.events[1].error;
}

TEST(DirectorySource, AFileAlreadyQuietForTheTimeoutByItsMtimeFinishesAtItsEnd) {
  TempDir dir;
  write_file(dir.file("old.pcap"), make_pcap(2), 1000);  // written at t = 1000 s
  ManualClock clock(int64_t{1100} * 1'000'000'000);       // now: 100 s later
  auto source = open_source({.directory = dir.path(), .idle_timeout_ns = 30'000'000'000}, clock);
  ASSERT_TRUE(source);
  Drained d;
  drain(*source, d);
  EXPECT_EQ(kinds_and_paths(d, dir.path()),
            (std::vector<std::string>{"started old.pcap", "finished old.pcap"}));
  EXPECT_EQ(d.packets.size(), 2u);
}

TEST(DirectorySource, RemovingTheWatchedDirectoryIsAnError) {
  TempDir parent;
  const std::string path = parent.file("watched");
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  ManualClock clock;
  auto source = open_source({.directory = path}, clock);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->next(0).kind, DirectoryEvent::Kind::kIdle);
  ASSERT_EQ(::rmdir(path.c_str()), 0);
  const DirectoryEvent ev = source->next(0);
  ASSERT_EQ(ev.kind, DirectoryEvent::Kind::kError);
  ASSERT_TRUE(ev.error.has_value());
  EXPECT_NE(ev.error->message.find(path), std::string::npos) << ev.error->message;
}

TEST(DirectorySource, ANewerFileFinishesTheOneBeingFollowed) {
  TempDir dir;
  ManualClock clock;
  auto source = open_source({.directory = dir.path()}, clock);
  ASSERT_TRUE(source);
  Writer first(dir.file("a.pcap"));
  const std::vector<uint8_t> a = make_pcap(2);
  first.write(a, 0, a.size());
  Drained d;
  drain(*source, d);
  EXPECT_EQ(d.packets.size(), 2u);
  Writer second(dir.file("b.pcap"));  // rotation: tcpdump -G / -C opens the next file
  const std::vector<uint8_t> b = make_pcap(1, 50);
  second.write(b, 0, b.size());
  drain(*source, d);
  EXPECT_EQ(kinds_and_paths(d, dir.path()),
            (std::vector<std::string>{"started a.pcap", "finished a.pcap", "started b.pcap"}));
  ASSERT_EQ(d.packets.size(), 3u);
  EXPECT_EQ(d.packets[2].bytes[0], 50);
}

TEST(DirectorySource, ReportsACorruptFileAndContinuesWithTheOthers) {
  TempDir dir;
  write_file(dir.file("1-good.pcap"), make_pcap(2), 1000);
  write_file(dir.file("2-text.pcap"), {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'},
             1001);
  std::vector<uint8_t> broken = make_pcap(3);
  // Record 2's caplen becomes impossible: records 0 and 1 are returned, then the file fails.
  const size_t third = 24 + 56 + 57;
  broken[third + 8] = 0xFF;
  broken[third + 9] = 0xFF;
  broken[third + 10] = 0xFF;
  write_file(dir.file("3-broken.pcap"), broken, 1002);
  write_file(dir.file("4-empty.pcap"), {}, 1003);
  write_file(dir.file("5-good.pcap"), make_pcap(1), 1004);
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .once = true}, clock);
  ASSERT_TRUE(source);
  Drained d;
  drain(*source, d);
  EXPECT_EQ(kinds_and_paths(d, dir.path()),
            (std::vector<std::string>{"started 1-good.pcap", "finished 1-good.pcap",
                                      "failed 2-text.pcap", "started 3-broken.pcap",
                                      "failed 3-broken.pcap", "failed 4-empty.pcap",
                                      "started 5-good.pcap", "finished 5-good.pcap", "end"}));
  ASSERT_EQ(d.events.size(), 9u);
  EXPECT_EQ(d.events[2].error, dir.file("2-text.pcap") +
                                   ": byte offset 0: not a pcap or pcapng file (first bytes "
                                   "0x68656c6c)");
  EXPECT_EQ(d.events[2].error_offset, 0);
  EXPECT_EQ(d.events[4].offset_after, third);
  EXPECT_EQ(d.events[4].error_offset, static_cast<int64_t>(third));
  EXPECT_NE(d.events[4].error.find(dir.file("3-broken.pcap") + ": byte offset 137: record caplen"),
            std::string::npos)
      << d.events[4].error;
  EXPECT_NE(d.events[5].error.find("too short for a capture file (0 bytes)"), std::string::npos);
  EXPECT_EQ(d.packets.size(), 2u + 2u + 1u);
}

TEST(DirectorySource, ResumesAPcapAtACheckpointWithExactlyTheRemainingPackets) {
  TempDir dir;
  const std::string path = dir.file("r.pcap");
  write_file(path, make_pcap(10));
  const std::vector<Packet> all = read_with_capture_reader(path, path);
  ASSERT_EQ(all.size(), 10u);
  Checkpoints checkpoints;
  checkpoints.set(path, {.offset = all[4].file_offset});
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .once = true, .batch_packets = 3}, clock,
                            checkpoints.lookup());
  ASSERT_TRUE(source);
  Drained d;
  drain(*source, d);
  ASSERT_EQ(d.events.size(), 3u);
  EXPECT_EQ(d.events[0].offset_after, all[4].file_offset);
  EXPECT_EQ(d.packets, std::vector<Packet>(all.begin() + 4, all.end()));
}

TEST(DirectorySource, ResumesAPcapngInALaterSectionWithItsLinkTypesAndResolution) {
  TempDir dir;
  const std::string path = dir.file("r.pcapng");
  write_file(path, make_pcapng());
  const std::vector<Packet> all = read_with_capture_reader(path, path);
  ASSERT_EQ(all.size(), 9u);
  for (size_t from : {size_t{0}, size_t{2}, size_t{5}, size_t{8}}) {
    Checkpoints checkpoints;
    checkpoints.set(path, {.offset = from == 0 ? 0 : all[from].file_offset});
    ManualClock clock;
    auto source = open_source({.directory = dir.path(), .once = true}, clock, checkpoints.lookup());
    ASSERT_TRUE(source);
    Drained d;
    drain(*source, d);
    EXPECT_EQ(d.packets, std::vector<Packet>(all.begin() + static_cast<ptrdiff_t>(from), all.end()))
        << "from packet " << from;
    ASSERT_FALSE(d.events.empty());
    EXPECT_EQ(d.events.back().kind, DirectoryEvent::Kind::kEnd);
  }
}

TEST(DirectorySource, ResumeOffsetThatIsNotABoundaryFailsTheFile) {
  TempDir dir;
  const std::string path = dir.file("r.pcapng");
  write_file(path, make_pcapng());
  const std::vector<Packet> all = read_with_capture_reader(path, path);
  Checkpoints checkpoints;
  checkpoints.set(path, {.offset = all[6].file_offset + 4});
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .once = true}, clock, checkpoints.lookup());
  ASSERT_TRUE(source);
  Drained d;
  drain(*source, d);
  ASSERT_EQ(kinds_and_paths(d, dir.path()),
            (std::vector<std::string>{"failed r.pcapng", "end"}));
  EXPECT_NE(d.events[0].error.find("resume offset is not a block boundary"), std::string::npos);
  EXPECT_TRUE(d.packets.empty());
}

TEST(DirectorySource, SkipsFilesTheCheckpointsSayAreDone) {
  TempDir dir;
  write_file(dir.file("a.pcap"), make_pcap(2), 1000);
  write_file(dir.file("b.pcap"), make_pcap(3), 1001);
  Checkpoints checkpoints;
  checkpoints.set(dir.file("a.pcap"), {.skip = true});
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .once = true}, clock, checkpoints.lookup());
  ASSERT_TRUE(source);
  Drained d;
  drain(*source, d);
  EXPECT_EQ(kinds_and_paths(d, dir.path()),
            (std::vector<std::string>{"started b.pcap", "finished b.pcap", "end"}));
  EXPECT_EQ(d.packets.size(), 3u);
  ASSERT_EQ(checkpoints.asked.size(), 2u);
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("a.pcap").c_str(), &st), 0);
  EXPECT_EQ(checkpoints.asked[0],
            (FileIdentity{dir.file("a.pcap"), static_cast<uint64_t>(st.st_dev),
                          static_cast<uint64_t>(st.st_ino)}));
}

TEST(DirectorySource, AFileReplacedUnderTheSameNameStartsFromZero) {
  TempDir dir;
  const std::string path = dir.file("x.pcap");
  write_file(path, make_pcap(3, 1));
  ManualClock clock;
  Checkpoints checkpoints;
  auto source = open_source({.directory = dir.path()}, clock, checkpoints.lookup());
  ASSERT_TRUE(source);
  Drained d;
  drain(*source, d);
  clock.advance(int64_t{60} * 1'000'000'000);  // idle: x.pcap (old inode) is finished
  drain(*source, d);
  ASSERT_EQ(kinds_and_paths(d, dir.path()),
            (std::vector<std::string>{"started x.pcap", "finished x.pcap"}));
  // The store would now hold "old inode done"; a new file is renamed over the name.
  checkpoints.set(path, {.skip = true});
  write_file(dir.file("incoming.tmp"), make_pcap(2, 100));
  ASSERT_EQ(::rename(dir.file("incoming.tmp").c_str(), path.c_str()), 0);
  drain(*source, d);
  ASSERT_EQ(d.events.size(), 3u);
  EXPECT_EQ(d.events[2].kind, DirectoryEvent::Kind::kFileStarted);
  EXPECT_EQ(d.events[2].offset_after, 24u);
  ASSERT_EQ(d.packets.size(), 5u);
  EXPECT_EQ(d.packets[3].bytes[0], 100);
  EXPECT_EQ(d.packets[3].file_offset, 24u);
  // Restart: the old inode's checkpoint does not apply to the new one.
  auto restarted = open_source({.directory = dir.path(), .once = true}, clock, checkpoints.lookup());
  ASSERT_TRUE(restarted);
  Drained again;
  drain(*restarted, again);
  EXPECT_EQ(again.packets.size(), 2u);
}

TEST(DirectorySource, AFinishedFileRenamedInsideTheDirectoryIsNotReadAgain) {
  TempDir dir;
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .idle_timeout_ns = 10}, clock);
  ASSERT_TRUE(source);
  write_file(dir.file("a.pcap"), make_pcap(2));
  Drained d;
  drain(*source, d);
  clock.advance(10);
  drain(*source, d);
  ASSERT_EQ(d.packets.size(), 2u);
  ASSERT_EQ(::rename(dir.file("a.pcap").c_str(), dir.file("b.pcap").c_str()), 0);
  drain(*source, d);
  EXPECT_EQ(kinds_and_paths(d, dir.path()),
            (std::vector<std::string>{"started a.pcap", "finished a.pcap"}));
  EXPECT_EQ(d.packets.size(), 2u);
}

TEST(DirectorySource, AFileDroppedAfterStartIsPickedUp) {
  TempDir dir;
  ManualClock clock;
  auto source = open_source({.directory = dir.path(), .idle_timeout_ns = 10}, clock);
  ASSERT_TRUE(source);
  Drained d;
  drain(*source, d);
  EXPECT_TRUE(d.events.empty());
  // Written elsewhere and moved in, as scp/rsync do.
  TempDir staging;
  write_file(staging.file("late.pcap"), make_pcap(4));
  std::error_code ec;
  fs::copy_file(staging.file("late.pcap"), dir.file(".late.pcap.part"), ec);
  ASSERT_FALSE(ec);
  drain(*source, d);
  EXPECT_TRUE(d.events.empty()) << "dot files are temporaries";
  ASSERT_EQ(::rename(dir.file(".late.pcap.part").c_str(), dir.file("late.pcap").c_str()), 0);
  drain(*source, d);
  EXPECT_EQ(d.packets.size(), 4u);
}

// --- Real captures from testdata --------------------------------------------------

std::vector<fs::path> testdata_files(const std::vector<std::string>& folders) {
  std::vector<fs::path> files;
  for (const std::string& folder : folders) {
    const fs::path dir = fs::path(FLOWLENS_TESTDATA_DIR) / folder;
    if (!fs::is_directory(dir)) {
      continue;
    }
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".pcap" || ext == ".pcapng" || ext == ".cap")) {
        files.push_back(entry.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Copies each file into a fresh directory one at a time and reads it there.
template <typename ReadOne>
void for_each_copied(const std::vector<fs::path>& files, ReadOne read_one) {
  for (const fs::path& original : files) {
    SCOPED_TRACE(original.string());
    TempDir dir;
    const std::string copy_path = dir.file(original.filename().string());
    read_one(original.string(), copy_path, dir);
  }
}

TEST(DirectorySourceOnRealCaptures, OnceModeGivesWhatCaptureReaderGives) {
  const auto files = testdata_files({"pcap", "pcapng", "malformed"});
  if (files.empty()) {
    GTEST_SKIP() << "test data not found in " << FLOWLENS_TESTDATA_DIR;
  }
  for_each_copied(files, [](const std::string& original, const std::string& copy_path,
                            const TempDir& dir) {
    std::error_code ec;
    fs::copy_file(original, copy_path, ec);
    ASSERT_FALSE(ec);
    std::optional<Error> expected_error;
    const std::vector<Packet> expected =
        read_with_capture_reader(original, copy_path, &expected_error);
    ManualClock clock;
    auto source = open_source({.directory = dir.path(), .pattern = "*", .once = true,
                               .batch_packets = 100},
                              clock);
    ASSERT_TRUE(source);
    Drained d;
    drain(*source, d);
    EXPECT_EQ(d.packets.size(), expected.size());
    EXPECT_TRUE(d.packets == expected);
    ASSERT_GE(d.events.size(), 2u);
    const Seen& last = d.events[d.events.size() - 2];
    if (expected_error) {
      EXPECT_EQ(last.kind, DirectoryEvent::Kind::kFileFailed);
      // Same damage, same place; the message names the copy instead of the original.
      EXPECT_EQ(last.error_offset, expected_error->offset);
      const std::string tail = expected_error->message.substr(original.size());
      EXPECT_EQ(last.error, copy_path + tail);
    } else {
      EXPECT_EQ(last.kind, DirectoryEvent::Kind::kFileFinished);
      EXPECT_EQ(last.offset_after, fs::file_size(original));
    }
  });
}

TEST(DirectorySourceOnRealCaptures, AFileCopiedInOddPiecesWhileFollowedGivesWhatCaptureReaderGives) {
  const auto files = testdata_files({"pcap", "pcapng"});
  if (files.empty()) {
    GTEST_SKIP() << "test data not found in " << FLOWLENS_TESTDATA_DIR;
  }
  for_each_copied(files, [](const std::string& original, const std::string& copy_path,
                            const TempDir& dir) {
    std::ifstream in(original, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    std::optional<Error> expected_error;
    const std::vector<Packet> expected =
        read_with_capture_reader(original, copy_path, &expected_error);
    // Pieces of 1..4093 bytes (a prime step): every kind of cut shows up.
    std::vector<size_t> cuts;
    size_t step = 1;
    for (size_t at = 1; at < bytes.size(); at += step) {
      cuts.push_back(at);
      step = step * 7 % 4093 + 1;
    }
    const std::string name = fs::path(copy_path).filename().string();
    ManualClock clock;
    auto source = open_source({.directory = dir.path(), .pattern = "*", .batch_packets = 64},
                              clock);
    ASSERT_TRUE(source);
    Drained d;
    Writer writer(copy_path);
    cuts.push_back(bytes.size());
    size_t from = 0;
    for (size_t cut : cuts) {
      writer.write(bytes, from, cut);
      from = cut;
      drain(*source, d);
    }
    writer.close();
    drain(*source, d);
    EXPECT_EQ(d.packets.size(), expected.size());
    EXPECT_TRUE(d.packets == expected);
    ASSERT_EQ(d.events.size(), 2u);
    EXPECT_EQ(d.events[1].kind,
              expected_error ? DirectoryEvent::Kind::kFileFailed : DirectoryEvent::Kind::kFileFinished);
  });
}

TEST(DirectorySourceOnRealCaptures, ResumingAtTheMiddlePacketGivesTheSecondHalf) {
  const auto files = testdata_files({"pcap", "pcapng"});
  if (files.empty()) {
    GTEST_SKIP() << "test data not found in " << FLOWLENS_TESTDATA_DIR;
  }
  for_each_copied(files, [](const std::string& original, const std::string& copy_path,
                            const TempDir& dir) {
    std::error_code ec;
    fs::copy_file(original, copy_path, ec);
    ASSERT_FALSE(ec);
    const std::vector<Packet> expected = read_with_capture_reader(original, copy_path);
    if (expected.size() < 2) {
      return;
    }
    const size_t middle = expected.size() / 2;
    Checkpoints checkpoints;
    checkpoints.set(copy_path, {.offset = expected[middle].file_offset});
    ManualClock clock;
    auto source = open_source({.directory = dir.path(), .pattern = "*", .once = true}, clock,
                              checkpoints.lookup());
    ASSERT_TRUE(source);
    Drained d;
    drain(*source, d);
    EXPECT_TRUE(d.packets == std::vector<Packet>(expected.begin() + static_cast<ptrdiff_t>(middle),
                                                 expected.end()));
  });
}

}  // namespace
}  // namespace flowlens::capture
