#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <limits>

namespace flowlens {
namespace {

TEST(JsonWriter, WritesNestedObjectsAndArraysWithCommas) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .member("a", int64_t{-1})
      .key("list")
      .begin_array()
      .number(uint64_t{1})
      .boolean(true)
      .null()
      .begin_object()
      .end_object()
      .end_array()
      .member("s", "x")
      .end_object();
  EXPECT_EQ(out, R"({"a":-1,"list":[1,true,null,{}],"s":"x"})");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out;
  JsonWriter::append_escaped(out, std::string_view("q\"b\\n\n\t\x01\x7f", 9));
  EXPECT_EQ(out, R"("q\"b\\n\n\t\u0001\u007f")");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  std::string out;
  JsonWriter::append_escaped(out, "caf\xc3\xa9 \xff \xc0\xaf \xed\xa0\x80 \xf0\x9f\x98\x80");
  EXPECT_EQ(out, "\"caf\xc3\xa9 \\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd \xf0\x9f\x98\x80\"");
}

TEST(JsonWriter, WritesNonFiniteDoublesAsNull) {
  std::string out;
  JsonWriter w(out);
  w.begin_array()
      .number(std::numeric_limits<double>::infinity())
      .number(0.5)
      .number(std::numeric_limits<double>::quiet_NaN())
      .end_array();
  EXPECT_EQ(out, "[null,0.5,null]");
}

TEST(JsonWriter, WritesExtremeIntegers) {
  std::string out;
  JsonWriter w(out);
  w.begin_array()
      .number(std::numeric_limits<int64_t>::min())
      .number(std::numeric_limits<uint64_t>::max())
      .end_array();
  EXPECT_EQ(out, "[-9223372036854775808,18446744073709551615]");
}

}  // namespace
}  // namespace flowlens
