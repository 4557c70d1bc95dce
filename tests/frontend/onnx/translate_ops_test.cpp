// Per-op translation: attributes, defaults, opset differences and the resulting shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "import_helpers.h"

namespace qd::test {
namespace {

using ir::OpKind;

std::vector<float> iota(size_t n, float start = 0.f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

TEST(OnnxConv, DepthwiseDilatedAsymmetricPads) {
  OnnxBuilder b(13);
  b.input("x", {1, 4, 10, 10})
      .output("y")
      .init_f32("w", {4, 1, 3, 3}, iota(36))
      .init_f32("b", {4}, {1, 2, 3, 4});
  auto& n = b.node("Conv", {"x", "w", "b"}, {"y"}, "/conv");
  set_attr(n, "group", int64_t{4});
  set_attr(n, "dilations", std::vector<int64_t>{2, 2});
  set_attr(n, "pads", std::vector<int64_t>{1, 0, 2, 1});  // top, left, bottom, right
  set_attr(n, "strides", std::vector<int64_t>{2, 1});
  ir::Model m = import_built(b);
  const ir::Node& c = only_node(m.graph, OpKind::Conv);
  const auto& a = c.attr<ir::ConvAttrs>();
  EXPECT_EQ(c.name, "/conv");
  EXPECT_EQ(a.group, 4);
  EXPECT_EQ(a.kernel_h, 3);
  EXPECT_EQ(a.kernel_w, 3);
  EXPECT_EQ(a.dilation_h, 2);
  EXPECT_EQ(a.dilation_w, 2);
  EXPECT_EQ(a.stride_h, 2);
  EXPECT_EQ(a.stride_w, 1);
  EXPECT_EQ(a.pad_top, 1);
  EXPECT_EQ(a.pad_left, 0);
  EXPECT_EQ(a.pad_bottom, 2);
  EXPECT_EQ(a.pad_right, 1);
  EXPECT_FALSE(a.activation.has_value());
  // H: (10 + 1 + 2 - 5) / 2 + 1 = 5;  W: (10 + 0 + 1 - 5) / 1 + 1 = 7
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{1, 4, 5, 7}));
  EXPECT_EQ(floats(value_named(m.graph, "w").constant), iota(36));
}

// out = ceil(in / stride); total pad = (out - 1) * stride + k - in; SAME_UPPER puts the odd one at the end.
struct AutoPadCase {
  std::string mode;
  int64_t in, k, stride;
  int begin, end;
  int64_t out;
};

class OnnxConvAutoPad : public ::testing::TestWithParam<AutoPadCase> {};

TEST_P(OnnxConvAutoPad, ResolvedToExplicitPads) {
  const AutoPadCase& p = GetParam();
  OnnxBuilder b(11);
  b.input("x", {1, 1, p.in, p.in})
      .output("y")
      .init_f32("w", {1, 1, p.k, p.k}, std::vector<float>(p.k * p.k, 1.f));
  auto& n = b.node("Conv", {"x", "w"}, {"y"});
  set_attr(n, "auto_pad", p.mode);
  set_attr(n, "strides", std::vector<int64_t>{p.stride, p.stride});
  ir::Model m = import_built(b);
  const auto& a = only_node(m.graph, OpKind::Conv).attr<ir::ConvAttrs>();
  EXPECT_EQ(a.pad_top, p.begin);
  EXPECT_EQ(a.pad_left, p.begin);
  EXPECT_EQ(a.pad_bottom, p.end);
  EXPECT_EQ(a.pad_right, p.end);
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{1, 1, p.out, p.out}));
}

INSTANTIATE_TEST_SUITE_P(Modes, OnnxConvAutoPad,
                         ::testing::Values(AutoPadCase{"SAME_UPPER", 7, 3, 2, 1, 1, 4},  // total 2
                                           AutoPadCase{"SAME_UPPER", 8, 3, 2, 0, 1, 4},  // total 1
                                           AutoPadCase{"SAME_LOWER", 8, 3, 2, 1, 0, 4},
                                           AutoPadCase{"SAME_UPPER", 5, 2, 1, 0, 1, 5},
                                           AutoPadCase{"SAME_LOWER", 5, 4, 1, 2, 1, 5},  // total 3
                                           AutoPadCase{"VALID", 7, 3, 2, 0, 0, 3}));

