#pragma once
// JsonWriter: streams RFC 8259 JSON into a std::string, with correct string escaping.
//
// Contract: calls must describe well-formed JSON (a key before every value inside an
// object, matching begin/end); commas are inserted automatically. Misuse is a
// programmer error and is not checked in release builds. Strings are escaped ('"',
// '\\', control characters); invalid UTF-8 sequences become U+FFFD so the output is
// always valid UTF-8. Non-finite doubles are written as null.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowlens {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view value);
  JsonWriter& number(int64_t value);
  JsonWriter& number(uint64_t value);
  JsonWriter& number(double value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();

  // Shorthands for one member of an object.
  JsonWriter& member(std::string_view name, std::string_view value) { return key(name).string(value); }
  JsonWriter& member(std::string_view name, const char* value) { return key(name).string(value); }
  JsonWriter& member(std::string_view name, int64_t value) { return key(name).number(value); }
  JsonWriter& member(std::string_view name, uint64_t value) { return key(name).number(value); }
  JsonWriter& member(std::string_view name, bool value) { return key(name).boolean(value); }

  // Appends `value` as a quoted, escaped JSON string.
  static void append_escaped(std::string& out, std::string_view value);

 private:
  void before_value();

  std::string& out_;
  std::vector<bool> has_items_;  // one entry per open object/array
  bool after_key_ = false;
};

}  // namespace flowlens
