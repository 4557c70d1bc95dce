// Whole models: a dynamo-style opset-20 graph built here, and the shared CIFAR ResNets.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "import_helpers.h"

namespace qd::test {
namespace {

using ir::OpKind;

onnx::NodeProto& constant_node(OnnxBuilder& b, const std::string& out, const onnx::TensorProto& t) {
  auto& n = b.node("Constant", {}, {out});
  set_attr(n, "value", t);
  return n;
}

// What torch.onnx.export(dynamo=True) writes: opset 20, parameters behind Identity and Constant nodes,
// BatchNormalization left unfolded, ReduceMean with axes as an input.
TEST(OnnxModels, DynamoStyleOpset20) {
  OnnxBuilder b(20);
  b.input("x", {1, 2, 4, 4}).output("output");
  b.init_f32("conv.weight", {3, 2, 1, 1}, {1, 2, 3, 4, 5, 6});
  b.node("Identity", {"conv.weight"}, {"w_id"}, "/Identity");
  constant_node(b, "gamma", make_f32("g", {3}, {2.f, 3.f, 0.5f}));
  constant_node(b, "beta", make_f32("b", {3}, {0.f, 1.f, -1.f}));
  constant_node(b, "mean", make_f32("m", {3}, {0.f, 1.f, 2.f}));
  constant_node(b, "var", make_f32("v", {3}, {0.999f, 3.999f, 0.249f}));
  set_attr(b.node("Constant", {}, {"axes"}), "value_ints", std::vector<int64_t>{-2, -1});
  b.init_f32("fc.weight", {2, 3}, {1, 0, 0, 0, 1, 0}).init_f32("fc.bias", {2}, {0.5f, -0.5f});
  b.node("Conv", {"x", "w_id"}, {"conv_out"}, "/conv/Conv");
  set_attr(b.node("BatchNormalization", {"conv_out", "gamma", "beta", "mean", "var"}, {"bn_out"}, "/bn/BN"),
           "epsilon", 1e-3f);
  b.node("Relu", {"bn_out"}, {"relu_out"}, "/relu/Relu");
  set_attr(b.node("ReduceMean", {"relu_out", "axes"}, {"pooled"}, "/pool/ReduceMean"), "keepdims",
           int64_t{0});
  set_attr(b.node("Gemm", {"pooled", "fc.weight", "fc.bias"}, {"logits"}, "/fc/Gemm"), "transB", int64_t{1});
  b.node("Identity", {"logits"}, {"output"}, "/Identity_out");

  ir::Model m = import_built(b, "dynamo.onnx");
  const ir::Graph& g = m.graph;
  EXPECT_EQ(count_ops(g, OpKind::Identity), 0) << ir::dump(g);
  EXPECT_EQ(count_ops(g, OpKind::BatchNormalization), 0);
  EXPECT_EQ(count_ops(g, OpKind::Relu), 0);
  ASSERT_EQ(g.nodes().size(), 3u) << ir::dump(g);

  const ir::Node& conv = only_node(g, OpKind::Conv);
  ASSERT_TRUE(conv.attr<ir::ConvAttrs>().activation.has_value());
  EXPECT_EQ(conv.attr<ir::ConvAttrs>().activation->kind, OpKind::Relu);
  EXPECT_EQ(g.value(conv.outputs[0]).name, "relu_out");
  // s = gamma / sqrt(var + 1e-3) = {2, 1.5, 1};  W' = W * s;  b' = (0 - mean) * s + beta = {0, -0.5, -3}
  ASSERT_EQ(conv.inputs.size(), 3u);
  std::vector<float> w = floats(g.value(conv.inputs[1]).constant),
                     bias = floats(g.value(conv.inputs[2]).constant);
  std::vector<float> w_expected{2, 4, 4.5f, 6, 5, 6}, b_expected{0, -0.5f, -3};
  ASSERT_EQ(w.size(), 6u);
  ASSERT_EQ(bias.size(), 3u);
  for (size_t i = 0; i < 6; ++i) EXPECT_NEAR(w[i], w_expected[i], 1e-4) << i;
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(bias[i], b_expected[i], 1e-4) << i;

  EXPECT_EQ(only_node(g, OpKind::ReduceMean).attr<ir::ReduceAttrs>().axes, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(value_named(g, "pooled").shape, (Shape{1, 3}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.value(g.outputs()[0]).name, "output");
  EXPECT_EQ(g.value(g.outputs()[0]).shape, (Shape{1, 2}));
  EXPECT_EQ(g.producer(g.outputs()[0]), g.producer(g.find_value("output")));
  EXPECT_EQ(g.node(g.producer(g.outputs()[0])).op, OpKind::Gemm);
}

// Op counts read straight from the file with protobuf, independent of the importer.
struct FileCounts {
  std::map<std::string, int> ops;
  int relu_after_conv = 0;  // Relu nodes whose input a Conv produces (the fusion candidates)
};

FileCounts count_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(ss.str()));
  FileCounts c;
  std::map<std::string, std::string> producer_op;
  for (const auto& n : m.graph().node()) {
    ++c.ops[n.op_type()];
    for (const auto& o : n.output()) producer_op[o] = n.op_type();
  }
  for (const auto& n : m.graph().node())
    if (n.op_type() == "Relu" && producer_op[n.input(0)] == "Conv") ++c.relu_after_conv;
  return c;
}

struct SharedModel {
  std::string file;
  int convs;  // counted from the architecture: stem + 2 per block + projection shortcuts
  bool softmax;
};

class OnnxSharedModels : public ::testing::TestWithParam<SharedModel> {};

TEST_P(OnnxSharedModels, ImportsWithFusedRelus) {
  std::string path = std::string(QDEPLOY_SHARED_DIR) + "/models/" + GetParam().file;
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  FileCounts fc = count_file(path);
  ASSERT_EQ(fc.ops["Conv"], GetParam().convs);

  ir::Model m = frontend::import_onnx(path);
  const ir::Graph& g = m.graph;
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.value(g.inputs()[0]).name, "input");
  EXPECT_EQ(g.value(g.inputs()[0]).shape, (Shape{1, 3, 32, 32}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.value(g.outputs()[0]).name, "output");
  EXPECT_EQ(g.value(g.outputs()[0]).shape, (Shape{1, 10}));

  EXPECT_EQ(count_ops(g, OpKind::Conv), GetParam().convs);
  int fused = 0;
  for (const auto& n : g.nodes()) {
    if (n.op != OpKind::Conv) continue;
    const auto& a = n.attr<ir::ConvAttrs>();
    if (a.activation) {
      EXPECT_EQ(a.activation->kind, OpKind::Relu);
      ++fused;
    }
    const ir::Value& w = g.value(n.inputs[1]);
    EXPECT_TRUE(w.is_constant());
    EXPECT_EQ(w.constant.rank(), 4);
    EXPECT_EQ(w.constant.dim(2), a.kernel_h);
  }
  EXPECT_GT(fc.relu_after_conv, 0);
  EXPECT_EQ(fused, fc.relu_after_conv);
  // Relus after a residual Add stay separate ops.
  EXPECT_EQ(count_ops(g, OpKind::Relu), fc.ops["Relu"] - fc.relu_after_conv);
  EXPECT_EQ(count_ops(g, OpKind::Add), fc.ops["Add"]);
  EXPECT_EQ(count_ops(g, OpKind::Gemm), 1);
  EXPECT_EQ(count_ops(g, OpKind::Softmax), GetParam().softmax ? 1 : 0);
  EXPECT_EQ(g.metadata.at("opset"), "11");
}

INSTANTIATE_TEST_SUITE_P(Cifar, OnnxSharedModels,
                         ::testing::Values(SharedModel{"resnet18_cifar10.onnx", 1 + 16 + 3, true},
                                           SharedModel{"resnet20_cifar10.onnx", 1 + 18 + 2, false}),
                         [](const auto& info) { return info.param.file.substr(0, 8); });

}  // namespace
}  // namespace qd::test
