#include "pipeline/record_inbox.h"

namespace flowlens::pipeline {

void RecordInbox::push(std::span<const FlowRecord> records) {
  if (records.empty()) return;
  std::unique_lock lock(mu_);
  if (!closed_ && records_.size() >= capacity_) {
    ++waits_;
    has_room_.wait(lock, [&] { return closed_ || records_.size() < capacity_; });
  }
  records_.insert(records_.end(), records.begin(), records.end());
  lock.unlock();
  has_records_.notify_one();
}

size_t RecordInbox::take(std::vector<FlowRecord>& out, std::chrono::milliseconds timeout) {
  out.clear();
  std::unique_lock lock(mu_);
  has_records_.wait_for(lock, timeout, [&] { return !records_.empty(); });
  // Swapping hands the buffer over without copying; `out`'s old (cleared) capacity is
  // reused for the next pushes.
  records_.swap(out);
  lock.unlock();
  has_room_.notify_all();
  return out.size();
}

void RecordInbox::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  has_room_.notify_all();
}

uint64_t RecordInbox::waits() const {
  std::lock_guard lock(mu_);
  return waits_;
}

}  // namespace flowlens::pipeline