TEST(OnnxConv, KernelFromWeightsAndSymbolicBatch) {
  OnnxBuilder b(13);
  b.input("x", {-1, 2, 6, 6}).output("y").init_f32("w", {3, 2, 1, 1}, iota(6));
  b.node("Conv", {"x", "w"}, {"y"});
  ir::Model m = import_built(b);
  const auto& a = only_node(m.graph, OpKind::Conv).attr<ir::ConvAttrs>();
  EXPECT_EQ(a.kernel_h, 1);
  EXPECT_EQ(a.kernel_w, 1);
  EXPECT_EQ(m.graph.value(m.graph.inputs()[0]).shape, (Shape{kDynamicDim, 2, 6, 6}));
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{kDynamicDim, 3, 6, 6}));
}

TEST(OnnxConv, SameAutoPadWithSymbolicSpatialSizeIsUnsupported) {
  OnnxBuilder b(13);
  b.input("x", {1, 1, -1, -1}).output("y").init_f32("w", {1, 1, 3, 3}, std::vector<float>(9, 1.f));
  set_attr(b.node("Conv", {"x", "w"}, {"y"}, "/c"), "auto_pad", std::string("SAME_UPPER"));
  try {
    import_built(b);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("Conv (node '/c': auto_pad SAME_UPPER needs a static"),
              std::string::npos)
        << e.what();
  }
}

TEST(OnnxActivation, ClipBoundsFromInputs) {
  OnnxBuilder b(13);
  b.input("x", {1, 2})
      .output("a")
      .output("c")
      .output("d")
      .init_f32("lo", {}, {-1.5f})
      .init_f32("hi", {}, {6.f});
  b.node("Clip", {"x", "lo", "hi"}, {"a"});
  b.node("Clip", {"x", "", "hi"}, {"c"});  // min omitted
  b.node("Clip", {"x"}, {"d"});
  ir::Model m = import_built(b);
  ASSERT_EQ(count_ops(m.graph, OpKind::Clip), 3);
  auto attrs = [&](const std::string& out) {
    return m.graph.node(m.graph.producer(m.graph.find_value(out))).attr<ir::ActAttrs>();
  };
  constexpr float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(attrs("a").alpha, -1.5f);
  EXPECT_EQ(attrs("a").beta, 6.f);
  EXPECT_EQ(attrs("c").alpha, -inf);
  EXPECT_EQ(attrs("c").beta, 6.f);
  EXPECT_EQ(attrs("d").alpha, -inf);
  EXPECT_EQ(attrs("d").beta, inf);
  for (const auto& n : m.graph.nodes()) EXPECT_EQ(n.inputs.size(), 1u);
}

TEST(OnnxActivation, ClipWithRuntimeBoundIsUnsupported) {
  OnnxBuilder b(13);
  b.input("x", {1, 2}).input("lo", {1}).output("a");
  b.node("Clip", {"x", "lo"}, {"a"}, "/clip");
  try {
    import_built(b);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("Clip (node '/clip': min is computed at run time"),
              std::string::npos)
        << e.what();
  }
}

