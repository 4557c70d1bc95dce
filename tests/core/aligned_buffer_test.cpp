#include "core/aligned_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

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

TEST(AlignedBuffer, LastingPiecesAreZeroAlignedDisjointAndOutliveTheirNeighbours) {
  // 64 KB - 2 MB: pieces cut from shared 2 MB huge pages; each must be zero, its own 64-byte aligned range,
  // and stay valid when every other piece of its page is gone.
  std::vector<std::shared_ptr<void>> pieces;
  std::vector<size_t> sizes;
  for (size_t bytes : {size_t{64} << 10, (size_t{600} << 10) + 5, size_t{1} << 20, (size_t{2} << 20) - 64,
                       size_t{100} << 10, size_t{0}, size_t{100}, size_t{3} << 20}) {
    pieces.push_back(allocate_lasting_zeroed(bytes));
    sizes.push_back(bytes);
    ASSERT_NE(pieces.back(), nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(pieces.back().get()) % 64, 0u) << bytes;
    const auto* z = static_cast<const unsigned char*>(pieces.back().get());
    bool zero = true;
    for (size_t i = 0; i < bytes; i += 61) zero &= z[i] == 0;
    if (bytes) zero &= z[bytes - 1] == 0;
    EXPECT_TRUE(zero) << bytes;  // also after the pieces before it on the same page were written
    std::memset(pieces.back().get(), static_cast<int>(pieces.size()), bytes);
  }
  for (size_t i = 0; i < pieces.size(); ++i)
    for (size_t j = 0; j < pieces.size(); ++j) {
      const auto a = reinterpret_cast<uintptr_t>(pieces[i].get()),
                 b = reinterpret_cast<uintptr_t>(pieces[j].get());
      if (i != j && sizes[i] && sizes[j]) {
        EXPECT_TRUE(a + sizes[i] <= b || b + sizes[j] <= a) << i << " " << j;
      }
    }
  for (size_t i = 0; i < pieces.size(); ++i) {  // every piece still holds what was written into it
    const auto* b = static_cast<const unsigned char*>(pieces[i].get());
    if (sizes[i]) {
      EXPECT_TRUE(b[0] == i + 1 && b[sizes[i] - 1] == i + 1) << i;
    }
  }
  std::shared_ptr<void> last = pieces[1];
  pieces.clear();  // its neighbours on the same huge page are released; the piece itself stays usable
  std::memset(last.get(), 9, (size_t{600} << 10) + 5);
  EXPECT_EQ(static_cast<unsigned char*>(last.get())[600 << 10], 9);
}

}  // namespace qd
