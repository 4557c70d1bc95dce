#include "core/memory_limit.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdlib>

#include "core/error.h"
#include "core/tensor.h"

namespace qd {
namespace {

struct LimitGuard {
  explicit LimitGuard(size_t bytes) { set_memory_limit(bytes); }
  ~LimitGuard() { set_memory_limit(0); }
};

TEST(MemoryLimit, TensorOverBudgetIsAUserErrorBeforeAllocation) {
  LimitGuard g(4096);
  EXPECT_NO_THROW(Tensor(DataType::f32, {1024}));  // exactly 4096 bytes
  try {
    Tensor(DataType::f32, {1025});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::user);
    EXPECT_NE(
        std::string(e.what()).find("a tensor of shape 1025 needs 4100 bytes, more than the memory limit"),
        std::string::npos)
        << e.what();
  }
}

TEST(MemoryLimit, AbsurdShapeDoesNotOverflow) {
  // 2^62 * 2^62 elements: more than int64 can count; refused, not wrapped around to a small size.
  const Shape huge{int64_t{1} << 62, int64_t{1} << 62};
  EXPECT_EQ(shape_numel(huge), INT64_MAX);
  EXPECT_EQ(shape_numel({int64_t{1} << 62, int64_t{1} << 62, 0}), 0);
  EXPECT_THROW(Tensor(DataType::f32, huge), Error);
}

TEST(MemoryLimit, DefaultIsPhysicalMemory) {
  if (std::getenv("QDEPLOY_MEMORY_LIMIT")) GTEST_SKIP() << "QDEPLOY_MEMORY_LIMIT is set";
  EXPECT_GT(physical_memory_bytes(), size_t{1} << 26);
  EXPECT_EQ(memory_limit_bytes(), physical_memory_bytes());
  EXPECT_EQ(format_bytes(1.5 * 1024 * 1024 * 1024), "1.5 GiB");
  EXPECT_EQ(format_bytes(512), "512 bytes");
}

}  // namespace
}  // namespace qd
