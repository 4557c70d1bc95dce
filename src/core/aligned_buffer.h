// 64-byte aligned, zero-filled storage shared by tensors and the runtime's buffers (oneDNN and the AVX
// kernels want cache-line alignment). From 2 MB on it is a 2 MB-aligned mapping advised for transparent huge
// pages (a model's weights fault in a few huge pages instead of thousands of 4 KB ones).
#pragma once
#include <cstddef>
#include <memory>

namespace qd {

std::shared_ptr<void> allocate_aligned_zeroed(size_t bytes);

}  // namespace qd
