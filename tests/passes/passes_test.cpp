// Graph passes on hand-built IR graphs.
#include <gtest/gtest.h>

#include <cmath>

#include "passes/eliminate_identity.h"
#include "passes/fold_batchnorm_into_conv.h"
#include "passes/fold_constants.h"
#include "passes/fuse_conv_activation.h"
#include "passes/fuse_gated_activation.h"
#include "passes/remove_dead_nodes.h"
#include "passes/standard_pipeline.h"

namespace qd::passes {
namespace {

using ir::OpKind;

Tensor f32_tensor(Shape s, std::vector<float> v) { return Tensor::from<float>(std::move(s), v); }
std::vector<float> vals(const Tensor& t) {
  auto s = t.values<float>();
  return {s.begin(), s.end()};
}

// Builds IR graphs tersely: values by name, created on first use.
struct GraphBuilder {
  ir::Graph g;
  ir::ValueId in(const std::string& name, Shape s) {
    ir::ValueId v = g.add_value(name, DataType::f32, std::move(s));
    g.inputs().push_back(v);
    return v;
  }
  ir::ValueId c(const std::string& name, Tensor t) { return g.add_constant(name, std::move(t)); }
  ir::ValueId v(const std::string& name) {
    ir::ValueId id = g.find_value(name);
    return id == ir::kNoValue ? g.add_value(name) : id;
  }
  void node(const std::string& name, OpKind op, std::vector<ir::ValueId> inputs, const std::string& out,
            ir::Attrs attrs = {}) {
    ir::Node n;
    n.name = name;
    n.op = op;
    n.inputs = std::move(inputs);
    n.outputs = {v(out)};
    n.attrs = std::move(attrs);
    g.add_node(std::move(n));
  }
  void out(const std::string& name) { g.outputs().push_back(v(name)); }
  int count(OpKind op) const {
    int n = 0;
    for (const auto& x : g.nodes()) n += x.op == op;
    return n;
  }
  const ir::Node& producer_of(const std::string& name) const {
    return g.node(g.producer(g.find_value(name)));
  }
};

ir::ConvAttrs conv1x1() { return ir::ConvAttrs{}; }

TEST(FoldConstants, ChainOfConstantOpsBecomesOneConstant) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {6});
  ir::ValueId c = b.c("c", f32_tensor({2, 3}, {1, 2, 3, 4, 5, 6}));
  b.node("t", OpKind::Transpose, {c}, "ct", ir::AxesAttrs{{1, 0}});                 // [[1,4],[2,5],[3,6]]
  b.node("r", OpKind::Reshape, {b.v("ct")}, "flat", ir::ReshapeAttrs{{-1}});        // 1 4 2 5 3 6
  b.node("m", OpKind::Mul, {b.v("flat"), b.c("two", f32_tensor({}, {2}))}, "dbl");  // 2 8 4 10 6 12
  b.node("add", OpKind::Add, {x, b.v("dbl")}, "y");
  b.out("y");
  EXPECT_TRUE(FoldConstants().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 1u) << ir::dump(b.g);
  const ir::Node& add = b.g.nodes()[0];
  ASSERT_TRUE(b.g.value(add.inputs[1]).is_constant());
  EXPECT_EQ(b.g.value(add.inputs[1]).name, "dbl");
  EXPECT_EQ(vals(b.g.value(add.inputs[1]).constant), (std::vector<float>{2, 8, 4, 10, 6, 12}));
  EXPECT_FALSE(FoldConstants().run(b.g));
}

TEST(FoldConstants, GraphOutputsAndRuntimeInputsAreNotFolded) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {2});
  b.node("relu", OpKind::Relu, {b.c("c", f32_tensor({2}, {-1, 1}))}, "y");  // writes a graph output
  b.node("add", OpKind::Add, {x, b.v("y")}, "z");
  b.out("y");
  b.out("z");
  EXPECT_FALSE(FoldConstants().run(b.g));
  EXPECT_EQ(b.g.nodes().size(), 2u);
}

