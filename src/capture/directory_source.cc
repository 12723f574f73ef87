#include "capture/directory_source.h"

#include <dirent.h>
#include <fnmatch.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "capture/followed_file.h"

namespace flowlens::capture {
namespace {

constexpr uint32_t kWatchMask = IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_CLOSE_WRITE |
                                IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF |
                                IN_ONLYDIR;
constexpr int64_t kNanosPerMilli = 1'000'000;

using InodeKey = std::pair<uint64_t, uint64_t>;  // device, inode

struct Candidate {
  int64_t mtime_ns = 0;
  bool stale = false;   // modified since mtime_ns was read
  bool closed = false;  // IN_CLOSE_WRITE after its last IN_MODIFY
};

int64_t mtime_of(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

class DirectorySourceImpl final : public DirectorySource {
 public:
  DirectorySourceImpl(DirectorySourceConfig config, ResumeLookup resume, Clock& clock, int fd)
      : config_(std::move(config)), resume_(std::move(resume)), clock_(clock), inotify_fd_(fd) {
    if (config_.batch_packets == 0) {
      config_.batch_packets = 1;
    }
    batch_.resize(config_.batch_packets);
  }
  ~DirectorySourceImpl() override { ::close(inotify_fd_); }

  Status scan();
  DirectoryEvent next(int max_wait_ms) override;
  const CaptureInfo& info() const override {
    static const CaptureInfo kNone;
    return current_ ? current_->info() : kNone;
  }
  uint64_t bytes_read() const override { return bytes_read_; }

 private:
  std::string path_of(const std::string& name) const { return config_.directory + "/" + name; }
  bool matches(const char* name) const {
    // FNM_PERIOD: dot files are in-progress temporaries (rsync, editors), as in a shell.
    return ::fnmatch(config_.pattern.c_str(), name, FNM_PERIOD) == 0;
  }
  void add_candidate(const std::string& name);
  bool is_done(const InodeKey& key) const { return done_by_key_.count(key) != 0; }
  void mark_done(const FileIdentity& id, const std::string& name);
  void forget_done_name(const std::string& name);
  // Reads every queued inotify event without blocking; false when the directory failed.
  bool drain_events();
  void handle_event(const struct inotify_event& ev);
  // Opens the next file in (mtime, name) order; false when none is waiting. A file
  // that cannot be opened yields `failed` (kFileFailed) and true.
  bool open_next(std::optional<DirectoryEvent>& failed);
  bool should_finish_current();
  int64_t idle_deadline_ns() const;
  void wait(int max_wait_ms);
  DirectoryEvent end_current(DirectoryEvent::Kind kind);
  void count_progress();

  DirectorySourceConfig config_;
  ResumeLookup resume_;
  Clock& clock_;
  int inotify_fd_;
  std::optional<Error> dir_error_;
  std::map<std::string, Candidate> candidates_;
  std::map<InodeKey, std::string> done_by_key_;
  std::unordered_map<std::string, InodeKey> done_by_name_;
  std::unordered_map<uint32_t, InodeKey> moved_done_;  // rename cookie -> finished file

  std::unique_ptr<FollowedFile> current_;
  std::string current_name_;
  bool current_closed_ = false;
  int64_t last_growth_ns_ = 0;
  uint64_t last_size_ = 0;
  uint64_t counted_position_ = 0;
  uint64_t bytes_read_ = 0;
  std::vector<PacketRecord> batch_;
};

Status DirectorySourceImpl::scan() {
  DIR* dir = ::opendir(config_.directory.c_str());
  if (dir == nullptr) {
    return Error{config_.directory + ": cannot list directory: " + std::strerror(errno)};
  }
  while (const struct dirent* entry = ::readdir(dir)) {
    if (matches(entry->d_name)) {
      add_candidate(entry->d_name);
    }
  }
  ::closedir(dir);
  return Status::Ok();
}

void DirectorySourceImpl::add_candidate(const std::string& name) {
  struct stat st {};
  if (::stat(path_of(name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return;  // gone again, or a directory / FIFO that happens to match
  }
  const InodeKey key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  if (is_done(key)) {
    return;
  }
  if (current_ && current_->identity().device == key.first &&
      current_->identity().inode == key.second) {
    return;
  }
  Candidate& c = candidates_[name];
  c.mtime_ns = mtime_of(st);
  c.stale = false;
}

void DirectorySourceImpl::mark_done(const FileIdentity& id, const std::string& name) {
  const InodeKey key{id.device, id.inode};
  forget_done_name(name);
  if (auto it = done_by_key_.find(key); it != done_by_key_.end()) {
    done_by_name_.erase(it->second);
  }
  done_by_key_[key] = name;
  done_by_name_[name] = key;
}

void DirectorySourceImpl::forget_done_name(const std::string& name) {
  if (auto it = done_by_name_.find(name); it != done_by_name_.end()) {
    done_by_key_.erase(it->second);
    done_by_name_.erase(it);
  }
}

bool DirectorySourceImpl::drain_events() {
  alignas(struct inotify_event) char buf[16384];
  for (;;) {
    const ssize_t got = ::read(inotify_fd_, buf, sizeof(buf));
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN) {
        dir_error_ = Error{config_.directory + ": inotify read failed: " + std::strerror(errno)};
      }
      break;
    }
    if (got == 0) {
      break;
    }
    for (ssize_t off = 0; off < got;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + off);
      handle_event(*ev);
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
    }
  }
  // A rename's two halves arrive in the same read; an unpaired MOVED_FROM means the
  // file left the directory.
  moved_done_.clear();
  return !dir_error_.has_value();
}

void DirectorySourceImpl::handle_event(const struct inotify_event& ev) {
  if ((ev.mask & IN_Q_OVERFLOW) != 0) {
    // Events were lost: the directory listing is the truth again.
    if (Status s = scan(); !s.ok()) {
      dir_error_ = s.error();
    }
    return;
  }
  if ((ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) != 0) {
    dir_error_ = Error{config_.directory + ": watched directory was removed or moved"};
    return;
  }
  if (ev.len == 0 || !matches(ev.name)) {
    return;
  }
  const std::string name = ev.name;
  const bool is_current = current_ && name == current_name_;
  if ((ev.mask & (IN_DELETE | IN_MOVED_FROM)) != 0) {
    candidates_.erase(name);
    if (auto it = done_by_name_.find(name); it != done_by_name_.end()) {
      if ((ev.mask & IN_MOVED_FROM) != 0) {
        moved_done_[ev.cookie] = it->second;
      }
      done_by_key_.erase(it->second);
      done_by_name_.erase(it);
    }
    if (is_current) {
      // The open descriptor still reads it; events for this name are no longer its.
      current_name_.clear();
    }
    return;
  }
  if ((ev.mask & (IN_CREATE | IN_MOVED_TO)) != 0) {
    // The name now stands for another inode: whatever was finished under it is gone
    // (an overwriting rename sends no IN_DELETE).
    forget_done_name(name);
    if (auto it = moved_done_.find(ev.cookie); (ev.mask & IN_MOVED_TO) != 0 &&
                                               it != moved_done_.end()) {
      done_by_key_[it->second] = name;
      done_by_name_[name] = it->second;
      return;
    }
    add_candidate(name);
    return;
  }
  const bool closed = (ev.mask & IN_CLOSE_WRITE) != 0;
  if (is_current) {
    current_closed_ = closed;
  } else if (auto it = candidates_.find(name); it != candidates_.end()) {
    it->second.stale = true;
    it->second.closed = closed;
  }
}

bool DirectorySourceImpl::open_next(std::optional<DirectoryEvent>& failed) {
  while (!candidates_.empty()) {
    for (auto it = candidates_.begin(); it != candidates_.end();) {
      struct stat st {};
      if (it->second.stale && ::stat(path_of(it->first).c_str(), &st) != 0) {
        it = candidates_.erase(it);
        continue;
      }
      if (it->second.stale) {
        it->second.mtime_ns = mtime_of(st);
        it->second.stale = false;
      }
      ++it;
    }
    if (candidates_.empty()) {
      break;
    }
    auto best = std::min_element(candidates_.begin(), candidates_.end(),
                                 [](const auto& a, const auto& b) {
                                   return std::tie(a.second.mtime_ns, a.first) <
                                          std::tie(b.second.mtime_ns, b.first);
                                 });
    const std::string name = best->first;
    const bool closed = best->second.closed;
    candidates_.erase(best);
    const std::string path = path_of(name);
    auto file = FollowedFile::open(path);
    if (!file.ok()) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        continue;  // removed before we got to it
      }
      DirectoryEvent ev;
      ev.kind = DirectoryEvent::Kind::kFileFailed;
      ev.file.path = path;
      ev.error = file.error();
      failed = std::move(ev);
      return true;
    }
    const FileIdentity id = file.value()->identity();
    if (is_done({id.device, id.inode})) {
      continue;
    }
    const ResumePoint point = resume_ ? resume_(id) : ResumePoint{};
    if (point.skip) {
      mark_done(id, name);
      continue;
    }
    file.value()->start_at(point.offset);
    current_ = std::move(file).value();
    current_name_ = name;
    current_closed_ = closed;
    if (config_.once) {
      current_->set_final();
    }
    last_growth_ns_ = clock_.now_ns();
    last_size_ = current_->size_now();
    counted_position_ = current_->position();
    return true;
  }
  return false;
}

