// ir::non_negative_by_construction: the rule both the int8 runtime (u8 vs s8 inputs) and the quantization
// analyses use. Expected answers follow from each op's definition.
#include "ir/non_negative.h"

#include <gtest/gtest.h>

#include "runtime/graph_builder.h"

namespace qd::ir {
namespace {

using runtime::testing::conv_attrs;
using runtime::testing::GraphBuilder;
using runtime::testing::random_tensor;

TEST(NonNegative, FollowsEachOpsDefinition) {
  GraphBuilder b;
  const ValueId x = b.input("x", {1, 8, 6, 6});
  ConvAttrs with_relu = conv_attrs(3, 1, 1);
  with_relu.activation = FusedActivation{OpKind::Relu};
  const ValueId conv_relu = b.conv(x, 8, 8, with_relu, 1);
  const ValueId conv_plain = b.conv(x, 8, 8, conv_attrs(3, 1, 1), 2);
  const ValueId relu = b.node(OpKind::Relu, {conv_plain});
  const ValueId relu6 = b.node(OpKind::Clip, {conv_plain}, ActAttrs{0.f, 6.f});
  const ValueId clip_signed = b.node(OpKind::Clip, {conv_plain}, ActAttrs{-1.f, 1.f});
  const ValueId pooled = b.node(OpKind::MaxPool, {relu}, PoolAttrs{});
  const ValueId sum_nonneg = b.node(OpKind::Add, {relu, conv_relu});
  const ValueId sum_mixed = b.node(OpKind::Add, {relu, conv_plain});
  const ValueId sum_const = b.node(OpKind::Add, {relu, b.constant(random_tensor({1, 8, 6, 6}, 3, 0.f, 1.f))});
  PadAttrs pad_neg;
  pad_neg.value = -1.f;
  const ValueId padded_neg = b.node(OpKind::Pad, {relu}, pad_neg);
  const ValueId padded_zero = b.node(OpKind::Pad, {relu}, PadAttrs{});
  for (ValueId v : {pooled, sum_nonneg, sum_mixed, sum_const, padded_neg, padded_zero, relu6, clip_signed})
    b.output(v);
  const Graph& g = b.g();

  EXPECT_FALSE(non_negative_by_construction(g, x));  // graph input
  EXPECT_TRUE(non_negative_by_construction(g, conv_relu));
  EXPECT_FALSE(non_negative_by_construction(g, conv_plain));
  EXPECT_TRUE(non_negative_by_construction(g, relu));
  EXPECT_TRUE(non_negative_by_construction(g, relu6));
  EXPECT_FALSE(non_negative_by_construction(g, clip_signed));
  EXPECT_TRUE(non_negative_by_construction(g, pooled));
  EXPECT_TRUE(non_negative_by_construction(g, sum_nonneg));
  EXPECT_FALSE(non_negative_by_construction(g, sum_mixed));
  EXPECT_FALSE(non_negative_by_construction(g, sum_const));  // constants are not assumed non-negative
  EXPECT_FALSE(non_negative_by_construction(g, padded_neg));
  EXPECT_TRUE(non_negative_by_construction(g, padded_zero));

  // The memo gives the same answers, on a first and on a second (cached) call.
  std::vector<int8_t> memo;
  for (int pass = 0; pass < 2; ++pass)
    for (ValueId v : {x, conv_relu, conv_plain, pooled, sum_nonneg, sum_mixed, padded_neg, padded_zero})
      EXPECT_EQ(non_negative_by_construction(g, v, &memo), non_negative_by_construction(g, v)) << v;
}

}  // namespace
}  // namespace qd::ir