TEST(OnnxActivation, ParametersAndDefaults) {
  OnnxBuilder b(14);
  b.input("x", {1, 3}).output("y");
  b.node("LeakyRelu", {"x"}, {"l"});
  set_attr(b.node("HardSigmoid", {"l"}, {"h"}), "alpha", 0.25f);
  b.node("HardSwish", {"h"}, {"s"});
  b.node("Sigmoid", {"s"}, {"r"});
  set_attr(b.node("LeakyRelu", {"r"}, {"y"}), "alpha", 0.3f);
  ir::Model m = import_built(b);
  const auto& g = m.graph;
  ASSERT_EQ(g.nodes().size(), 5u) << ir::dump(g);
  EXPECT_EQ(g.nodes()[0].op, OpKind::LeakyRelu);
  EXPECT_FLOAT_EQ(g.nodes()[0].attr<ir::ActAttrs>().alpha, 0.01f);
  EXPECT_EQ(g.nodes()[1].op, OpKind::HardSigmoid);
  EXPECT_FLOAT_EQ(g.nodes()[1].attr<ir::ActAttrs>().alpha, 0.25f);
  EXPECT_FLOAT_EQ(g.nodes()[1].attr<ir::ActAttrs>().beta, 0.5f);
  EXPECT_EQ(g.nodes()[2].op, OpKind::HardSwish);
  EXPECT_EQ(g.nodes()[3].op, OpKind::Sigmoid);
  EXPECT_FLOAT_EQ(g.nodes()[4].attr<ir::ActAttrs>().alpha, 0.3f);
  EXPECT_EQ(value_named(g, "y").shape, (Shape{1, 3}));
}

TEST(OnnxBinary, BroadcastingShapes) {
  OnnxBuilder b(13);
  b.input("x", {2, 3, 4, 4}).output("y").init_f32("c", {3, 1, 1}, {1, 2, 3}).init_f32("s", {4}, {1, 1, 1, 1});
  b.node("Add", {"x", "c"}, {"a"});
  b.node("Sub", {"a", "s"}, {"b"});
  b.node("Mul", {"b", "x"}, {"m"});
  b.node("Div", {"m", "c"}, {"y"});
  ir::Model m = import_built(b);
  EXPECT_EQ(count_ops(m.graph, OpKind::Add), 1);
  EXPECT_EQ(count_ops(m.graph, OpKind::Sub), 1);
  EXPECT_EQ(count_ops(m.graph, OpKind::Mul), 1);
  EXPECT_EQ(count_ops(m.graph, OpKind::Div), 1);
  EXPECT_EQ(value_named(m.graph, "a").shape, (Shape{2, 3, 4, 4}));
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{2, 3, 4, 4}));
}

TEST(OnnxPool, MaxAverageGlobal) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 7, 7}).output("mp").output("ap").output("gp");
  auto& mp = b.node("MaxPool", {"x"}, {"mp"});
  set_attr(mp, "kernel_shape", std::vector<int64_t>{3, 3});
  set_attr(mp, "strides", std::vector<int64_t>{2, 2});
  set_attr(mp, "ceil_mode", int64_t{1});
  auto& ap = b.node("AveragePool", {"x"}, {"ap"});
  set_attr(ap, "kernel_shape", std::vector<int64_t>{2, 2});
  set_attr(ap, "pads", std::vector<int64_t>{1, 1, 0, 0});
  set_attr(ap, "count_include_pad", int64_t{1});
  b.node("GlobalAveragePool", {"x"}, {"gp"});
  ir::Model m = import_built(b);
  const auto& pm = only_node(m.graph, OpKind::MaxPool).attr<ir::PoolAttrs>();
  EXPECT_EQ(pm.kernel_h, 3);
  EXPECT_EQ(pm.stride_w, 2);
  EXPECT_TRUE(pm.ceil_mode);
  const auto& pa = only_node(m.graph, OpKind::AveragePool).attr<ir::PoolAttrs>();
  EXPECT_EQ(pa.pad_top, 1);
  EXPECT_EQ(pa.pad_bottom, 0);
  EXPECT_TRUE(pa.count_include_pad);
  EXPECT_FALSE(pa.ceil_mode);
  // ceil((7 - 3) / 2) + 1 = 3; (7 + 1 - 2) / 1 + 1 = 7
  EXPECT_EQ(value_named(m.graph, "mp").shape, (Shape{1, 2, 3, 3}));
  EXPECT_EQ(value_named(m.graph, "ap").shape, (Shape{1, 2, 7, 7}));
  EXPECT_EQ(value_named(m.graph, "gp").shape, (Shape{1, 2, 1, 1}));
}

