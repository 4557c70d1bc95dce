#include "core/aligned_buffer.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace qd {
namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kPage = 4096;

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Anonymous memory starting on a 2 MB boundary, advised for transparent huge pages: it is zero already (no
// memset) and its whole 2 MB extents fault in as one page each. Measured on the test VM: touching 12 MB
// of 4 KB pages took 20-42 ms (page faults), as huge pages 1.2 ms.
std::shared_ptr<void> allocate_huge_page_aligned(size_t bytes) {
  const size_t length = round_up(bytes, kPage);
  void* raw = ::mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = round_up(start, kHugePage);
  if (aligned > start) ::munmap(raw, aligned - start);  // the unused head and tail go back
  const size_t tail = start + length + kHugePage - (aligned + length);
  if (tail) ::munmap(reinterpret_cast<void*>(aligned + length), tail);
  void* p = reinterpret_cast<void*>(aligned);
  ::madvise(p, length, MADV_HUGEPAGE);  // advice only: without THP the pages are 4 KB ones
  return std::shared_ptr<void>(p, [length](void* q) { ::munmap(q, length); });
}

// Buffers of 64 KB - 2 MB cut one after another from shared 2 MB huge pages (each piece keeps its page
// alive; no byte is handed out twice, so every piece is zero as mapped): on their own they faulted in 16-512
// pages of 4 KB, ~14 us each on the test VM, which was most of the time that packing ResNet-18 CIFAR's
// 256-channel int8 weights took (2.2 ms for 590 KB, 3.3 for 2.4 MB).
std::shared_ptr<void> cut_from_huge_page(size_t bytes) {
  static std::mutex mutex;
  static std::shared_ptr<void> page;
  static size_t used = kHugePage;
  std::lock_guard<std::mutex> lock(mutex);
  bytes = round_up(bytes, kAlignment);
  if (used + bytes > kHugePage) {
    page = allocate_huge_page_aligned(kHugePage);
    used = 0;
  }
  void* p = static_cast<char*>(page.get()) + used;
  used += bytes;
  return std::shared_ptr<void>(page, p);
}

constexpr size_t kSharedHugePageFrom = size_t{64} << 10;

}  // namespace

std::shared_ptr<void> allocate_lasting_zeroed(size_t bytes) {
  if (bytes >= kSharedHugePageFrom && bytes < kHugePage) return cut_from_huge_page(bytes);
  return allocate_aligned_zeroed(bytes);
}

std::shared_ptr<void> allocate_aligned_zeroed(size_t bytes) {
  if (bytes >= kHugePage) return allocate_huge_page_aligned(bytes);
  const size_t rounded = bytes == 0 ? kAlignment : round_up(bytes, kAlignment);
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  return std::shared_ptr<void>(p, std::free);
}

}  // namespace qd
