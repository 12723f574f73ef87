/* pcap_read_loop: the floor under every pcap-reading tool in bench/compare.py.
 * Reads a capture with libpcap's pcap_next_ex and does nothing with the packets except
 * count them (and sum their lengths, so the loop cannot be optimised away).
 * Usage: pcap_read_loop FILE   -> prints "packets=N bytes=M" on stdout. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE.pcap\n", argv[0]);
    return 2;
  }
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* handle = pcap_open_offline(argv[1], errbuf);
  if (handle == NULL) {
    fprintf(stderr, "pcap_read_loop: %s\n", errbuf);
    return 3;
  }
  struct pcap_pkthdr* header;
  const u_char* data;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  int rc;
  while ((rc = pcap_next_ex(handle, &header, &data)) == 1) {
    packets++;
    bytes += header->caplen;
  }
  if (rc != PCAP_ERROR_BREAK) {
    fprintf(stderr, "pcap_read_loop: %s\n", pcap_geterr(handle));
    pcap_close(handle);
    return 1;
  }
  printf("packets=%llu bytes=%llu\n", (unsigned long long)packets, (unsigned long long)bytes);
  pcap_close(handle);
  return 0;
}