TEST(FoldConstants, EvaluationErrorNamesTheNode) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {2});
  b.node("bad_reshape", OpKind::Reshape, {b.c("c", f32_tensor({3}, {1, 2, 3}))}, "r", ir::ReshapeAttrs{{2}});
  b.node("add", OpKind::Add, {x, b.v("r")}, "y");
  b.out("y");
  try {
    FoldConstants().run(b.g);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::user);
    EXPECT_EQ(std::string(e.what()).rfind("node 'bad_reshape' (Reshape): ", 0), 0u) << e.what();
  }
}

// Conv 2 -> 2 channels (1x1) with bias, then BN with hand-picked parameters.
GraphBuilder conv_bn(bool extra_reader) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {1, 2, 3, 3});
  b.node("conv", OpKind::Conv,
         {x, b.c("w", f32_tensor({2, 2, 1, 1}, {1, 2, 3, 4})), b.c("bias", f32_tensor({2}, {0.5f, -1}))},
         "conv_out", conv1x1());
  b.node("bn", OpKind::BatchNormalization,
         {b.v("conv_out"), b.c("gamma", f32_tensor({2}, {2, -1})), b.c("beta", f32_tensor({2}, {1, 0})),
          b.c("mean", f32_tensor({2}, {0.5f, 1})), b.c("var", f32_tensor({2}, {3.99f, 0.24f}))},
         "bn_out", ir::BatchNormAttrs{0.01f});
  b.out("bn_out");
  if (extra_reader) {
    b.node("relu", OpKind::Relu, {b.v("conv_out")}, "side");
    b.out("side");
  }
  return b;
}

TEST(FoldBatchNormIntoConv, ScalesWeightsAndBias) {
  GraphBuilder b = conv_bn(false);
  EXPECT_TRUE(FoldBatchNormIntoConv().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 1u);
  const ir::Node& conv = b.g.nodes()[0];
  EXPECT_EQ(b.g.value(conv.outputs[0]).name, "bn_out");
  // s = gamma / sqrt(var + 0.01) = {2 / 2, -1 / 0.5} = {1, -2}
  // W' = {1*1, 2*1, 3*-2, 4*-2};  b' = (bias - mean) * s + beta = {(0.5-0.5)*1+1, (-1-1)*-2+0} = {1, 4}
  std::vector<float> w = vals(b.g.value(conv.inputs[1]).constant),
                     bias = vals(b.g.value(conv.inputs[2]).constant);
  std::vector<float> we{1, 2, -6, -8}, be{1, 4};
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(w[i], we[i], 1e-5);
  for (size_t i = 0; i < 2; ++i) EXPECT_NEAR(bias[i], be[i], 1e-5);
}

TEST(FoldBatchNormIntoConv, ConvWithoutBiasGetsOne) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {1, 1, 2, 2});
  b.node("conv", OpKind::Conv, {x, b.c("w", f32_tensor({1, 1, 1, 1}, {3}))}, "c", conv1x1());
  b.node("bn", OpKind::BatchNormalization,
         {b.v("c"), b.c("g", f32_tensor({1}, {1})), b.c("be", f32_tensor({1}, {2})),
          b.c("m", f32_tensor({1}, {1})), b.c("v", f32_tensor({1}, {1}))},
         "y", ir::BatchNormAttrs{0.f});
  b.out("y");
  EXPECT_TRUE(FoldBatchNormIntoConv().run(b.g));
  const ir::Node& conv = b.g.nodes().at(0);
  ASSERT_EQ(conv.inputs.size(), 3u);
  EXPECT_EQ(vals(b.g.value(conv.inputs[1]).constant), (std::vector<float>{3}));
  EXPECT_EQ(vals(b.g.value(conv.inputs[2]).constant), (std::vector<float>{1}));  // (0 - 1) * 1 + 2
}

