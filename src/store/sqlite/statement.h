#pragma once
// Statement: one prepared SQLite statement borrowed from a Connection's cache. Binds
// values (never text spliced into SQL), steps, reads columns; resets the statement when
// it goes out of scope so the cached statement is ready for the next user. A statement
// from Connection::prepare_owned() is the caller's alone and is finalized instead.
//
// Unsigned 64-bit values are stored as their two's-complement int64 bit pattern (SQLite
// integers are signed): counters below 2^63 compare and sum as numbers, larger ones round
// trip bit-exactly but sort as negative.
//
// IP addresses are stored compactly: 4-byte BLOB for IPv4, 16-byte BLOB for IPv6, NULL
// for an empty address; the length carries the family.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "model/ip_address.h"

namespace flowlens::store::sqlite {

class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt, bool owned = false) : stmt_(stmt), owned_(owned) {}
  Statement(Statement&& o) noexcept
      : stmt_(std::exchange(o.stmt_, nullptr)), owned_(o.owned_), bind_rc_(o.bind_rc_) {}
  Statement& operator=(Statement&& o) noexcept {
    if (this != &o) {
      release();
      stmt_ = std::exchange(o.stmt_, nullptr);
      owned_ = o.owned_;
      bind_rc_ = o.bind_rc_;
    }
    return *this;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { release(); }

  void bind_int(int index, int64_t v) { note(sqlite3_bind_int64(stmt_, index, v)); }
  void bind_uint(int index, uint64_t v) { bind_int(index, static_cast<int64_t>(v)); }
  void bind_null(int index) { note(sqlite3_bind_null(stmt_, index)); }
  // The text and blob must outlive the next step() (SQLITE_STATIC: no copy).
  void bind_text(int index, std::string_view v) {
    note(sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
  }
  void bind_blob(int index, const void* p, size_t n) {
    note(sqlite3_bind_blob(stmt_, index, p, static_cast<int>(n), SQLITE_STATIC));
  }
  void bind_ip(int index, const IpAddress& a) {
    switch (a.family) {
      case IpFamily::kV4:
        note(sqlite3_bind_blob(stmt_, index, a.bytes.data(), 4, SQLITE_STATIC));
        return;
      case IpFamily::kV6:
        note(sqlite3_bind_blob(stmt_, index, a.bytes.data(), 16, SQLITE_STATIC));
        return;
      case IpFamily::kNone: break;
    }
    bind_null(index);
  }

  // SQLITE_ROW, SQLITE_DONE or an error code (a failed bind is reported here).
  int step() {
    if (bind_rc_ != SQLITE_OK) return bind_rc_;
    return sqlite3_step(stmt_);
  }
  // Ready to bind and run again (bindings are kept; every caller rebinds them all).
  void reset() {
    sqlite3_reset(stmt_);
    bind_rc_ = SQLITE_OK;
  }

  int64_t column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
  uint64_t column_uint(int col) const { return static_cast<uint64_t>(column_int(col)); }
  bool column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string column_text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p),
                                                      static_cast<size_t>(n));
  }
  const uint8_t* column_blob(int col, size_t& n) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
    n = static_cast<size_t>(sqlite3_column_bytes(stmt_, col));
    return p;
  }
  // Anything that is not a 4- or 16-byte BLOB reads as the empty address.
  IpAddress column_ip(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    const int n = sqlite3_column_bytes(stmt_, col);
    if (p == nullptr) return {};
    if (n == 4) return IpAddress::v4(static_cast<const uint8_t*>(p));
    if (n == 16) return IpAddress::v6(static_cast<const uint8_t*>(p));
    return {};
  }

 private:
  void note(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  void release() {
    if (stmt_ != nullptr) {
      if (owned_) {
        sqlite3_finalize(stmt_);
      } else {
        sqlite3_reset(stmt_);
      }
      stmt_ = nullptr;
    }
  }

  sqlite3_stmt* stmt_ = nullptr;  // owned by the Connection's cache, or by this when owned_
  bool owned_ = false;
  int bind_rc_ = SQLITE_OK;
};

}  // namespace flowlens::store::sqlite
