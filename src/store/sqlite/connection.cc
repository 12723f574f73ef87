#include "store/sqlite/connection.h"

#include <fmt/format.h>

namespace flowlens::store::sqlite {

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: FlowStore is one-thread-per-instance, so SQLite's serialized mode would only
  // add a mutex round trip to every bind and step on the insert path.
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                     SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Error{fmt::format("sqlite store {}: open: {}", path, msg)};
  }
  sqlite3_extended_result_codes(db, 1);
  // Another process (a reader, or a writer restarting) may hold the lock briefly.
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> Connection::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Statement(it->second);
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return error("prepare", rc);
  }
  cache_.emplace(sql, stmt);
  return Statement(stmt);
}

Result<Statement> Connection::prepare_owned(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return error("prepare", rc);
  }
  return Statement(stmt, /*owned=*/true);
}

Status Connection::exec(const std::string& sql, std::string_view step) {
  char* msg = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    Error e{fmt::format("sqlite store {}: {}: {}", path_, step,
                        msg != nullptr ? msg : sqlite3_errstr(rc))};
    sqlite3_free(msg);
    return e;
  }
  return Status::Ok();
}

Status Connection::run(Statement& stmt, std::string_view step) {
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
  }
  stmt.reset();
  if (rc != SQLITE_DONE) return error(step, rc);
  return Status::Ok();
}

Result<int64_t> Connection::query_int(const std::string& sql, std::string_view step) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  const int rc = stmt->step();
  if (rc != SQLITE_ROW) return error(step, rc);
  return stmt->column_int(0);
}

Error Connection::error(std::string_view step) const {
  return Error{fmt::format("sqlite store {}: {}: {}", path_, step, sqlite3_errmsg(db_))};
}

Error Connection::error(std::string_view step, int rc) const {
  // The handle's message matches rc when the failing call was the last one on it; a
  // failed bind has no handle message, so fall back to the code's text.
  const int last = sqlite3_extended_errcode(db_);
  const char* msg = last == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  return Error{fmt::format("sqlite store {}: {}: {}", path_, step, msg)};
}

Result<std::unique_ptr<ReadTransaction>> ReadTransaction::begin(Connection& db) {
  if (auto s = db.exec("BEGIN", "read: begin"); !s) return s.error();
  std::unique_ptr<ReadTransaction> t(new ReadTransaction(db));  // ends it on any return
  auto g = db.prepare("SELECT value FROM meta WHERE key = 'generation'");
  if (!g) return g.error();
  const int rc = g->step();
  if (rc == SQLITE_ROW) {
    t->generation_ = g->column_int(0);
  } else if (rc != SQLITE_DONE) {
    return db.error("read: generation", rc);
  }
  return t;
}

ReadTransaction::~ReadTransaction() { (void)db_.exec("COMMIT", "read: end"); }

}  // namespace flowlens::store::sqlite