bool DirectorySourceImpl::should_finish_current() {
  if (config_.once || current_closed_ || !candidates_.empty()) {
    return true;
  }
  const uint64_t size = current_->size_now();
  if (size != last_size_) {
    last_size_ = size;
    last_growth_ns_ = clock_.now_ns();
  }
  return clock_.now_ns() >= idle_deadline_ns();
}

int64_t DirectorySourceImpl::idle_deadline_ns() const {
  // The file's mtime is when it last grew, which we may only have noticed later (a
  // file dropped while we were down has been quiet since long before we opened it).
  // With a manual clock in tests mtime lies in its far future and our own observation
  // decides.
  const int64_t mtime = current_->mtime_ns_now();
  const int64_t quiet_since = mtime > 0 ? std::min(last_growth_ns_, mtime) : last_growth_ns_;
  const int64_t timeout = std::max<int64_t>(config_.idle_timeout_ns, 0);
  return quiet_since > INT64_MAX - timeout ? INT64_MAX : quiet_since + timeout;
}

void DirectorySourceImpl::wait(int max_wait_ms) {
  int timeout = std::max(max_wait_ms, 0);
  if (current_ && !current_->is_final()) {
    // Wake up for the idle timeout even when nothing is written.
    const int64_t left_ns = idle_deadline_ns() - clock_.now_ns();
    const int64_t left_ms = left_ns <= 0 ? 0 : (left_ns + kNanosPerMilli - 1) / kNanosPerMilli;
    timeout = static_cast<int>(std::min<int64_t>(timeout, left_ms));
  }
  if (timeout == 0) {
    return;
  }
  struct pollfd pfd {inotify_fd_, POLLIN, 0};
  ::poll(&pfd, 1, timeout);
}

