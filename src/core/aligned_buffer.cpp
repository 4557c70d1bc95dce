#include "core/aligned_buffer.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace qd {

std::shared_ptr<void> allocate_aligned_zeroed(size_t bytes) {
  constexpr size_t kAlignment = 64;
  const size_t rounded = bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  return std::shared_ptr<void>(p, std::free);
}

}  // namespace qd
