// Pipeline: window cuts, commits with checkpoints, and resuming from any committed
// checkpoint giving the same stored totals as an uninterrupted run. The store here is an
// in-memory fake (unit test); the real SQLite store is exercised end to end by
// tests/pipeline/pipeline_test.py.

#include "pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <tuple>
#include <vector>

#include "capture/capture_reader.h"
#include "decode/packet/packet_decoder.h"
#include "synth/pcap_file_writer.h"
#include "synth/traffic_generator.h"

namespace flowlens::pipeline {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kWindow = 10 * kSecond;

// (window start, src, dst, sport, dport, proto) -> packets, bytes
using Key = std::tuple<int64_t, IpAddress, IpAddress, uint16_t, uint16_t, uint8_t>;
using Totals = std::map<Key, std::pair<uint64_t, uint64_t>>;

// A store that only takes writes (the pipeline never queries).
class WriteOnlyStore : public store::FlowStore {
 public:
  Result<std::vector<store::SourceCheckpoint>> checkpoints() override { return Error{"unused"}; }
  Result<store::RetentionReport> apply_retention(const store::RetentionPolicy&, int64_t) override {
    return Error{"unused"};
  }
  Result<store::StoreStats> stats() override { return Error{"unused"}; }
  Result<store::TimeseriesResult> timeseries(const store::TimeseriesQuery&) override { return Error{"unused"}; }
  Result<store::HostDailyResult> host_daily(const store::HostDailyQuery&) override { return Error{"unused"}; }
  Result<store::TopResult> top(const store::TopQuery&) override { return Error{"unused"}; }
  Result<store::FlowsResult> flows(const store::FlowsQuery&) override { return Error{"unused"}; }
  Result<std::vector<store::LocalHost>> local_hosts(const store::LocalHostsQuery&) override {
    return Error{"unused"};
  }
  Result<store::SummaryResult> summary(int64_t, int64_t) override { return Error{"unused"}; }
  int64_t window_ns() const override { return kWindow; }
};

// Remembers every committed transaction, in order.
class MemoryStore final : public WriteOnlyStore {
 public:
  struct Commit {
    std::vector<FlowRecord> flows;
    RollupDelta rollups;
    std::vector<store::SourceCheckpoint> checkpoints;
  };
  std::vector<Commit> commits;