void DirectorySourceImpl::count_progress() {
  const uint64_t pos = current_->position();
  if (pos > counted_position_) {
    bytes_read_ += pos - counted_position_;
    counted_position_ = pos;
  }
}

DirectoryEvent DirectorySourceImpl::end_current(DirectoryEvent::Kind kind) {
  count_progress();
  DirectoryEvent ev;
  ev.kind = kind;
  ev.file = current_->identity();
  ev.offset_after = current_->position();
  ev.error = current_->error();
  if (current_name_.empty()) {
    done_by_key_[{ev.file.device, ev.file.inode}] = "";
  } else {
    mark_done(ev.file, current_name_);
  }
  current_.reset();
  current_name_.clear();
  return ev;
}

DirectoryEvent DirectorySourceImpl::next(int max_wait_ms) {
  bool waited = false;
  for (;;) {
    if (!drain_events()) {
      DirectoryEvent ev;
      ev.kind = DirectoryEvent::Kind::kError;
      ev.error = dir_error_;
      return ev;
    }
    if (!current_) {
      std::optional<DirectoryEvent> failed;
      if (open_next(failed)) {
        if (failed) {
          return std::move(*failed);
        }
        continue;
      }
      if (config_.once) {
        DirectoryEvent ev;
        ev.kind = DirectoryEvent::Kind::kEnd;
        return ev;
      }
      if (waited) {
        return DirectoryEvent{};
      }
      wait(max_wait_ms);
      waited = true;
      continue;
    }
    const auto result = current_->read(batch_);
    switch (result.progress) {
      case FollowedFile::Progress::kStarted: {
        counted_position_ = current_->position();
        DirectoryEvent ev;
        ev.kind = DirectoryEvent::Kind::kFileStarted;
        ev.file = current_->identity();
        ev.offset_after = counted_position_;
        return ev;
      }
      case FollowedFile::Progress::kRecords: {
        count_progress();
        last_growth_ns_ = clock_.now_ns();
        DirectoryEvent ev;
        ev.kind = DirectoryEvent::Kind::kPackets;
        ev.file = current_->identity();
        ev.packets = std::span<const PacketRecord>(batch_.data(), result.count);
        ev.offset_after = current_->position();
        return ev;
      }
      case FollowedFile::Progress::kFinished:
        return end_current(DirectoryEvent::Kind::kFileFinished);
      case FollowedFile::Progress::kFailed:
        return end_current(DirectoryEvent::Kind::kFileFailed);
      case FollowedFile::Progress::kWaiting:
        break;
    }
    if (!current_->is_final() && should_finish_current()) {
      current_->set_final();
      continue;
    }
    if (waited) {
      return DirectoryEvent{};
    }
    wait(max_wait_ms);
    waited = true;
  }
}

}  // namespace

Result<std::unique_ptr<DirectorySource>> DirectorySource::open(const DirectorySourceConfig& config,
                                                               ResumeLookup resume, Clock& clock) {
  const std::string& dir = config.directory;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return Error{dir + ": cannot watch directory: " + std::strerror(errno)};
  }
  if (!S_ISDIR(st.st_mode)) {
    return Error{dir + ": cannot watch directory: not a directory"};
  }
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return Error{dir + ": cannot watch directory: inotify_init1: " + std::strerror(errno) +
                 (errno == EMFILE ? " (fs.inotify.max_user_instances reached)" : "")};
  }
  if (::inotify_add_watch(fd, dir.c_str(), kWatchMask) < 0) {
    const int err = errno;
    ::close(fd);
    return Error{dir + ": cannot watch directory: " + std::strerror(err) +
                 (err == ENOSPC ? " (fs.inotify.max_user_watches reached)" : "")};
  }
  auto source = std::make_unique<DirectorySourceImpl>(config, std::move(resume), clock, fd);
  // Watch first, list second, then take the events queued meanwhile: a file created in
  // between is seen by both (deduplicated by name), none by neither.
  if (Status s = source->scan(); !s.ok()) {
    return s.error();
  }
  return std::unique_ptr<DirectorySource>(std::move(source));
}

}  // namespace flowlens::capture