TEST(OnnxReduceMean, AxesAttributeBeforeOpset18) {
  OnnxBuilder b(13);
  b.input("x", {2, 3, 4, 5}).output("y");
  auto& n = b.node("ReduceMean", {"x"}, {"y"});
  set_attr(n, "axes", std::vector<int64_t>{-1, 2});
  set_attr(n, "keepdims", int64_t{0});
  ir::Model m = import_built(b);
  const auto& a = only_node(m.graph, OpKind::ReduceMean).attr<ir::ReduceAttrs>();
  EXPECT_EQ(a.axes, (std::vector<int64_t>{2, 3}));  // normalised: non-negative, sorted
  EXPECT_FALSE(a.keepdims);
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{2, 3}));
}

TEST(OnnxReduceMean, AxesInputFromOpset18) {
  OnnxBuilder b(18);
  b.input("x", {2, 3, 4, 5}).output("y").init_i64("axes", {2}, {2, 3});
  b.node("ReduceMean", {"x", "axes"}, {"y"});
  ir::Model m = import_built(b);
  const auto& a = only_node(m.graph, OpKind::ReduceMean).attr<ir::ReduceAttrs>();
  EXPECT_EQ(a.axes, (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(a.keepdims);
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{2, 3, 1, 1}));
}

TEST(OnnxReduceMean, EmptyAxesReduceAllOrNoop) {
  OnnxBuilder b(18);
  b.input("x", {2, 3}).output("all").output("same");
  set_attr(b.node("ReduceMean", {"x"}, {"all"}), "keepdims", int64_t{0});
  auto& noop = b.node("ReduceMean", {"x"}, {"r"});
  set_attr(noop, "noop_with_empty_axes", int64_t{1});
  b.node("Relu", {"r"}, {"same"});
  ir::Model m = import_built(b);
  EXPECT_EQ(only_node(m.graph, OpKind::ReduceMean).attr<ir::ReduceAttrs>().axes,
            (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(value_named(m.graph, "all").shape, Shape{});
  // The no-op reduction became an identity and was removed: Relu reads x directly.
  const ir::Node& relu = only_node(m.graph, OpKind::Relu);
  EXPECT_EQ(m.graph.value(relu.inputs[0]).name, "x");
}

TEST(OnnxLayout, FlattenReshapeSqueezeUnsqueezeAttributes) {
  OnnxBuilder b(11);
  b.input("x", {1, 8, 1, 1}).output("y").init_i64("shape", {3}, {0, 2, -1});
  set_attr(b.node("Squeeze", {"x"}, {"s"}), "axes", std::vector<int64_t>{2, -1});
  set_attr(b.node("Unsqueeze", {"s"}, {"u"}), "axes", std::vector<int64_t>{-1});
  b.node("Reshape", {"u", "shape"}, {"r"});
  set_attr(b.node("Flatten", {"r"}, {"y"}), "axis", int64_t{-1});
  ir::Model m = import_built(b);
  EXPECT_EQ(only_node(m.graph, OpKind::Squeeze).attr<ir::AxesAttrs>().axes, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(only_node(m.graph, OpKind::Unsqueeze).attr<ir::AxesAttrs>().axes, (std::vector<int64_t>{2}));
  EXPECT_EQ(only_node(m.graph, OpKind::Reshape).attr<ir::ReshapeAttrs>().shape,
            (std::vector<int64_t>{0, 2, -1}));
  EXPECT_EQ(only_node(m.graph, OpKind::Flatten).attr<ir::AxisAttrs>().axis, 2);
  EXPECT_EQ(value_named(m.graph, "s").shape, (Shape{1, 8}));
  EXPECT_EQ(value_named(m.graph, "u").shape, (Shape{1, 8, 1}));
  EXPECT_EQ(value_named(m.graph, "r").shape, (Shape{1, 2, 4}));
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{2, 4}));
}

TEST(OnnxLayout, SqueezeUnsqueezeAxesInputsFromOpset13) {
  OnnxBuilder b(13);
  b.input("x", {1, 8, 1, 1}).output("y").init_i64("sq", {2}, {2, 3}).init_i64("un", {1}, {0});
  b.node("Squeeze", {"x", "sq"}, {"s"});
  b.node("Unsqueeze", {"s", "un"}, {"y"});
  ir::Model m = import_built(b);
  EXPECT_EQ(only_node(m.graph, OpKind::Squeeze).attr<ir::AxesAttrs>().axes, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{1, 1, 8}));
}