  Status write(const store::WriteBatch& b) override {
    Commit c;
    c.flows.assign(b.flows.begin(), b.flows.end());
    if (b.rollups != nullptr) c.rollups = *b.rollups;
    c.checkpoints.assign(b.checkpoints.begin(), b.checkpoints.end());
    commits.push_back(std::move(c));
    return Status::Ok();
  }
};

Totals totals_of(const std::vector<MemoryStore::Commit>& commits) {
  Totals t;
  for (const auto& c : commits) {
    for (const FlowRecord& r : c.flows) {
      auto& v = t[{bucket_start(r.start_ns, kWindow), r.src, r.dst, r.src_port, r.dst_port, r.ip_proto}];
      v.first += r.packets;
      v.second += r.bytes;
    }
  }
  return t;
}

// Window-level traffic rollup totals (bytes per window) from the commits.
std::map<int64_t, uint64_t> window_rollup_bytes(const std::vector<MemoryStore::Commit>& commits) {
  std::map<int64_t, uint64_t> out;
  for (const auto& c : commits) {
    for (const TrafficRollup& r : c.rollups.traffic) {
      if (r.resolution == Resolution::kWindow) out[r.bucket_ns] += r.counters.bytes;
    }
  }
  return out;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("pipeline_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "traffic.pcap").string();
    synth::GeneratorConfig g;
    g.packets = 30'000;
    g.flows = 700;
    g.rate_pps = 1000;  // 30 s of event time: several windows
    g.start_ns = synth::GeneratorConfig::kDefaultStartNs + 3 * kSecond;  // not window aligned
    auto gen = synth::TrafficGenerator::create(g);
    ASSERT_TRUE(gen.ok()) << gen.error().message;
    auto writer = synth::PcapFileWriter::open(path_, synth::TimestampPrecision::kMicro);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(gen.value().write(writer.value()).ok());
    ASSERT_TRUE(writer.value().close().ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Every packet of the file (copied, so they outlive the reader).
  struct Packet {
    capture::PacketRecord record;
    std::vector<uint8_t> bytes;
  };
  std::vector<Packet> read_all() {
    std::vector<Packet> out;
    auto reader = capture::CaptureReader::open(path_);
    EXPECT_TRUE(reader.ok());
    std::vector<capture::PacketRecord> batch(256);
    while (size_t n = reader.value()->read_batch(batch)) {
      for (size_t i = 0; i < n; ++i) {
        Packet p{batch[i], std::vector<uint8_t>(batch[i].data, batch[i].data + batch[i].caplen)};
        out.push_back(std::move(p));
      }
    }
    for (Packet& p : out) p.record.data = p.bytes.data();
    return out;
  }

  // Feeds packets with file_offset >= from_offset through a new pipeline into `store`,
  // in batches of 333 packets.
  void ingest(MemoryStore& store, uint64_t from_offset, size_t commit_records,
              bool async_commits = false) {
    ManualClock clock;
    PipelineConfig config;
    config.async_commits = async_commits;
    config.window_ns = kWindow;
    config.commit_records = commit_records;
    config.commit_interval_ns = INT64_MAX;
    Pipeline pipe(config, &store, {}, clock);
    const capture::FileIdentity file{path_, 1, 2};
    std::vector<capture::PacketRecord> records;
    for (const Packet& p : packets_) {
      if (p.record.file_offset >= from_offset) records.push_back(p.record);
    }
    for (size_t i = 0; i < records.size(); i += 333) {
      const size_t n = std::min<size_t>(333, records.size() - i);
      ASSERT_TRUE(pipe.add_packets(std::span(records.data() + i, n), &file).ok());
    }
    ASSERT_TRUE(pipe.end_file(&file, 123456, std::nullopt).ok());
    ASSERT_TRUE(pipe.finish().ok());
  }

  std::filesystem::path dir_;
  std::string path_;
  std::vector<Packet> packets_;
};

TEST_F(PipelineTest, StoredFlowsEqualPerWindowSumsDecodedIndependently) {
  packets_ = read_all();
  MemoryStore store;
  ingest(store, 0, 1000);

  // The same sums straight from the decoder: window of the packet's own timestamp.
  Totals expected;
  decode::PacketDecoder decoder;
  for (const Packet& p : packets_) {
    decode::DecodedPacket d;
    ASSERT_EQ(decoder.decode(p.record.link_type, p.bytes, d), decode::DecodeStatus::kIp);
    auto& v = expected[{bucket_start(p.record.time_ns(), kWindow), d.src, d.dst, d.src_port,
                        d.dst_port, d.ip_proto}];
    v.first += 1;
    v.second += d.ip_length;
  }
  EXPECT_EQ(totals_of(store.commits), expected);
  ASSERT_GE(expected.size(), 700u * 3);  // flows cut in several windows

  // Every record lies inside one window.
  for (const auto& c : store.commits) {
    for (const FlowRecord& r : c.flows) {
      EXPECT_EQ(bucket_start(r.start_ns, kWindow), bucket_start(r.end_ns, kWindow));
    }
  }
  // Window rollups committed alongside add up to the raw flows' bytes per window.
  std::map<int64_t, uint64_t> raw;
  for (const auto& [key, v] : expected) raw[std::get<0>(key)] += v.second;
  EXPECT_EQ(window_rollup_bytes(store.commits), raw);
}

TEST_F(PipelineTest, CheckpointsAreFirstPacketsOfWindowsAndEndWithTheFileDone) {
  packets_ = read_all();
  MemoryStore store;
  ingest(store, 0, 1);  // commit at every flush point
  std::vector<store::SourceCheckpoint> cps;
  for (const auto& c : store.commits) cps.insert(cps.end(), c.checkpoints.begin(), c.checkpoints.end());
  ASSERT_GE(cps.size(), 3u);
  EXPECT_EQ(cps.back().state, store::SourceState::kDone);
  EXPECT_EQ(cps.back().offset, 123456u);
  for (size_t i = 0; i + 1 < cps.size(); ++i) {
    EXPECT_EQ(cps[i].state, store::SourceState::kActive);
    // The checkpoint is a packet whose timestamp starts a new window.
    auto it = std::find_if(packets_.begin(), packets_.end(),
                           [&](const Packet& p) { return p.record.file_offset == cps[i].offset; });
    ASSERT_NE(it, packets_.end());
    ASSERT_NE(it, packets_.begin());
    EXPECT_NE(bucket_start(it->record.time_ns(), kWindow),
              bucket_start(std::prev(it)->record.time_ns(), kWindow));
  }
}

TEST_F(PipelineTest, ResumingFromAnyCommittedCheckpointGivesTheCleanRunsTotals) {
  packets_ = read_all();
  MemoryStore clean;
  ingest(clean, 0, 1);
  const Totals want = totals_of(clean.commits);
  const auto want_rollups = window_rollup_bytes(clean.commits);
  size_t resumed = 0;
  for (size_t k = 0; k < clean.commits.size(); ++k) {
    if (clean.commits[k].checkpoints.empty() ||
        clean.commits[k].checkpoints.back().state != store::SourceState::kActive) {
      continue;
    }
    // Crash right after commit k: the store holds commits [0, k]; restart from its checkpoint.
    MemoryStore crashed;
    crashed.commits.assign(clean.commits.begin(), clean.commits.begin() + static_cast<ptrdiff_t>(k) + 1);
    ingest(crashed, clean.commits[k].checkpoints.back().offset, 1);
    EXPECT_EQ(totals_of(crashed.commits), want) << "resumed after commit " << k;
    EXPECT_EQ(window_rollup_bytes(crashed.commits), want_rollups) << "resumed after commit " << k;
    ++resumed;
  }
  EXPECT_GE(resumed, 2u);
}

TEST_F(PipelineTest, AnInterruptedRunCommitsOnlyUpToItsLastFlushPoint) {
  packets_ = read_all();
  ManualClock clock;
  PipelineConfig config;
  config.window_ns = kWindow;
  config.commit_records = SIZE_MAX;  // never due by size: only the interruption commits
  config.commit_interval_ns = INT64_MAX;
  MemoryStore store;
  const capture::FileIdentity file{path_, 1, 2};
  {
    Pipeline pipe(config, &store, {}, clock);
    std::vector<capture::PacketRecord> records;
    for (size_t i = 0; i < packets_.size() * 2 / 3; ++i) records.push_back(packets_[i].record);
    ASSERT_TRUE(pipe.add_packets(records, &file).ok());
    ASSERT_TRUE(pipe.commit_to_last_flush().ok());
  }
  ASSERT_EQ(store.commits.size(), 1u);
  ASSERT_EQ(store.commits[0].checkpoints.size(), 1u);
  const uint64_t resume_at = store.commits[0].checkpoints[0].offset;
  // Nothing at or after the checkpoint was stored.
  auto first_unstored = std::find_if(packets_.begin(), packets_.end(), [&](const Packet& p) {
    return p.record.file_offset == resume_at;
  });
  ASSERT_NE(first_unstored, packets_.end());
  for (const FlowRecord& r : store.commits[0].flows) {
    EXPECT_LT(r.end_ns, first_unstored->record.time_ns());
  }
  // And finishing from there completes the clean run's totals.
  ingest(store, resume_at, 1);
  MemoryStore clean;
  ingest(clean, 0, 1);
  EXPECT_EQ(totals_of(store.commits), totals_of(clean.commits));
}

TEST_F(PipelineTest, AQuietAdvanceInsideTheNextWindowClosesThePreviousOne) {
  packets_ = read_all();
  const int64_t w0 = bucket_start(packets_.front().record.time_ns(), kWindow);
  const int64_t w1 = w0 + kWindow;
  std::vector<capture::PacketRecord> records;  // window 0 and the first packets of window 1
  for (const Packet& p : packets_) {
    if (p.record.time_ns() < w1 + kSecond / 2) records.push_back(p.record);
  }
  ASSERT_GT(records.back().time_ns(), w1);
  ManualClock clock;
  PipelineConfig config;
  config.window_ns = kWindow;
  config.allowed_lateness_ns = 0;
  MemoryStore store;
  std::vector<int64_t> closed;
  Pipeline pipe(config, &store, [&](const process::WindowSummary& w) { closed.push_back(w.start_ns); },
                clock);
  ASSERT_TRUE(pipe.add_packets(records).ok());
  EXPECT_TRUE(closed.empty());  // window 0's records were flushed, but nothing said time moved on
  // Live capture on a link that went quiet: the clock moves inside window 1.
  ASSERT_TRUE(pipe.advance_to(w1 + kSecond).ok());
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0], w0);
  ASSERT_TRUE(pipe.finish().ok());
  EXPECT_EQ(closed.size(), 2u);
}

TEST(PipelineRecordsTest, ExportedRecordsSpanningWindowsAreSpreadOverThemWithExactTotals) {
  constexpr int64_t kT0 = 1'767'225'600 * kSecond;  // window aligned
  ManualClock clock;
  PipelineConfig config;
  config.window_ns = kWindow;
  config.allowed_lateness_ns = 0;
  MemoryStore store;
  std::map<int64_t, uint64_t> summary_bytes;
  Pipeline pipe(config, &store,
                [&](const process::WindowSummary& w) { summary_bytes[w.start_ns] += w.totals.bytes; },
                clock);
  FlowRecord a;  // 25 s from the middle of window 0: 5 s, 10 s, 10 s
  a.src = *IpAddress::parse("192.0.2.1");
  a.dst = *IpAddress::parse("198.51.100.2");
  a.ip_proto = 17;
  a.start_ns = kT0 + 5 * kSecond;
  a.end_ns = kT0 + 30 * kSecond - 1;
  a.packets = 50;
  a.bytes = 50'000;
  a.flows = 1;
  FlowRecord b = a;  // inside window 1
  b.start_ns = kT0 + 12 * kSecond;
  b.end_ns = kT0 + 13 * kSecond;
  b.bytes = 7;
  b.packets = 1;
  const FlowRecord records[] = {a, b};
  ASSERT_TRUE(pipe.add_records(records).ok());
  ASSERT_TRUE(pipe.finish().ok());

  // Window 0 has 5/25 of a; windows 1 and 2 have 10/25 each (the cut rounds down at
  // each boundary, the last piece takes the rest), plus b in window 1.
  const std::map<int64_t, uint64_t> expected = {
      {kT0, 10'000}, {kT0 + kWindow, 20'000 + 7}, {kT0 + 2 * kWindow, 20'000}};
  EXPECT_EQ(window_rollup_bytes(store.commits), expected);
  EXPECT_EQ(summary_bytes, expected);
  uint64_t stored = 0;
  size_t rows = 0;
  for (const auto& c : store.commits) {
    for (const FlowRecord& r : c.flows) {
      stored += r.bytes;
      ++rows;
      EXPECT_EQ(bucket_start(r.start_ns, kWindow), bucket_start(r.end_ns, kWindow));
    }
  }
  EXPECT_EQ(stored, 50'007u);
  EXPECT_EQ(rows, 4u);  // three pieces of a, and b
  EXPECT_EQ(pipe.counters().records, 2u);
}

// Rollup rows of every resolution, summed per (resolution, bucket).
std::map<std::pair<int, int64_t>, uint64_t> all_rollup_bytes(
    const std::vector<MemoryStore::Commit>& commits) {
  std::map<std::pair<int, int64_t>, uint64_t> out;
  for (const auto& c : commits) {
    for (const TrafficRollup& r : c.rollups.traffic) {
      out[{static_cast<int>(r.resolution), r.bucket_ns}] += r.counters.bytes;
    }
    for (const HostRollup& r : c.rollups.hosts) {
      out[{10 + static_cast<int>(r.resolution), r.bucket_ns}] += r.counters.bytes;
    }
  }
  return out;
}

TEST_F(PipelineTest, AsyncCommitsWriteTheSameTransactionsInTheSameOrder) {
  packets_ = read_all();
  MemoryStore sync_store;
  ingest(sync_store, 0, 1);
  MemoryStore async_store;
  ingest(async_store, 0, 1, /*async_commits=*/true);
  ASSERT_EQ(async_store.commits.size(), sync_store.commits.size());
  for (size_t i = 0; i < sync_store.commits.size(); ++i) {
    const auto& a = async_store.commits[i];
    const auto& b = sync_store.commits[i];
    ASSERT_EQ(a.flows.size(), b.flows.size()) << "commit " << i;
    for (size_t j = 0; j < a.flows.size(); ++j) {
      EXPECT_EQ(a.flows[j].start_ns, b.flows[j].start_ns);
      EXPECT_EQ(a.flows[j].bytes, b.flows[j].bytes);
      EXPECT_EQ(a.flows[j].src, b.flows[j].src);
    }
    ASSERT_EQ(a.checkpoints.size(), b.checkpoints.size()) << "commit " << i;
    for (size_t j = 0; j < a.checkpoints.size(); ++j) {
      EXPECT_EQ(a.checkpoints[j].offset, b.checkpoints[j].offset);
      EXPECT_EQ(a.checkpoints[j].state, b.checkpoints[j].state);
      EXPECT_EQ(a.checkpoints[j].path, b.checkpoints[j].path);
    }
  }
  EXPECT_EQ(totals_of(async_store.commits), totals_of(sync_store.commits));
  EXPECT_EQ(all_rollup_bytes(async_store.commits), all_rollup_bytes(sync_store.commits));
}

// Fails its `fail_at`-th write (0-based) and counts the writes it was asked for.
class FailingStore final : public WriteOnlyStore {
 public:
  explicit FailingStore(size_t fail_at) : fail_at_(fail_at) {}
  size_t writes = 0;
  Status write(const store::WriteBatch&) override {
    if (writes++ == fail_at_) return Error{"disk full"};
    return Status::Ok();
  }

 private:
  size_t fail_at_;
};

TEST(StoreWriter, AFailedWriteStopsLaterOnesAndIsReportedByDrainAndSubmit) {
  FailingStore store(1);
  StoreWriter writer(store, 2);
  for (int i = 0; i < 5; ++i) {
    CommitJob job;
    job.flows.resize(3);
    // A submit may already see the failure of an earlier job; it must say so.
    Status s = writer.submit(std::move(job));
    if (!s) {
      EXPECT_EQ(s.error().message, "disk full");
    }
  }
  Status drained = writer.drain();
  ASSERT_FALSE(drained.ok());
  EXPECT_EQ(drained.error().message, "disk full");
  EXPECT_EQ(store.writes, 2u);  // the good one and the failing one; nothing after
  EXPECT_EQ(writer.counters().commits, 1u);
  EXPECT_EQ(writer.counters().flows, 3u);
  CommitJob late;
  EXPECT_FALSE(writer.submit(std::move(late)).ok());
}

TEST(StoreWriter, DrainReturnsWithEverythingWrittenInOrder) {
  MemoryStore store;
  StoreWriter writer(store, 1);
  for (int i = 0; i < 20; ++i) {
    CommitJob job = {writer.take_buffer(), {}, std::nullopt};
    EXPECT_TRUE(job.flows.empty());
    job.flows.resize(static_cast<size_t>(i) + 1);
    job.checkpoint = store::SourceCheckpoint{"f", 1, 2, static_cast<uint64_t>(i), {}, {}};
    ASSERT_TRUE(writer.submit(std::move(job)).ok());
  }
  ASSERT_TRUE(writer.drain().ok());
  ASSERT_EQ(store.commits.size(), 20u);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(store.commits[i].flows.size(), i + 1);
    ASSERT_EQ(store.commits[i].checkpoints.size(), 1u);
    EXPECT_EQ(store.commits[i].checkpoints[0].offset, i);
  }
  EXPECT_EQ(writer.counters().commits, 20u);
  EXPECT_EQ(writer.counters().flows, 210u);
}

}  // namespace
}  // namespace flowlens::pipeline
