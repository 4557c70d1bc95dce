// ConvNeXt's ONNX ops: LayerNormalization (opset 17), Erf/Pow/Sqrt, and the opset-13 GELU and LayerNorm
// patterns fused at import.
#include <gtest/gtest.h>

#include "import_helpers.h"

namespace qd::test {
namespace {

using ir::OpKind;

TEST(OnnxLayerNormalization, Opset17AxisAndEpsilon) {
  OnnxBuilder b(17);
  b.input("x", {1, 3, 4, 6}).output("y").init_f32("g", {4, 6}, std::vector<float>(24, 1.f));
  b.init_f32("bb", {4, 6}, std::vector<float>(24, 0.f));
  auto& n = b.node("LayerNormalization", {"x", "g", "bb"}, {"y"}, "/ln");
  set_attr(n, "axis", int64_t{-2});
  set_attr(n, "epsilon", 1e-6f);
  ir::Model m = import_built(b);
  const ir::Node& ln = only_node(m.graph, OpKind::LayerNorm);
  EXPECT_EQ(ln.attr<ir::LayerNormAttrs>().axis, 2);
  EXPECT_EQ(ln.attr<ir::LayerNormAttrs>().num_axes, 2);
  EXPECT_FLOAT_EQ(ln.attr<ir::LayerNormAttrs>().epsilon, 1e-6f);
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{1, 3, 4, 6}));
}

TEST(OnnxGeluPattern, Opset13ErfFormBecomesOneGelu) {
  OnnxBuilder b(13);
  b.input("x", {1, 8}).output("y");
  b.init_f32("sqrt2", {}, {1.41421354f}).init_f32("one", {}, {1.f}).init_f32("half", {}, {0.5f});
  b.node("Div", {"x", "sqrt2"}, {"d"}, "/div");
  b.node("Erf", {"d"}, {"e"}, "/erf");
  b.node("Add", {"e", "one"}, {"a"}, "/add");
  b.node("Mul", {"x", "a"}, {"m"}, "/mul");
  b.node("Mul", {"m", "half"}, {"y"}, "/mul_1");
  ir::Model m = import_built(b);
  EXPECT_EQ(m.graph.nodes().size(), 1u);
  EXPECT_EQ(only_node(m.graph, OpKind::Gelu).outputs[0], m.graph.outputs()[0]);
}

TEST(OnnxUnaryMath, ErfPowSqrtImportAndFoldOnConstants) {
  OnnxBuilder b(13);
  b.input("x", {2, 3}).output("y").init_f32("four", {}, {4.f}).init_f32("two", {}, {2.f});
  b.node("Sqrt", {"four"}, {"s"}, "/sqrt_const");  // folds to 2
  b.node("Pow", {"x", "s"}, {"p"}, "/pow");
  b.node("Erf", {"p"}, {"e"}, "/erf");
  b.node("Sqrt", {"e"}, {"y"}, "/sqrt");
  ir::Model m = import_built(b);
  EXPECT_EQ(count_ops(m.graph, OpKind::Pow), 1);
  EXPECT_EQ(count_ops(m.graph, OpKind::Erf), 1);
  EXPECT_EQ(count_ops(m.graph, OpKind::Sqrt), 1);  // the constant one folded
  const ir::Node& pow = only_node(m.graph, OpKind::Pow);
  EXPECT_EQ(floats(m.graph.value(pow.inputs[1]).constant), (std::vector<float>{2.f}));
}

}  // namespace
}  // namespace qd::test
