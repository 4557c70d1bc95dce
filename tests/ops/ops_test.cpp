// src/ops: the op math constant folding and the reference runtime share, on values worked out by hand.
#include <gtest/gtest.h>

#include "core/error.h"
#include "ops/binary.h"
#include "ops/data_movement.h"

namespace qd::ops {
namespace {

template <typename T>
std::vector<T> values_of(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

TEST(OpsBinary, BroadcastsAndKeepsTheElementType) {
  const Tensor a = Tensor::from<int64_t>({2, 1}, std::vector<int64_t>{7, -7});
  const Tensor b = Tensor::from<int64_t>({3}, std::vector<int64_t>{2, 3, -4});
  const Tensor q = binary(ir::OpKind::Div, a, b);
  EXPECT_EQ(q.shape(), (Shape{2, 3}));
  EXPECT_EQ(values_of<int64_t>(q), (std::vector<int64_t>{3, 2, -1, -3, -2, 1}));  // truncation toward 0
  const Tensor f = binary(ir::OpKind::Pow, Tensor::from<float>({2}, std::vector<float>{2.f, 9.f}),
                          Tensor::from<float>({1}, std::vector<float>{0.5f}));
  EXPECT_NEAR(f.data<float>()[0], 1.41421356f, 1e-6f);
  EXPECT_FLOAT_EQ(f.data<float>()[1], 3.f);
  EXPECT_THROW(binary(ir::OpKind::Div, a, Tensor::from<int64_t>({1}, std::vector<int64_t>{0})), Error);
  EXPECT_THROW(binary(ir::OpKind::Add, b, Tensor::from<int64_t>({4}, std::vector<int64_t>{1, 2, 3, 4})),
               Error);  // 3 vs 4
}

TEST(OpsSlice, NormalizesLikeOnnx) {
  // dims 10 x 4: axis -2 from -3 to 100 (clamped to 10) step 2 -> 7, 9; axis 1 whole -> dropped.
  ir::SliceAttrs a = normalize_slice({10, 4}, {-3, 0}, {100, 4}, {-2, 1}, {2, 1});
  EXPECT_EQ(a.axes, (std::vector<int64_t>{0}));
  EXPECT_EQ(a.starts, (std::vector<int64_t>{7}));
  EXPECT_EQ(a.ends, (std::vector<int64_t>{10}));
  // Negative step from the end: start 100 -> 9, end -100 -> -1 (through index 0).
  a = normalize_slice({5}, {100}, {-100}, {}, {-2});
  EXPECT_EQ(a.starts, (std::vector<int64_t>{4}));
  EXPECT_EQ(a.ends, (std::vector<int64_t>{-1}));
  std::vector<float> v{0, 1, 2, 3, 4};
  EXPECT_EQ(values_of<float>(slice(Tensor::from<float>({5}, v), a)), (std::vector<float>{4, 2, 0}));
  EXPECT_THROW(normalize_slice({5}, {0}, {1}, {}, {0}), Error);               // step 0
  EXPECT_THROW(normalize_slice({5}, {0}, {1}, {1}, {1}), Error);              // axis out of range
  EXPECT_THROW(normalize_slice({5, 2}, {0, 0}, {1, 1}, {0, -2}, {}), Error);  // axis repeated
}

TEST(OpsDataMovement, TransposeConcatGatherSplitOnIntegers) {
  const Tensor x = Tensor::from<int32_t>({2, 3}, std::vector<int32_t>{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(values_of<int32_t>(transpose(x, {})), (std::vector<int32_t>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(values_of<int32_t>(concat({x, x}, -1)),
            (std::vector<int32_t>{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}));
  const Tensor g = gather(x, {-1, 0}, {2}, 1);
  EXPECT_EQ(g.shape(), (Shape{2, 2}));
  EXPECT_EQ(values_of<int32_t>(g), (std::vector<int32_t>{3, 1, 6, 4}));
  const std::vector<Tensor> parts = split(x, ir::SplitAttrs{1, {1, 2}});
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(values_of<int32_t>(parts[1]), (std::vector<int32_t>{2, 3, 5, 6}));
  EXPECT_THROW(transpose(x, {0, 0}), Error);
  EXPECT_THROW(gather(x, {3}, {1}, 1), Error);
}

}  // namespace
}  // namespace qd::ops
