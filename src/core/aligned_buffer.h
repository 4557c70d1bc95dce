// 64-byte aligned, zero-filled storage shared by tensors and the runtime's buffers (oneDNN and the AVX
// kernels want cache-line alignment). From 2 MB on it is a 2 MB-aligned mapping advised for transparent huge
// pages (a model's weights fault in a few huge pages instead of thousands of 4 KB ones).
#pragma once
#include <cstddef>
#include <memory>

namespace qd {

std::shared_ptr<void> allocate_aligned_zeroed(size_t bytes);

// Zero-filled storage for buffers that live as long as a compiled model (packed weights, its activation
// buffers): from 2 MB its own huge pages; from 64 KB a piece cut from a 2 MB huge page shared with other such
// buffers, zero as mapped and never handed out twice, so no memset and one page fault per 2 MB instead of one
// per 4 KB (~14 us each on the test VM); below that the heap. Not for short-lived buffers: a shared page is
// unmapped only when all of its pieces are gone.
std::shared_ptr<void> allocate_lasting_zeroed(size_t bytes);

// A typed, 64-byte aligned, zero-filled array on that storage: packed weights, made once and read by every
// run.
template <typename T>
class AlignedArray {
 public:
  AlignedArray() = default;
  explicit AlignedArray(size_t n) : owner_(allocate_lasting_zeroed(n * sizeof(T))), size_(n) {}
  T* data() { return static_cast<T*>(owner_.get()); }
  const T* data() const { return static_cast<const T*>(owner_.get()); }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }

 private:
  std::shared_ptr<void> owner_;
  size_t size_ = 0;
};

}  // namespace qd