// The TorchScript exporter's x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
TEST(OnnxLayout, ReshapeShapeComputedByFoldableHelpers) {
  OnnxBuilder b(11);
  b.input("x", {2, 4, 3, 1}).output("y").init_i64("zero", {}, {0}).init_i64("minus1", {1}, {-1});
  b.node("Relu", {"x"}, {"r"});
  b.node("Shape", {"r"}, {"shape"});
  set_attr(b.node("Gather", {"shape", "zero"}, {"batch"}), "axis", int64_t{0});
  set_attr(b.node("Unsqueeze", {"batch"}, {"batch1"}), "axes", std::vector<int64_t>{0});
  set_attr(b.node("Concat", {"batch1", "minus1"}, {"target"}), "axis", int64_t{0});
  b.node("Reshape", {"r", "target"}, {"y"});
  ir::Model m = import_built(b);
  ASSERT_EQ(m.graph.nodes().size(), 2u) << ir::dump(m.graph);
  EXPECT_EQ(only_node(m.graph, OpKind::Reshape).attr<ir::ReshapeAttrs>().shape,
            (std::vector<int64_t>{2, -1}));
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{2, 12}));
}

TEST(OnnxLayout, ShapeOfSymbolicBatchIsUnsupported) {
  OnnxBuilder b(13);
  b.input("x", {-1, 4}).output("y").init_i64("zero", {}, {0});
  b.node("Shape", {"x"}, {"shape"}, "/shape");
  b.node("Gather", {"shape", "zero"}, {"n"}, "/gather");
  b.node("Reshape", {"x", "n"}, {"y"}, "/reshape");
  try {
    import_built(b, "dyn.onnx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
    // Only the root cause is listed: Gather and Reshape depend on it.
    EXPECT_EQ(
        std::string(e.what()),
        "dyn.onnx: unsupported ONNX ops: Shape (node '/shape': input shape ?x4 has a symbolic dimension)");
  }
}

TEST(OnnxDense, GemmMatMulAttributes) {
  OnnxBuilder b(13);
  b.input("x", {2, 4})
      .output("y")
      .init_f32("w", {3, 4}, iota(12))
      .init_f32("c", {3}, {1, 2, 3})
      .init_f32("m", {3, 5}, iota(15));
  auto& g = b.node("Gemm", {"x", "w", "c"}, {"h"});
  set_attr(g, "transB", int64_t{1});
  set_attr(g, "alpha", 0.5f);
  set_attr(g, "beta", 2.f);
  b.node("MatMul", {"h", "m"}, {"y"});
  ir::Model m = import_built(b);
  const auto& a = only_node(m.graph, OpKind::Gemm).attr<ir::GemmAttrs>();
  EXPECT_TRUE(a.trans_b);
  EXPECT_FALSE(a.trans_a);
  EXPECT_FLOAT_EQ(a.alpha, 0.5f);
  EXPECT_FLOAT_EQ(a.beta, 2.f);
  EXPECT_EQ(only_node(m.graph, OpKind::Gemm).inputs.size(), 3u);
  EXPECT_EQ(value_named(m.graph, "h").shape, (Shape{2, 3}));
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{2, 5}));
}

