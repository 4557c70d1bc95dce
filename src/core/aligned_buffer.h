// 64-byte aligned, zero-filled storage shared by tensors and the runtime's buffers (oneDNN and the AVX
// kernels want cache-line alignment). From 2 MB on it is a 2 MB-aligned mapping advised for transparent huge
// pages (a model's weights fault in a few huge pages instead of thousands of 4 KB ones).
#pragma once
#include <cstddef>
#include <memory>

namespace qd {

std::shared_ptr<void> allocate_aligned_zeroed(size_t bytes);

// Storage for buffers whose every byte is written before it is read (packed weights), not zero-filled (the
// memset cost as much as the packing): from 2 MB its own huge pages, from 64 KB a piece of a 2 MB huge page
// shared with other such buffers, below that the heap.
std::shared_ptr<void> allocate_aligned_uninitialized(size_t bytes);

// A typed, 64-byte aligned array on that uninitialised storage (huge pages from 2 MB): packed weights that
// are written whole once and read by every run.
template <typename T>
class AlignedArray {
 public:
  AlignedArray() = default;
  explicit AlignedArray(size_t n) : owner_(allocate_aligned_uninitialized(n * sizeof(T))), size_(n) {}
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
