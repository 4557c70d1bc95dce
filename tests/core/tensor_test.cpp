#include "core/tensor.h"

#include <gtest/gtest.h>

#include <cmath>

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

}  // namespace qd
