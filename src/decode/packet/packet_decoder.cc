#include "decode/packet/packet_decoder.h"

namespace flowlens::decode {

const DecodeCounters& PacketDecoder::counters() const {
  DecodeCounters c;
  c.by_reason = by_reason_;
  c.fragments = fragments_;
  c.transport_truncated = transport_truncated_;
  for (size_t i = 0; i < kDecodeReasonCount; ++i) {
    const uint64_t n = by_reason_[i];
    c.frames += n;
    switch (status_of(static_cast<DecodeReason>(i))) {
      case DecodeStatus::kIp:
        c.ip += n;
        break;
      case DecodeStatus::kNotIp:
        c.not_ip += n;
        break;
      case DecodeStatus::kTruncated:
        c.truncated += n;
        break;
      case DecodeStatus::kMalformed:
        c.malformed += n;
        break;
      case DecodeStatus::kUnsupportedLink:
        c.unsupported_link += n;
        break;
    }
  }
  snapshot_ = c;
  return snapshot_;
}

std::string_view status_name(DecodeStatus status) {
  switch (status) {
    case DecodeStatus::kIp:
      return "ip";
    case DecodeStatus::kNotIp:
      return "not_ip";
    case DecodeStatus::kTruncated:
      return "truncated";
    case DecodeStatus::kMalformed:
      return "malformed";
    case DecodeStatus::kUnsupportedLink:
      return "unsupported_link";
  }
  return "unknown";
}

std::string_view reason_name(DecodeReason reason) {
  switch (reason) {
    case DecodeReason::kOk:
      return "ok";
    case DecodeReason::kArp:
      return "arp";
    case DecodeReason::kLldp:
      return "lldp";
    case DecodeReason::kLlc:
      return "llc";
    case DecodeReason::kOtherEthertype:
      return "other_ethertype";
    case DecodeReason::kMplsNotIp:
      return "mpls_not_ip";
    case DecodeReason::kPppNotIp:
      return "ppp_not_ip";
    case DecodeReason::kLoopbackFamily:
      return "loopback_family";
    case DecodeReason::kTruncatedLink:
      return "truncated_link";
    case DecodeReason::kTruncatedTag:
      return "truncated_tag";
    case DecodeReason::kTruncatedIpv4:
      return "truncated_ipv4";
    case DecodeReason::kTruncatedIpv6:
      return "truncated_ipv6";
    case DecodeReason::kBadIpVersion:
      return "bad_ip_version";
    case DecodeReason::kIpv4HeaderLength:
      return "ipv4_header_length";
    case DecodeReason::kIpv4TotalLength:
      return "ipv4_total_length";
    case DecodeReason::kUnknownLinkType:
      return "unknown_link_type";
    case DecodeReason::kCount:
      break;
  }
  return "unknown";
}

}  // namespace flowlens::decode
