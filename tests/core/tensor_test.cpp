#include "core/tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace qd {

TEST(Tensor, AllocatesZeroedAlignedStorage) {
  Tensor t(DataType::f32, {2, 3});
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u);
  for (float v : t.values<float>()) EXPECT_EQ(v, 0.f);
}

TEST(Tensor, CopiesAliasCloneDoesNot) {
  Tensor a(DataType::f32, {4});
  Tensor b = a;
  Tensor c = a.clone();
  a.data<float>()[0] = 5.f;
  EXPECT_EQ(b.data<float>()[0], 5.f);
  EXPECT_EQ(c.data<float>()[0], 0.f);
}

TEST(Tensor, HalfRoundTripAndKnownValues) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  for (float f : {0.f, 1.5f, -3.25f, 65504.f, 6.1035156e-05f}) EXPECT_EQ(half_to_float(float_to_half(f)), f);
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
}

TEST(Tensor, ReshapeKeepsDataAndRejectsWrongCount) {
  Tensor a(DataType::i8, {2, 6});
  EXPECT_EQ(a.reshaped({3, 4}).raw(), a.raw());
  EXPECT_THROW(a.reshaped({5}), Error);
}

TEST(Tensor, RowsAreAViewThatOutlivesTheTensor) {
  Tensor rows;
  {
    const Tensor t = Tensor::from<float>({3, 2, 2}, std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    rows = t.rows(1, 2);
    EXPECT_EQ(rows.raw(), t.data<float>() + 4);  // no copy
    EXPECT_EQ(t.rows(3, 0).numel(), 0);
    EXPECT_THROW(t.rows(2, 2), Error);
    EXPECT_THROW(t.rows(-1, 1), Error);
  }
  EXPECT_EQ(rows.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(std::vector<float>(rows.values<float>().begin(), rows.values<float>().end()),
            (std::vector<float>{4, 5, 6, 7, 8, 9, 10, 11}));
  // a tensor whose values are made on first access (int8 rows and their steps)
  const Tensor q = Tensor::from<int8_t>({2, 2}, std::vector<int8_t>{1, 2, 3, 4});
  Tensor second;
  { second = Tensor::dequantized_on_demand({q, {0.5f, 0.25f}, 127}).rows(1, 1); }
  EXPECT_EQ(std::vector<float>(second.values<float>().begin(), second.values<float>().end()),
            (std::vector<float>{0.75f, 1.f}));
}

TEST(Tensor, ViewKeepsItsOwnerAlive) {
  auto bytes = std::make_shared<std::vector<int8_t>>(std::vector<int8_t>{1, 2, 3});
  std::weak_ptr<std::vector<int8_t>> watch = bytes;
  Tensor v = Tensor::view(DataType::i8, {3}, bytes->data(), bytes);
  bytes.reset();
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(v.data<int8_t>()[2], 3);
  v = Tensor();
  EXPECT_TRUE(watch.expired());
}

TEST(Tensor, DequantizedOnDemandIsQTimesRowStep) {
  const std::vector<int8_t> q = {1, -2, 3, 127, 0, -127};
  const Tensor qt = Tensor::from<int8_t>({2, 3}, q);
  const Tensor t = Tensor::dequantized_on_demand({qt, {0.5f, 0.25f}, 127});
  EXPECT_FALSE(t.empty());
  EXPECT_EQ(t.dtype(), DataType::f32);
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  const std::vector<float> want = {0.5f, -1.f, 1.5f, 31.75f, 0.f, -31.75f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.data<float>()[i], want[i]) << i;
  ASSERT_NE(t.int8_rows(), nullptr);  // reading keeps the int8 form
  EXPECT_EQ(t.int8_rows()->q.raw(), qt.raw());
  EXPECT_EQ(t.int8_rows()->step(1), 0.25f);
  // One step for every row.
  const Tensor one = Tensor::dequantized_on_demand({qt, {2.f}, 127});
  EXPECT_EQ(one.to_f32().data<float>()[5], -254.f);
}

TEST(Tensor, WritingADequantizedTensorDropsItsInt8Rows) {
  const Tensor qt = Tensor::from<int8_t>({2, 2}, std::vector<int8_t>{4, 5, 6, 7});
  const Tensor t = Tensor::dequantized_on_demand({qt, {1.f, 0.5f}, 127});
  Tensor clone = t.clone();  // a plain copy of the values
  EXPECT_EQ(clone.int8_rows(), nullptr);
  EXPECT_EQ(clone.data<float>()[3], 3.5f);
  Tensor alias = t.reshaped({4});  // shares the storage
  ASSERT_NE(alias.int8_rows(), nullptr);
  alias.data<float>()[0] = 9.f;  // non-const access: the values may no longer be q * step
  EXPECT_EQ(t.int8_rows(), nullptr);
  EXPECT_EQ(t.data<float>()[0], 9.f);
  EXPECT_EQ(qt.data<int8_t>()[0], 4);  // the int8 source is untouched
}

}  // namespace qd