TEST(OnnxSoftmax, DefaultAxisDependsOnOpset) {
  for (int opset : {11, 13}) {
    OnnxBuilder b(opset);
    b.input("x", {2, 5}).output("y");
    b.node("Softmax", {"x"}, {"y"});
    ir::Model m = import_built(b);
    EXPECT_EQ(only_node(m.graph, OpKind::Softmax).attr<ir::AxisAttrs>().axis, 1) << "opset " << opset;
  }
  OnnxBuilder b13(13);
  b13.input("x", {2, 3, 5}).output("y");
  b13.node("Softmax", {"x"}, {"y"});
  EXPECT_EQ(only_node(import_built(b13).graph, OpKind::Softmax).attr<ir::AxisAttrs>().axis, 2);
  // Opset 11 default axis 1 on [2, 3, 5] means a softmax over 15 values: not expressible.
  OnnxBuilder b11(11);
  b11.input("x", {2, 3, 5}).output("y");
  b11.node("Softmax", {"x"}, {"y"}, "/sm");
  EXPECT_THROW(import_built(b11), Error);
  // ...but fine when the trailing dims are 1.
  OnnxBuilder b11ok(11);
  b11ok.input("x", {2, 3, 1}).output("y");
  b11ok.node("Softmax", {"x"}, {"y"});
  EXPECT_EQ(only_node(import_built(b11ok).graph, OpKind::Softmax).attr<ir::AxisAttrs>().axis, 1);
}

TEST(OnnxLayout, ConcatPadTranspose) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 3, 4})
      .input("z", {1, 1, 3, 4})
      .output("y")
      .init_i64("pads", {8}, {0, 0, 1, 2, 0, 0, 3, 4});
  b.init_f32("pv", {}, {0.5f});
  set_attr(b.node("Concat", {"x", "z"}, {"c"}), "axis", int64_t{-3});
  auto& pad = b.node("Pad", {"c", "pads", "pv"}, {"p"});
  set_attr(pad, "mode", std::string("reflect"));
  b.node("Transpose", {"p"}, {"y"});
  ir::Model m = import_built(b);
  EXPECT_EQ(only_node(m.graph, OpKind::Concat).attr<ir::AxisAttrs>().axis, 1);
  const auto& pa = only_node(m.graph, OpKind::Pad).attr<ir::PadAttrs>();
  EXPECT_EQ(pa.pads, (std::vector<int64_t>{0, 0, 1, 2, 0, 0, 3, 4}));
  EXPECT_EQ(pa.mode, ir::PadMode::reflect);
  EXPECT_FLOAT_EQ(pa.value, 0.5f);
  EXPECT_EQ(only_node(m.graph, OpKind::Transpose).attr<ir::AxesAttrs>().axes,
            (std::vector<int64_t>{3, 2, 1, 0}));
  EXPECT_EQ(value_named(m.graph, "c").shape, (Shape{1, 3, 3, 4}));
  EXPECT_EQ(value_named(m.graph, "p").shape, (Shape{1, 3, 7, 10}));
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{10, 7, 3, 1}));
}

TEST(OnnxLayout, PadAxesInputFromOpset18) {
  OnnxBuilder b(18);
  b.input("x", {1, 2, 3, 4}).output("y").init_i64("pads", {4}, {1, 2, 3, 4}).init_i64("axes", {2}, {-2, 3});
  b.node("Pad", {"x", "pads", "", "axes"}, {"y"});
  ir::Model m = import_built(b);
  const auto& pa = only_node(m.graph, OpKind::Pad).attr<ir::PadAttrs>();
  EXPECT_EQ(pa.pads, (std::vector<int64_t>{0, 0, 1, 2, 0, 0, 3, 4}));
  EXPECT_EQ(pa.mode, ir::PadMode::constant);
  EXPECT_EQ(value_named(m.graph, "y").shape, (Shape{1, 2, 7, 10}));
}

