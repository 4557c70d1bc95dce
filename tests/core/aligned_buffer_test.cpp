#include "core/aligned_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace qd {

TEST(AlignedBuffer, SmallAndHugePageSizedBlocksAreAlignedZeroedAndWritable) {
  // Below 2 MB: aligned_alloc + memset; from 2 MB on: a huge-page-aligned anonymous mapping.
  for (size_t bytes : {size_t{0}, size_t{1}, size_t{4096}, (size_t{2} << 20) - 1, size_t{2} << 20,
                       (size_t{5} << 20) + 123}) {
    SCOPED_TRACE(bytes);
    std::shared_ptr<void> p = allocate_aligned_zeroed(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p.get()) % 64, 0u);
    auto* b = static_cast<unsigned char*>(p.get());
    bool zero = true;
    for (size_t i = 0; i < bytes; i += 997) zero &= b[i] == 0;
    if (bytes) zero &= b[bytes - 1] == 0;
    EXPECT_TRUE(zero);
    if (bytes) b[0] = b[bytes - 1] = 7;  // writable up to its last byte
  }
  EXPECT_EQ(reinterpret_cast<uintptr_t>(allocate_aligned_zeroed(size_t{3} << 20).get()) % (size_t{2} << 20),
            0u);
}

}  // namespace qd