TEST(FoldBatchNormIntoConv, KeptWhenConvOutputHasAnotherReaderOrNoConv) {
  GraphBuilder shared = conv_bn(true);
  EXPECT_FALSE(FoldBatchNormIntoConv().run(shared.g));
  EXPECT_EQ(shared.count(OpKind::BatchNormalization), 1);

  GraphBuilder b;
  ir::ValueId x = b.in("x", {1, 2, 3, 3});
  b.node("bn", OpKind::BatchNormalization,
         {x, b.c("g", f32_tensor({2}, {1, 1})), b.c("be", f32_tensor({2}, {0, 0})),
          b.c("m", f32_tensor({2}, {0, 0})), b.c("v", f32_tensor({2}, {1, 1}))},
         "y", ir::BatchNormAttrs{});
  b.out("y");
  EXPECT_FALSE(FoldBatchNormIntoConv().run(b.g));
}

TEST(FoldBatchNormIntoConv, SharedWeightsAreNotModified) {
  GraphBuilder b = conv_bn(false);
  ir::ValueId x2 = b.in("x2", {1, 2, 3, 3});
  b.node("conv2", OpKind::Conv, {x2, b.v("w")}, "other", conv1x1());
  b.out("other");
  EXPECT_TRUE(FoldBatchNormIntoConv().run(b.g));
  EXPECT_EQ(vals(b.g.value(b.g.find_value("w")).constant), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(b.g.value(b.producer_of("other").inputs[1]).name, "w");
  EXPECT_NE(b.g.value(b.producer_of("bn_out").inputs[1]).name, "w");
}

TEST(FuseConvActivation, FusesIntoConvAndGemmKeepingActivationOutputName) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {1, 2, 3, 3});
  b.node("conv", OpKind::Conv, {x, b.c("w", f32_tensor({2, 2, 1, 1}, {1, 0, 0, 1}))}, "c", conv1x1());
  b.node("clip", OpKind::Clip, {b.v("c")}, "clipped", ir::ActAttrs{0.f, 6.f});
  b.node("flat", OpKind::Flatten, {b.v("clipped")}, "f", ir::AxisAttrs{1});
  b.node("fc", OpKind::Gemm, {b.v("f"), b.c("fw", f32_tensor({18, 2}, std::vector<float>(36, 0.1f)))}, "g",
         ir::GemmAttrs{});
  b.node("leaky", OpKind::LeakyRelu, {b.v("g")}, "y", ir::ActAttrs{0.1f, 0.f});
  b.out("y");
  EXPECT_TRUE(FuseConvActivation().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 3u) << ir::dump(b.g);
  const ir::Node& conv = b.producer_of("clipped");
  EXPECT_EQ(conv.op, OpKind::Conv);
  ASSERT_TRUE(conv.attr<ir::ConvAttrs>().activation);
  EXPECT_EQ(conv.attr<ir::ConvAttrs>().activation->kind, OpKind::Clip);
  EXPECT_EQ(conv.attr<ir::ConvAttrs>().activation->alpha, 0.f);
  EXPECT_EQ(conv.attr<ir::ConvAttrs>().activation->beta, 6.f);
  const ir::Node& fc = b.producer_of("y");
  EXPECT_EQ(fc.op, OpKind::Gemm);
  ASSERT_TRUE(fc.attr<ir::GemmAttrs>().activation);
  EXPECT_EQ(fc.attr<ir::GemmAttrs>().activation->kind, OpKind::LeakyRelu);
  EXPECT_FLOAT_EQ(fc.attr<ir::GemmAttrs>().activation->alpha, 0.1f);
}

TEST(FuseGatedActivation, MulOfHardSigmoidBecomesHardSwishThenFusesIntoConv) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {1, 1, 2, 2});
  b.node("conv", OpKind::Conv, {x, b.c("w", f32_tensor({1, 1, 1, 1}, {1}))}, "c", conv1x1());
  b.node("hsig", OpKind::HardSigmoid, {b.v("c")}, "gate", ir::ActAttrs{1.f / 6.f, 0.5f});
  b.node("mul", OpKind::Mul, {b.v("gate"), b.v("c")}, "y");  // gate first: either operand order
  b.out("y");
  EXPECT_TRUE(FuseGatedActivation().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 2u) << ir::dump(b.g);
  EXPECT_EQ(b.producer_of("y").op, OpKind::HardSwish);
  EXPECT_EQ(b.producer_of("y").inputs, std::vector<ir::ValueId>{b.v("c")});
  EXPECT_TRUE(FuseConvActivation().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 1u);
  EXPECT_EQ(b.producer_of("y").attr<ir::ConvAttrs>().activation->kind, OpKind::HardSwish);
}