TEST(OnnxConstant, ValueKindsAndHelpersFold) {
  OnnxBuilder b(13);
  b.input("x", {2, 3}).output("y");
  set_attr_floats(b.node("Constant", {}, {"cf"}), "value_floats", {1.f, 2.f, 3.f});
  set_attr(b.node("Constant", {}, {"ci"}), "value_int", int64_t{2});
  set_attr(b.node("Constant", {}, {"ct"}), "value", make_f32("t", {3}, {10.f, 20.f, 30.f}, false));
  set_attr(b.node("Constant", {}, {"cs"}), "value_ints", std::vector<int64_t>{1, 3});
  b.node("Mul", {"cf", "ct"}, {"prod"});  // folded: {10, 40, 90}
  set_attr(b.node("Cast", {"ci"}, {"cif"}), "to", int64_t{onnx::TensorProto::FLOAT});
  b.node("Div", {"prod", "cif"}, {"half"});      // folded: {5, 20, 45}
  b.node("ConstantOfShape", {"cs"}, {"zeros"});  // [1, 3] zeros
  b.node("Add", {"half", "zeros"}, {"bias"});    // [1, 3]
  b.node("Add", {"x", "bias"}, {"y"});
  ir::Model m = import_built(b);
  ASSERT_EQ(m.graph.nodes().size(), 1u) << ir::dump(m.graph);
  const ir::Node& add = only_node(m.graph, OpKind::Add);
  const ir::Value& bias = m.graph.value(add.inputs[1]);
  ASSERT_TRUE(bias.is_constant());
  EXPECT_EQ(bias.constant.shape(), (Shape{1, 3}));
  EXPECT_EQ(floats(bias.constant), (std::vector<float>{5.f, 20.f, 45.f}));
}

TEST(OnnxConstant, SliceRangeGatherCastFold) {
  OnnxBuilder b(13);
  b.input("x", {2}).output("y");
  b.init_i64("start", {}, {0}).init_i64("limit", {}, {6}).init_i64("delta", {}, {1});
  b.init_i64("s", {1}, {-2}).init_i64("e", {1}, {-6}).init_i64("ax", {1}, {0}).init_i64("st", {1}, {-2});
  b.init_i64("idx", {2}, {1, 0});
  b.node("Range", {"start", "limit", "delta"}, {"r"});   // 0 1 2 3 4 5
  b.node("Slice", {"r", "s", "e", "ax", "st"}, {"sl"});  // from index 4 down to (not incl.) 0 by -2: 4 2
  b.node("Gather", {"sl", "idx"}, {"g"});                // 2 4
  set_attr(b.node("Cast", {"g"}, {"gf"}), "to", int64_t{onnx::TensorProto::FLOAT});
  b.node("Add", {"x", "gf"}, {"y"});
  ir::Model m = import_built(b);
  ASSERT_EQ(m.graph.nodes().size(), 1u) << ir::dump(m.graph);
  const ir::Value& c = m.graph.value(m.graph.nodes()[0].inputs[1]);
  ASSERT_TRUE(c.is_constant());
  EXPECT_EQ(c.constant.dtype(), DataType::f32);
  EXPECT_EQ(floats(c.constant), (std::vector<float>{2.f, 4.f}));
}

TEST(OnnxIdentity, IdentityAndDropoutRemoved) {
  OnnxBuilder b(12);
  b.input("x", {1, 4}).output("y");
  b.node("Identity", {"x"}, {"i"});
  b.node("Relu", {"i"}, {"r"});
  b.node("Dropout", {"r"}, {"d", ""});
  b.node("Identity", {"d"}, {"y"});
  ir::Model m = import_built(b);
  ASSERT_EQ(m.graph.nodes().size(), 1u) << ir::dump(m.graph);
  const ir::Node& relu = m.graph.nodes()[0];
  EXPECT_EQ(relu.op, OpKind::Relu);
  EXPECT_EQ(m.graph.value(relu.inputs[0]).name, "x");
  EXPECT_EQ(m.graph.value(relu.outputs[0]).name, "y");  // output name survives
  EXPECT_EQ(m.graph.value(m.graph.outputs()[0]).name, "y");
}

}  // namespace
}  // namespace qd::test
