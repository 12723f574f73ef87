#include "collect/exporter_json.h"

#include <gtest/gtest.h>

namespace flowlens::collect {
namespace {

using decode::flow::ExporterHealth;
using decode::flow::FlowDecodeError;

ExporterHealth sample_exporter() {
  ExporterHealth h;
  h.exporter = *IpAddress::parse("2001:db8::7");
  h.last_port = 50123;
  h.datagrams = 12;
  h.datagrams_by_kind = {1, 2, 3, 6};
  h.records = 345;
  h.templates_seen = 4;
  h.templates_withdrawn = 1;
  h.options_records = 2;
  h.sets_held = 5;
  h.sets_decoded_from_hold = 3;
  h.sets_dropped_no_template = 2;
  h.bytes_dropped_no_template = 640;
  h.counter_samples = 9;
  h.sampling_rate_announced = 512;
  h.sampling_rate_override = 1000;
  h.timestamps_corrected = 7;
  h.clock_skew_ns = -1'234'000'000;
  h.last_seen_ns = 1'767'225'600'000'000'000;
  h.errors[static_cast<size_t>(FlowDecodeError::kHeldExpired)] = 2;
  h.errors[static_cast<size_t>(FlowDecodeError::kTimestamp)] = 7;
  decode::flow::InterfaceCounters c;
  c.in_octets = 1'000'000'000'000;
  c.out_octets = 42;
  c.in_errors = 1;
  c.out_errors = 2;
  c.in_discards = 3;
  c.out_discards = 4;
  c.speed = 10'000'000'000;
  c.updated_ns = 1'767'225'601'000'000'000;
  h.interfaces[17] = c;
  return h;
}

TEST(ExporterJsonTest, AProcessThatDoesNotCollectSaysSoWithZeros) {
  EXPECT_EQ(to_json(CollectorReport{}),
            R"({"collecting":false,"listeners":[],"workers":0,"receive_buffer_bytes":0,)"
            R"("totals":{"datagrams":0,"bytes":0,"records":0,"kernel_drops":0,"truncated":0,)"
            R"("receive_errors":0,"decode_errors":{}},"exporters":[]})");
}

TEST(ExporterJsonTest, AnExporterIsWrittenWithNamedReasonsAndIsoTimes) {
  CollectorReport r;
  r.collecting = true;
  r.exporters.push_back(sample_exporter());
  const std::string json = to_json(r);
  EXPECT_NE(json.find(R"("exporter":"2001:db8::7","port":50123,"last_seen":"2026-01-01T00:00:00Z")"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("netflow_v5":1,"netflow_v9":2,"ipfix":3,"sflow":6)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("clock_skew_s":-1.234)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("decode_errors":{"held_expired":2,"timestamp":7})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"({"if_index":17,"in_octets":1000000000000,"out_octets":42,)"), std::string::npos)
      << json;
}

TEST(ExporterJsonTest, ReadingBackGivesTheSameReport) {
  CollectorReport r;
  r.collecting = true;
  r.listeners = {"udp://127.0.0.1:2055", "udp://[::1]:6343"};
  r.workers = 2;
  r.receive_buffer_bytes = 67'108'864;
  r.totals.datagrams = 100;
  r.totals.bytes = 140'000;
  r.totals.records = 3000;
  r.totals.kernel_drops = 3;
  r.totals.truncated = 1;
  r.totals.receive_errors = 0;
  r.totals.decode_errors[static_cast<size_t>(FlowDecodeError::kSetLength)] = 4;
  r.exporters.push_back(sample_exporter());
  ExporterHealth second;
  second.exporter = *IpAddress::parse("192.0.2.1");
  second.datagrams = 1;
  r.exporters.push_back(second);

  auto back = parse_collector_report(to_json(r));
  ASSERT_TRUE(back.ok()) << back.error().message;
  const CollectorReport& b = back.value();
  EXPECT_TRUE(b.collecting);
  EXPECT_EQ(b.listeners, r.listeners);
  EXPECT_EQ(b.workers, 2u);
  EXPECT_EQ(b.receive_buffer_bytes, 67'108'864);
  EXPECT_EQ(b.totals.records, 3000u);
  EXPECT_EQ(b.totals.kernel_drops, 3u);
  EXPECT_EQ(b.totals.decode_errors, r.totals.decode_errors);
  ASSERT_EQ(b.exporters.size(), 2u);
  const ExporterHealth& a = r.exporters[0];
  const ExporterHealth& c = b.exporters[0];
  EXPECT_EQ(c.exporter, a.exporter);
  EXPECT_EQ(c.last_port, a.last_port);
  EXPECT_EQ(c.datagrams_by_kind, a.datagrams_by_kind);
  EXPECT_EQ(c.records, a.records);
  EXPECT_EQ(c.sets_dropped_no_template, a.sets_dropped_no_template);
  EXPECT_EQ(c.bytes_dropped_no_template, a.bytes_dropped_no_template);
  EXPECT_EQ(c.sampling_rate_announced, 512u);
  EXPECT_EQ(c.sampling_rate_override, 1000u);
  EXPECT_EQ(c.clock_skew_ns, -1'234'000'000);
  EXPECT_EQ(c.last_seen_ns, a.last_seen_ns);
  EXPECT_EQ(c.errors, a.errors);
  ASSERT_EQ(c.interfaces.size(), 1u);
  EXPECT_EQ(c.interfaces.at(17).in_octets, 1'000'000'000'000u);
  EXPECT_EQ(c.interfaces.at(17).speed, 10'000'000'000u);
  EXPECT_EQ(c.interfaces.at(17).updated_ns, 1'767'225'601'000'000'000);
  EXPECT_EQ(b.exporters[1].exporter.to_string(), "192.0.2.1");
}

TEST(ExporterJsonTest, ABodyThatIsNotOursNamesWhatIsWrong) {
  EXPECT_EQ(parse_collector_report("<html>").error().message, "not a JSON object");
  EXPECT_EQ(parse_collector_report(R"({"collecting":true})").error().message,
            "$.listeners: expected an array");
  const std::string bad_exporter =
      R"({"collecting":true,"listeners":[],"workers":1,"receive_buffer_bytes":0,)"
      R"("totals":{"datagrams":0,"bytes":0,"records":0,"kernel_drops":0,"truncated":0,)"
      R"("receive_errors":0,"decode_errors":{}},"exporters":[{"exporter":"not-an-ip"}]})";
  EXPECT_EQ(parse_collector_report(bad_exporter).error().message,
            "$.exporters[0].exporter: expected an IP address");
}

}  // namespace
}  // namespace flowlens::collect
