#include "pipeline/store_writer.h"

#include <utility>

namespace flowlens::pipeline {
namespace {

// Spare record vectors kept for reuse; more would only hold memory.
constexpr size_t kMaxSpare = 4;

}  // namespace

StoreWriter::StoreWriter(store::FlowStore& store, size_t max_in_flight)
    : store_(store), max_in_flight_(max_in_flight == 0 ? 1 : max_in_flight), thread_([this] { run(); }) {}

StoreWriter::~StoreWriter() {
  {
    std::unique_lock lock(mu_);
    done_.wait(lock, [this] { return queue_.empty() && !writing_; });
    stop_ = true;
  }
  work_.notify_one();
  thread_.join();
}

Status StoreWriter::submit(CommitJob job) {
  std::unique_lock lock(mu_);
  if (error_) return *error_;
  if (queue_.size() >= max_in_flight_) {
    ++counters_.producer_waits;
    done_.wait(lock, [this] { return queue_.size() < max_in_flight_ || error_.has_value(); });
    if (error_) return *error_;
  }
  queue_.push_back(std::move(job));
  lock.unlock();
  work_.notify_one();
  return Status::Ok();
}

Status StoreWriter::drain() {
  std::unique_lock lock(mu_);
  done_.wait(lock, [this] { return queue_.empty() && !writing_; });
  if (error_) return *error_;
  return Status::Ok();
}

std::vector<FlowRecord> StoreWriter::take_buffer() {
  std::lock_guard lock(mu_);
  if (spare_.empty()) return {};
  std::vector<FlowRecord> v = std::move(spare_.back());
  spare_.pop_back();
  return v;
}

StoreWriterCounters StoreWriter::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void StoreWriter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_ with nothing left
    CommitJob job = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    const bool skip = error_.has_value();
    lock.unlock();

    Status s = Status::Ok();
    const size_t n = job.flows.size();
    if (!skip) {
      store::WriteBatch batch;
      batch.flows = job.flows;
      batch.rollups = &job.rollups;
      if (job.checkpoint) batch.checkpoints = std::span(&*job.checkpoint, 1);
      s = store_.write(batch);
    }
    job.flows.clear();

    lock.lock();
    if (!skip) {
      if (s) {
        ++counters_.commits;
        counters_.flows += n;
      } else {
        error_ = s.error();
      }
    }
    if (spare_.size() < kMaxSpare) spare_.push_back(std::move(job.flows));
    writing_ = false;
    done_.notify_all();
  }
}

}  // namespace flowlens::pipeline
