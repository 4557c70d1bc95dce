#include "ir/shape_inference.h"

#include <gtest/gtest.h>

namespace qd::ir {
namespace {

// Builds input -> node(op, attrs, extra constant inputs) -> output and returns the output shape.
struct OneNode {
  Graph g;
  ValueId x;
  explicit OneNode(Shape in) {
    x = g.add_value("x", DataType::f32, std::move(in));
    g.inputs().push_back(x);
  }
  ValueId constant(const std::string& name, Shape s) {
    return g.add_constant(name, Tensor(DataType::f32, s));
  }
  Shape run(OpKind op, Attrs attrs, std::vector<ValueId> extra = {}) {
    std::vector<ValueId> ins{x};
    ins.insert(ins.end(), extra.begin(), extra.end());
    ValueId y = g.add_value("y");
    g.add_node(Node{"n", op, ins, {y}, std::move(attrs)});
    g.outputs().push_back(y);
    infer_shapes(g);
    return g.value(y).shape;
  }
};

TEST(ShapeInference, ConvWithAsymmetricPadsStrideDilationGroups) {
  OneNode t({2, 8, 17, 20});
  ConvAttrs a;
  a.kernel_h = 3, a.kernel_w = 5, a.stride_h = 2, a.stride_w = 1, a.pad_top = 1, a.pad_bottom = 0;
  a.pad_left = 2, a.pad_right = 2, a.dilation_w = 2, a.group = 4;
  // H: (17+1+0-3)/2+1 = 8; W: (20+4-(2*4+1))/1+1 = 16
  EXPECT_EQ(t.run(OpKind::Conv, a, {t.constant("w", {12, 2, 3, 5})}), (Shape{2, 12, 8, 16}));
}

TEST(ShapeInference, ConvChannelMismatchNamesNode) {
  OneNode t({1, 3, 8, 8});
  ConvAttrs a;
  a.kernel_h = a.kernel_w = 3;
  try {
    t.run(OpKind::Conv, a, {t.constant("w", {4, 5, 3, 3})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'n'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("channels"), std::string::npos) << e.what();
  }
}

TEST(ShapeInference, SymbolicBatchPropagatesAndBroadcasts) {
  OneNode t({kDynamicDim, 4, 1, 5});
  EXPECT_EQ(t.run(OpKind::Add, {}, {t.constant("b", {3, 1})}), (Shape{kDynamicDim, 4, 3, 5}));
}

TEST(ShapeInference, BroadcastMismatchFails) {
  OneNode t({2, 3});
  EXPECT_THROW(t.run(OpKind::Mul, {}, {t.constant("b", {4})}), Error);
}

TEST(ShapeInference, PoolCeilModeDropsWindowStartingInPadding) {
  OneNode t({1, 1, 6, 6});
  PoolAttrs a;
  a.kernel_h = a.kernel_w = 2, a.stride_h = a.stride_w = 2, a.ceil_mode = true;
  a.pad_bottom = a.pad_right = 1;
  // span = 6+1-2 = 5 -> ceil(5/2)+1 = 4, but the 4th window would start at 6 >= 6+0 -> 3
  EXPECT_EQ(t.run(OpKind::MaxPool, a), (Shape{1, 1, 3, 3}));
}

TEST(ShapeInference, FlattenReshapeSqueezeUnsqueeze) {
  {
    OneNode t({kDynamicDim, 512, 1, 1});
    EXPECT_EQ(t.run(OpKind::Flatten, AxisAttrs{1}), (Shape{kDynamicDim, 512}));
  }
  {
    OneNode t({kDynamicDim, 512, 1, 1});
    EXPECT_EQ(t.run(OpKind::Reshape, ReshapeAttrs{{0, -1}}), (Shape{kDynamicDim, 512}));
  }
  {
    OneNode t({2, 6, 4});
    EXPECT_EQ(t.run(OpKind::Reshape, ReshapeAttrs{{-1, 8}}), (Shape{6, 8}));
  }
  {
    OneNode t({2, 1, 3, 1});
    EXPECT_EQ(t.run(OpKind::Squeeze, AxesAttrs{{}}), (Shape{2, 3}));
  }
  {
    OneNode t({2, 3});
    EXPECT_EQ(t.run(OpKind::Unsqueeze, AxesAttrs{{0, 3}}), (Shape{1, 2, 3, 1}));
  }
}

TEST(ShapeInference, GemmMatMulConcatPadTransposeReduce) {
  {
    OneNode t({4, 7});
    GemmAttrs a;
    a.trans_b = true;
    EXPECT_EQ(t.run(OpKind::Gemm, a, {t.constant("b", {10, 7}), t.constant("c", {10})}), (Shape{4, 10}));
  }
  {
    OneNode t({5, 2, 3});
    EXPECT_EQ(t.run(OpKind::MatMul, {}, {t.constant("b", {3, 4})}), (Shape{5, 2, 4}));
  }
  {
    OneNode t({1, 2, 3});
    EXPECT_EQ(t.run(OpKind::Concat, AxisAttrs{-2}, {t.constant("b", {1, 5, 3})}), (Shape{1, 7, 3}));
  }
  {
    OneNode t({1, 2, 3, 3});
    EXPECT_EQ(t.run(OpKind::Pad, PadAttrs{{0, 0, 1, 2, 0, 0, 3, 4}}), (Shape{1, 2, 7, 9}));
  }
  {
    OneNode t({1, 2, 3});
    EXPECT_EQ(t.run(OpKind::Transpose, AxesAttrs{{2, 0, 1}}), (Shape{3, 1, 2}));
  }
  {
    OneNode t({2, 8, 5, 5});
    EXPECT_EQ(t.run(OpKind::ReduceMean, ReduceAttrs{{2, 3}, false}), (Shape{2, 8}));
  }
}

TEST(ShapeInference, WithBatchRewritesBakedReshapeBatch) {
  OneNode t({1, 512, 1, 1});
  t.run(OpKind::Reshape, ReshapeAttrs{{1, 512}});
  Graph b = with_batch(t.g, 8);
  EXPECT_EQ(b.value(b.find_value("y")).shape, (Shape{8, 512}));
}

}  // namespace
}  // namespace qd::ir

namespace qd::ir {
namespace {

TEST(ShapeInference, LayerNormKeepsShapeAndChecksAffineSize) {
  OneNode t({2, 8, 5, 5});
  EXPECT_EQ(
      t.run(OpKind::LayerNorm, LayerNormAttrs{1, 1, 1e-6f}, {t.constant("s", {8}), t.constant("b", {8})}),
      (Shape{2, 8, 5, 5}));
  OneNode bad({2, 8, 5, 5});
  EXPECT_THROW(bad.run(OpKind::LayerNorm, LayerNormAttrs{3, 1, 1e-6f}, {bad.constant("s", {8})}), Error);
  OneNode over({2, 8});
  EXPECT_THROW(over.run(OpKind::LayerNorm, LayerNormAttrs{1, 2, 1e-6f}, {over.constant("s", {8})}), Error);
}

TEST(ShapeInference, PowBroadcastsAndUnaryMathKeepsShape) {
  OneNode t({1, 3, 4});
  EXPECT_EQ(t.run(OpKind::Pow, {}, {t.constant("e", {4})}), (Shape{1, 3, 4}));
  for (OpKind op : {OpKind::Erf, OpKind::Sqrt, OpKind::Gelu}) {
    OneNode u({2, 7});
    EXPECT_EQ(u.run(op, {}), (Shape{2, 7}));
  }
}

}  // namespace
}  // namespace qd::ir
