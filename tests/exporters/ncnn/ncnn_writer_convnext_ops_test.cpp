// ConvNeXt's ops through the ncnn writer and reader: GELU, UnaryOp sqrt, BinaryOp pow, Permute and
// LayerNorm read back to the same IR; a LayerNorm over NCHW channels is written as Permute -> LayerNorm
// -> Permute and the read-back graph computes the same values.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "exporters/ncnn/graph_compare.h"
#include "exporters/ncnn/ncnn_writer.h"
#include "exporters/ncnn/read_text.h"
#include "frontend/ncnn/ncnn_reader.h"
#include "ir/shape_inference.h"
#include "passes/standard_pipeline.h"
#include "runtime/executor.h"

namespace {

using qd::Shape;
using qd::Tensor;
using qd::ir::OpKind;
using qd::ir::ValueId;
namespace fs = std::filesystem;

Tensor cnx_ramp(Shape s, float scale, float offset = 0.f) {
  Tensor t(qd::DataType::f32, std::move(s));
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = offset + scale * static_cast<float>((i * 5) % 13 - 6);
  return t;
}

ValueId cnx_node(qd::ir::Graph& g, const std::string& name, OpKind op, std::vector<ValueId> in,
                 qd::ir::Attrs a = {}) {
  ValueId out = g.add_value(name + "_out");
  g.add_node(qd::ir::Node{name, op, std::move(in), {out}, std::move(a)});
  return out;
}

// The type of the layer named `name` in .param text ("" when absent) and the whole line.
std::string cnx_line(const std::string& text, const std::string& name) {
  std::istringstream is(text);
  std::string l;
  while (std::getline(is, l)) {
    std::istringstream ls(l);
    std::string type, n;
    ls >> type >> n;
    if (n == name) return l;
  }
  return "";
}

class NcnnConvNextOps : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qd_ncnn_convnext_ops_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(NcnnConvNextOps, GeluSqrtPowPermuteLayerNormReadBackToTheSameGraph) {
  qd::ir::Model m;
  qd::ir::Graph& g = m.graph;
  ValueId x = g.add_value("data", qd::DataType::f32, {qd::kDynamicDim, 4, 3, 5});
  g.inputs().push_back(x);
  ValueId ge = cnx_node(g, "gelu", OpKind::Gelu, {x});
  float two = 2.f;
  ValueId pw = cnx_node(g, "pow", OpKind::Pow,
                        {ge, g.add_constant("two", Tensor::from<float>({}, std::span(&two, 1)))});
  ValueId sq = cnx_node(g, "sqrt", OpKind::Sqrt, {pw});
  ValueId t = cnx_node(g, "to_hwc", OpKind::Transpose, {sq}, qd::ir::AxesAttrs{{0, 2, 3, 1}});
  ValueId ln = cnx_node(g, "ln", OpKind::LayerNorm,
                        {t, g.add_constant("ln_gamma", cnx_ramp({4}, 0.1f, 1.f)),
                         g.add_constant("ln_beta", cnx_ramp({4}, 0.1f))},
                        qd::ir::LayerNormAttrs{-1, 1, 1e-6f});
  ValueId back = cnx_node(g, "to_chw", OpKind::Transpose, {ln}, qd::ir::AxesAttrs{{0, 3, 1, 2}});
  g.outputs() = {back};
  qd::exporters::save_ncnn(m, path("a.param"), path("a.bin"));
  const std::string text = qd::test::read_text(path("a.param"));
  EXPECT_EQ(cnx_line(text, "gelu").rfind("GELU", 0), 0u);
  EXPECT_NE(cnx_line(text, "pow").find(" 0=6 "), std::string::npos);  // BinaryOp pow, scalar b
  EXPECT_NE(cnx_line(text, "sqrt").find("0=5"), std::string::npos);   // UnaryOp sqrt
  EXPECT_NE(cnx_line(text, "to_hwc").find("0=3"), std::string::npos);
  EXPECT_NE(cnx_line(text, "to_chw").find("0=4"), std::string::npos);
  EXPECT_NE(cnx_line(text, "ln").find("0=4"), std::string::npos);  // affine_size
  auto back_m = qd::frontend::load_ncnn(path("a.param"), path("a.bin"));
  // The reader runs the import pipeline, which turns Permute -> LayerNorm -> Permute into a LayerNorm over
  // the channels (rewrite_channels_last_chain): the same graph as the original after that pipeline.
  qd::ir::infer_shapes(m.graph);
  qd::passes::run_import_pipeline(m.graph);
  qd::test::expect_same_graph(m.graph, back_m.graph);
  for (const auto& n : back_m.graph.nodes()) EXPECT_NE(n.op, OpKind::Transpose);
}

TEST_F(NcnnConvNextOps, ChannelLayerNormIsWrittenAsPermuteLayerNormPermuteAndComputesTheSame) {
  qd::ir::Model m;
  qd::ir::Graph& g = m.graph;
  ValueId x = g.add_value("data", qd::DataType::f32, {1, 6, 3, 2});
  g.inputs().push_back(x);
  ValueId ln = cnx_node(g, "ln", OpKind::LayerNorm,
                        {x, g.add_constant("ln_gamma", cnx_ramp({6}, 0.2f, 1.f)),
                         g.add_constant("ln_beta", cnx_ramp({6}, 0.3f))},
                        qd::ir::LayerNormAttrs{1, 1, 1e-5f});
  g.outputs() = {ln};
  qd::ir::infer_shapes(g);
  qd::exporters::save_ncnn(m, path("c.param"), path("c.bin"));
  const std::string text = qd::test::read_text(path("c.param"));
  EXPECT_NE(cnx_line(text, "ln_to_hwc").find("0=3"), std::string::npos) << text;
  EXPECT_NE(cnx_line(text, "ln").find("0=6"), std::string::npos);
  EXPECT_NE(cnx_line(text, "ln_to_chw").find("0=4"), std::string::npos);
  auto back = qd::frontend::load_ncnn(path("c.param"), path("c.bin"));
  qd::runtime::CompileOptions o;
  o.backend = qd::runtime::Backend::reference;
  const Tensor in = cnx_ramp({1, 6, 3, 2}, 0.7f, 0.2f);
  Tensor a = qd::runtime::compile(m, o)->run({in})[0];
  Tensor b = qd::runtime::compile(back, o)->run({in})[0];
  ASSERT_EQ(a.numel(), b.numel());
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_NEAR(a.data<float>()[i], b.data<float>()[i], 1e-5f);
}

TEST_F(NcnnConvNextOps, LayerNormOverSeveralAxesIsUnsupported) {
  qd::ir::Model m;
  qd::ir::Graph& g = m.graph;
  ValueId x = g.add_value("data", qd::DataType::f32, {1, 2, 3, 2});
  g.inputs().push_back(x);
  g.outputs() = {cnx_node(g, "ln", OpKind::LayerNorm, {x, g.add_constant("s", cnx_ramp({6}, 0.1f, 1.f))},
                          qd::ir::LayerNormAttrs{2, 2, 1e-5f})};
  qd::ir::infer_shapes(g);
  try {
    qd::exporters::save_ncnn(m, path("e.param"), path("e.bin"));
    FAIL() << "expected an error";
  } catch (const qd::Error& e) {
    EXPECT_EQ(e.kind(), qd::ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("ln"), std::string::npos);
  }
}

}  // namespace
