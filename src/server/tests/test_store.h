#pragma once
// Test helpers: a temp SQLite store filled through FlowStore::write with known records
// (rollups computed by the real StreamProcessor), as the pipeline writes it.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "process/stream_processor.h"
#include "store/flow_store.h"

namespace flowlens::server::testing {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kWindow = 10 * kSecond;
constexpr int64_t kDay = 86400 * kSecond;
// 2026-11-02 00:00:00 UTC.
constexpr int64_t kBase = int64_t{1'793'577'600} * kSecond;

inline IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  const uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::v4(bytes);
}

class TestStore {
 public:
  TestStore() {
    std::string pattern = (std::filesystem::temp_directory_path() / "server_test.XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    url_ = "sqlite://" + (dir_ / "flows.db").string();
    auto w = store::FlowStore::open(url_, kWindow);
    EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message);
    writer_ = std::move(w).value();
  }
  ~TestStore() {
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }

  // 600 records over two days: local hosts 10.0.0.1-4 talk to 192.0.2.1-5 over tcp/443
  // and udp/53, both directions.
  void fill() {
    process::ProcessorConfig config;
    config.window_ns = kWindow;
    config.local_networks.push_back(*IpNetwork::parse("10.0.0.0/8"));
    process::StreamProcessor proc(config, [](const process::WindowSummary&) {});
    std::vector<FlowRecord> records;
    for (int i = 0; i < 600; ++i) {
      FlowRecord r;
      r.start_ns = kBase + (i < 400 ? int64_t{i} * 7 * kSecond : kDay + int64_t{i} * 11 * kSecond);
      r.end_ns = r.start_ns;
      const bool tcp = i % 3 != 0;
      const auto local = v4(10, 0, 0, static_cast<uint8_t>(1 + i % 4));
      const auto remote = v4(192, 0, 2, static_cast<uint8_t>(1 + i % 5));
      const bool outbound = i % 2 == 0;
      r.src = outbound ? local : remote;
      r.dst = outbound ? remote : local;
      r.ip_proto = tcp ? 6 : 17;
      const uint16_t service = tcp ? 443 : 53;
      r.src_port = outbound ? static_cast<uint16_t>(40000 + i) : service;
      r.dst_port = outbound ? service : static_cast<uint16_t>(40000 + i);
      r.bytes = static_cast<uint64_t>(100 + i * 13);
      r.packets = static_cast<uint64_t>(1 + i % 7);
      r.flows = 1;
      r.direction = proc.direction_of(r);
      records.push_back(r);
    }
    proc.add(records);
    proc.finish();
    const RollupDelta rollups = proc.take_rollups();
    store::WriteBatch batch;
    batch.flows = records;
    batch.rollups = &rollups;
    const Status st = writer_->write(batch);
    ASSERT_TRUE(st.ok()) << st.error().message;
    records_ = std::move(records);
  }

  std::unique_ptr<store::FlowStore> reader() const {
    auto r = store::FlowStore::open(url_, 0);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : nullptr;
  }
  const std::string& url() const { return url_; }
  const std::vector<FlowRecord>& records() const { return records_; }

 private:
  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<store::FlowStore> writer_;
  std::vector<FlowRecord> records_;
};

}  // namespace flowlens::server::testing
