#pragma once
// RecordInbox: hands flow records from collector threads (UdpCollector workers) to the
// one thread that drives a Pipeline.
//
// Contract:
//  - push() may be called from any thread. While the inbox holds `capacity` records or
//    more it blocks until the consumer takes them: a pipeline that cannot keep up slows
//    the collector's workers, the socket buffers fill, and the kernel's drop counter
//    (reported per collector) shows the loss, instead of memory growing without bound.
//  - take() is for the consumer: waits up to `timeout` for records, then moves all of
//    them into `out` (cleared first) and returns how many. Waiting is on a condition
//    variable, so a record is handed over as soon as it is pushed.
//  - close(): from then on push() never blocks (shutdown: the consumer may stop taking
//    while workers finish their last batch); records pushed after close are kept and
//    handed out by take(), nothing is dropped.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "model/flow_record.h"

namespace flowlens::pipeline {

class RecordInbox {
 public:
  explicit RecordInbox(size_t capacity) : capacity_(capacity) {}

  void push(std::span<const FlowRecord> records);
  size_t take(std::vector<FlowRecord>& out, std::chrono::milliseconds timeout);
  void close();

  // Times a push() had to wait for the consumer (back-pressure reached the collector).
  uint64_t waits() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable has_records_;
  std::condition_variable has_room_;
  std::vector<FlowRecord> records_;
  bool closed_ = false;
  uint64_t waits_ = 0;
};

}  // namespace flowlens::pipeline
