#include "core/zeroed_memory.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace flowlens {

void* allocate_zeroed(size_t bytes, size_t& mapped) {
  constexpr size_t kHugePage = size_t{2} << 20;
  if (bytes < kHugePage) {
    mapped = 0;
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (p == nullptr) {
      throw std::bad_alloc();
    }
    std::memset(p, 0, bytes);
    return p;
  }
  // A fresh anonymous mapping is already zero; trimmed to a 2 MiB boundary so the kernel
  // can back it with huge pages (as the meter's flow table does).
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* raw = mmap(nullptr, rounded + kHugePage, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    throw std::bad_alloc();
  }
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) {
    munmap(raw, aligned - start);
  }
  const size_t tail = (start + rounded + kHugePage) - (aligned + rounded);
  if (tail > 0) {
    munmap(reinterpret_cast<void*>(aligned + rounded), tail);
  }
  (void)madvise(reinterpret_cast<void*>(aligned), rounded, MADV_HUGEPAGE);
  mapped = rounded;
  return reinterpret_cast<void*>(aligned);
}

void free_zeroed(void* p, size_t mapped) {
  if (p == nullptr) {
    return;
  }
  if (mapped > 0) {
    munmap(p, mapped);
  } else {
    std::free(p);
  }
}

}  // namespace flowlens
