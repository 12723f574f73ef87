#pragma once
// Wire layouts of the headers the packet decoder reads, and the protocol numbers it
// dispatches on. Every struct is a byte-exact view (only uint8_t members, alignment 1,
// size checked below) and is used only after the caller has checked that
// sizeof(struct) bytes are present: wire_cast() is the one place that casts.
// Multi-byte fields are big-endian on the wire; read them with load_be16/32.

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace flowlens::decode::wire {

// LINKTYPE_* / DLT_* values accepted by PacketDecoder::decode().
inline constexpr uint32_t kLinkNull = 0;        // BSD loopback, AF in host byte order
inline constexpr uint32_t kLinkEthernet = 1;
inline constexpr uint32_t kLinkRawDlt12 = 12;   // DLT_RAW on most platforms
inline constexpr uint32_t kLinkRawDlt14 = 14;   // DLT_RAW on OpenBSD
inline constexpr uint32_t kLinkRaw = 101;       // LINKTYPE_RAW
inline constexpr uint32_t kLinkLoop = 108;      // OpenBSD loopback, AF in network order
inline constexpr uint32_t kLinkLinuxSll = 113;
inline constexpr uint32_t kLinkIpv4 = 228;
inline constexpr uint32_t kLinkIpv6 = 229;
inline constexpr uint32_t kLinkLinuxSll2 = 276;

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeRarp = 0x8035;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;      // 802.1Q C-tag
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;      // 802.1ad S-tag
inline constexpr uint16_t kEtherTypeQinQOld = 0x9100;   // pre-standard S-tag
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr uint16_t kEtherTypeMplsUnicast = 0x8847;
inline constexpr uint16_t kEtherTypeMplsMulticast = 0x8848;
inline constexpr uint16_t kEtherTypePppoeSession = 0x8864;
inline constexpr uint16_t kEtherTypeLldp = 0x88cc;
inline constexpr uint16_t kEtherTypeMinimum = 0x0600;   // below: an 802.3 length field

inline constexpr uint16_t kPppIpv4 = 0x0021;
inline constexpr uint16_t kPppIpv6 = 0x0057;

inline constexpr uint8_t kProtoHopByHop = 0;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoRouting = 43;
inline constexpr uint8_t kProtoFragment = 44;
inline constexpr uint8_t kProtoGre = 47;
inline constexpr uint8_t kProtoEsp = 50;
inline constexpr uint8_t kProtoAh = 51;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kProtoNoNextHeader = 59;
inline constexpr uint8_t kProtoDestinationOptions = 60;
inline constexpr uint8_t kProtoSctp = 132;

// BSD address-family values seen in NULL/LOOP headers.
inline constexpr uint32_t kAfInet = 2;
inline constexpr uint32_t kAfInet6NetBsd = 24;   // also OpenBSD
inline constexpr uint32_t kAfInet6FreeBsd = 28;
inline constexpr uint32_t kAfInet6Darwin = 30;

struct EthernetHeader {
  uint8_t dst[6];
  uint8_t src[6];
  uint8_t ether_type[2];
};

struct VlanTag {  // follows the 0x8100/0x88a8/0x9100 type field
  uint8_t tci[2];  // PCP(3) DEI(1) VID(12)
  uint8_t ether_type[2];
};

struct MplsLabelEntry {
  uint8_t entry[4];  // label(20) TC(3) S(1) TTL(8)
};

struct PppoeSessionHeader {  // RFC 2516 plus the PPP protocol field that follows
  uint8_t version_type;
  uint8_t code;
  uint8_t session_id[2];
  uint8_t length[2];
  uint8_t ppp_protocol[2];
};

struct LinuxSllHeader {  // LINKTYPE_LINUX_SLL
  uint8_t packet_type[2];
  uint8_t arphrd_type[2];
  uint8_t address_length[2];
  uint8_t address[8];
  uint8_t protocol[2];
};

struct LinuxSll2Header {  // LINKTYPE_LINUX_SLL2
  uint8_t protocol[2];
  uint8_t reserved[2];
  uint8_t interface_index[4];
  uint8_t arphrd_type[2];
  uint8_t packet_type;
  uint8_t address_length;
  uint8_t address[8];
};

struct Ipv4Header {  // RFC 791, without options
  uint8_t version_ihl;
  uint8_t tos;
  uint8_t total_length[2];
  uint8_t identification[2];
  uint8_t flags_fragment_offset[2];  // reserved(1) DF(1) MF(1) offset(13, in 8-byte units)
  uint8_t ttl;
  uint8_t protocol;
  uint8_t checksum[2];
  uint8_t src[4];
  uint8_t dst[4];
};

struct Ipv6Header {  // RFC 8200
  uint8_t version_class_flow[4];  // version(4) traffic class(8) flow label(20)
  uint8_t payload_length[2];
  uint8_t next_header;
  uint8_t hop_limit;
  uint8_t src[16];
  uint8_t dst[16];
};

struct Ipv6FragmentHeader {
  uint8_t next_header;
  uint8_t reserved;
  uint8_t offset_flags[2];  // offset(13, in 8-byte units) res(2) M(1)
  uint8_t identification[4];
};

struct TcpHeader {
  uint8_t src_port[2];
  uint8_t dst_port[2];
  uint8_t sequence[4];
  uint8_t acknowledgment[4];
  uint8_t data_offset;
  uint8_t flags;  // CWR ECE URG ACK PSH RST SYN FIN
  uint8_t window[2];
  uint8_t checksum[2];
  uint8_t urgent[2];
};

struct UdpHeader {
  uint8_t src_port[2];
  uint8_t dst_port[2];
  uint8_t length[2];
  uint8_t checksum[2];
};

struct SctpCommonHeader {
  uint8_t src_port[2];
  uint8_t dst_port[2];
  uint8_t verification_tag[4];
  uint8_t checksum[4];
};

struct IcmpHeader {  // ICMP and ICMPv6 share the first four bytes
  uint8_t type;
  uint8_t code;
  uint8_t checksum[2];
};

// Bytes of a transport header needed before its ports (and, for TCP, its flags) count as
// captured: TCP up to and including the flag byte, UDP the whole header, SCTP the ports.
inline constexpr size_t kTcpBytesForFlags = 14;
inline constexpr size_t kUdpBytesForPorts = sizeof(UdpHeader);
inline constexpr size_t kSctpBytesForPorts = 4;
inline constexpr size_t kIcmpBytesForTypeCode = 2;

static_assert(sizeof(EthernetHeader) == 14);
static_assert(sizeof(VlanTag) == 4);
static_assert(sizeof(MplsLabelEntry) == 4);
static_assert(sizeof(PppoeSessionHeader) == 8);
static_assert(sizeof(LinuxSllHeader) == 16);
static_assert(sizeof(LinuxSll2Header) == 20);
static_assert(sizeof(Ipv4Header) == 20);
static_assert(sizeof(Ipv6Header) == 40);
static_assert(sizeof(Ipv6FragmentHeader) == 8);
static_assert(sizeof(TcpHeader) == 20);
static_assert(sizeof(UdpHeader) == 8);
static_assert(sizeof(SctpCommonHeader) == 12);
static_assert(sizeof(IcmpHeader) == 4);

// The caller must have checked that sizeof(T) bytes are readable at `p`.
template <typename T>
inline const T* wire_cast(const uint8_t* p) {
  static_assert(alignof(T) == 1 && std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T>,
                "wire structs are unaligned byte views");
  return reinterpret_cast<const T*>(p);
}

}  // namespace flowlens::decode::wire
