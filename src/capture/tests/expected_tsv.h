#pragma once
// Test helper: the rows of testdata/EXPECTED.tsv (tshark's reading of every capture).

#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace flowlens::capture::testing {

inline std::string testdata_dir() { return FLOWLENS_TESTDATA_DIR; }

inline bool testdata_present() {
  return std::filesystem::exists(testdata_dir() + "/EXPECTED.tsv");
}

struct ExpectedRow {
  std::map<std::string, std::string> columns;
  const std::string& file() const { return columns.at("file"); }
  bool unreadable() const { return columns.at("packets") == "ERR"; }
};

inline void PrintTo(const ExpectedRow& row, std::ostream* os) { *os << row.file(); }

inline std::vector<ExpectedRow> load_expected_rows() {
  std::vector<ExpectedRow> rows;
  std::ifstream in(testdata_dir() + "/EXPECTED.tsv");
  std::string line;
  std::vector<std::string> header;
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string field;
    while (std::getline(ss, field, '\t')) {
      out.push_back(field);
    }
    return out;
  };
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    auto fields = split(line);
    if (header.empty()) {
      header = fields;
      continue;
    }
    ExpectedRow row;
    for (size_t i = 0; i < header.size() && i < fields.size(); ++i) {
      row.columns[header[i]] = fields[i];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// "malformed/fuzz-2021-10-13.pcap" -> "malformed_fuzz_2021_10_13_pcap" (a gtest name).
inline std::string test_name_for(const std::string& file) {
  std::string out;
  for (char c : file) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return out;
}

}  // namespace flowlens::capture::testing