TEST(FuseGatedActivation, MulOfSigmoidBecomesSwish) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {1, 1, 2, 2});
  b.node("sig", OpKind::Sigmoid, {x}, "gate");
  b.node("mul", OpKind::Mul, {x, b.v("gate")}, "y");
  b.out("y");
  EXPECT_TRUE(FuseGatedActivation().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 1u) << ir::dump(b.g);
  EXPECT_EQ(b.producer_of("y").op, OpKind::Swish);
  EXPECT_EQ(b.producer_of("y").inputs, std::vector<ir::ValueId>{x});
}

TEST(FuseGatedActivation, KeptForOtherSlopesOtherOperandsOrASharedGate) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {1, 1, 2, 2});
  ir::ValueId z = b.in("z", {1, 1, 2, 2});
  b.node("hsig0", OpKind::HardSigmoid, {x}, "g0", ir::ActAttrs{0.2f, 0.5f});  // ONNX default slope
  b.node("mul0", OpKind::Mul, {x, b.v("g0")}, "y0");
  b.node("hsig1", OpKind::HardSigmoid, {x}, "g1", ir::ActAttrs{1.f / 6.f, 0.5f});
  b.node("mul1", OpKind::Mul, {z, b.v("g1")}, "y1");  // gate of x times z
  b.node("hsig2", OpKind::HardSigmoid, {x}, "g2", ir::ActAttrs{1.f / 6.f, 0.5f});
  b.node("mul2", OpKind::Mul, {x, b.v("g2")}, "y2");
  b.out("y0");
  b.out("y1");
  b.out("y2");
  b.out("g2");  // the gate is read outside the product too
  EXPECT_FALSE(FuseGatedActivation().run(b.g));
  EXPECT_EQ(b.count(OpKind::HardSwish), 0);
}

TEST(FuseConvActivation, NotFusedWhenOutputIsSharedOrAGraphOutput) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {1, 1, 2, 2});
  b.node("conv", OpKind::Conv, {x, b.c("w", f32_tensor({1, 1, 1, 1}, {1}))}, "c", conv1x1());
  b.node("relu", OpKind::Relu, {b.v("c")}, "r");
  b.node("add", OpKind::Add, {b.v("c"), b.v("r")}, "y");  // c has two readers
  b.node("conv2", OpKind::Conv, {x, b.c("w2", f32_tensor({1, 1, 1, 1}, {1}))}, "c2", conv1x1());
  b.node("sig", OpKind::Sigmoid, {b.v("c2")}, "s");
  b.node("relu_after_add", OpKind::Relu, {b.v("y")}, "z");  // producer is not a Conv/Gemm
  b.out("z");
  b.out("c2");  // conv2's output is a graph output
  b.out("s");
  EXPECT_FALSE(FuseConvActivation().run(b.g));
  EXPECT_EQ(b.g.nodes().size(), 6u);
}

TEST(EliminateIdentity, RewiresReadersAndKeepsOutputNames) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {4});
  b.node("id0", OpKind::Identity, {x}, "xi");
  b.node("relu", OpKind::Relu, {b.v("xi")}, "r");
  b.node("drop", OpKind::Dropout, {b.v("r")}, "d");
  b.node("sig", OpKind::Sigmoid, {b.v("d")}, "s");
  b.node("id_out", OpKind::Identity, {b.v("s")}, "output");
  b.out("output");
  EXPECT_TRUE(EliminateIdentity().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 2u) << ir::dump(b.g);
  EXPECT_EQ(b.g.nodes()[0].op, OpKind::Relu);
  EXPECT_EQ(b.g.nodes()[0].inputs[0], x);
  EXPECT_EQ(b.g.value(b.g.nodes()[1].inputs[0]).name, "r");
  EXPECT_EQ(b.g.value(b.g.nodes()[1].outputs[0]).name, "output");
  EXPECT_EQ(b.g.value(b.g.outputs()[0]).name, "output");
}

TEST(EliminateIdentity, ZeroPadIsRemovedNonZeroPadKept) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {1, 1, 2, 2});
  b.node("zero", OpKind::Pad, {x}, "p0", ir::PadAttrs{{0, 0, 0, 0, 0, 0, 0, 0}});
  b.node("relu", OpKind::Relu, {b.v("p0")}, "r");
  b.node("one", OpKind::Pad, {b.v("r")}, "y", ir::PadAttrs{{0, 0, 1, 0, 0, 0, 0, 0}});
  b.out("y");
  EXPECT_TRUE(EliminateIdentity().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 2u) << ir::dump(b.g);
  EXPECT_EQ(b.producer_of("r").inputs, std::vector<ir::ValueId>{x});
  EXPECT_EQ(b.producer_of("y").op, OpKind::Pad);
}

TEST(EliminateIdentity, InputStraightToOutputIsKept) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {4});
  b.node("id", OpKind::Identity, {x}, "y");
  b.out("y");
  EXPECT_FALSE(EliminateIdentity().run(b.g));
  EXPECT_EQ(b.g.nodes().size(), 1u);
}

TEST(RemoveDeadNodes, DropsBranchesNoOutputNeeds) {
  GraphBuilder b;
  ir::ValueId x = b.in("x", {4});
  b.node("used", OpKind::Relu, {x}, "y");
  b.node("dead1", OpKind::Sigmoid, {x}, "d1");
  b.node("dead2", OpKind::Relu, {b.v("d1")}, "d2");
  b.out("y");
  EXPECT_TRUE(RemoveDeadNodes().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 1u);
  EXPECT_EQ(b.g.nodes()[0].name, "used");
  EXPECT_FALSE(RemoveDeadNodes().run(b.g));
}

TEST(ImportPipeline, IdentityConvBatchNormReluBecomesOneFusedConv) {
  GraphBuilder b = conv_bn(false);
  // Replace the graph output: bn_out -> Identity -> Relu -> output
  b.g.outputs().clear();
  b.node("id", OpKind::Identity, {b.v("bn_out")}, "bn_id");
  b.node("relu", OpKind::Relu, {b.v("bn_id")}, "output");
  b.node("dead", OpKind::Sigmoid, {b.v("output")}, "unused");
  b.out("output");
  b.g.sort_topologically();
  run_import_pipeline(b.g);
  ASSERT_EQ(b.g.nodes().size(), 1u) << ir::dump(b.g);
  const ir::Node& conv = b.g.nodes()[0];
  EXPECT_EQ(conv.op, OpKind::Conv);
  EXPECT_EQ(b.g.value(conv.outputs[0]).name, "output");
  EXPECT_EQ(b.g.value(conv.outputs[0]).shape, (Shape{1, 2, 3, 3}));
  ASSERT_TRUE(conv.attr<ir::ConvAttrs>().activation);
  EXPECT_EQ(conv.attr<ir::ConvAttrs>().activation->kind, OpKind::Relu);
  EXPECT_NEAR(vals(b.g.value(conv.inputs[2]).constant)[1], 4.f, 1e-5);
}

}  // namespace
}  // namespace qd::passes

namespace qd::passes {
namespace {

TEST(PassRegistry, NamesMatchPassesAndUnknownNameListsValidOnes) {
  std::vector<std::string> names = pass_names();
  ASSERT_EQ(names.size(), 11u);
  for (const auto& n : names) EXPECT_EQ(make_pass(n)->name(), n);
  try {
    make_pass("fold_everything");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown pass 'fold_everything' (valid: eliminate_identity, fold_constants, "
              "fuse_channel_shuffle, fuse_gelu, fuse_layer_norm, rewrite_channels_last_chain, "
              "fold_batchnorm_into_conv, fold_scale_into_conv, fuse_gated_activation, fuse_conv_activation, "
              "remove_dead_nodes)");
  }
}

}  // namespace
}  // namespace qd::passes
