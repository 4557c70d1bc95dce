// save_ncnn on small hand-built graphs: every written op reads back to the same IR, Split insertion,
// grouped / depthwise int8 layers, fuse_requantize, fp16 for the fp32 layers of int8 models, errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "exporters/ncnn/graph_compare.h"
#include "exporters/ncnn/ncnn_writer.h"
#include "exporters/ncnn/read_text.h"
#include "frontend/ncnn/ncnn_reader.h"

namespace {

using qd::Shape;
using qd::Tensor;
using qd::ir::Graph;
using qd::ir::Node;
using qd::ir::OpKind;
using qd::ir::ValueId;
namespace fs = std::filesystem;

Tensor ramp(Shape s, float scale = 0.01f) {
  Tensor t(qd::DataType::f32, s);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = scale * static_cast<float>((i * 7) % 23 - 11);
  return t;
}

ValueId node(Graph& g, const std::string& name, OpKind op, std::vector<ValueId> in,
             qd::ir::Attrs attrs = {}) {
  ValueId out = g.add_value(name + "_out");
  Node n;
  n.name = name;
  n.op = op;
  n.inputs = std::move(in);
  n.outputs = {out};
  n.attrs = std::move(attrs);
  g.add_node(std::move(n));
  return out;
}

qd::ir::ConvAttrs conv_attrs(int k, int group, int pad) {
  qd::ir::ConvAttrs a;
  a.kernel_h = a.kernel_w = k;
  a.group = group;
  a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = pad;
  return a;
}

ValueId conv(Graph& g, const std::string& name, ValueId x, int in_c, int out_c, int k, int group,
             bool bias = true) {
  std::vector<ValueId> in{x, g.add_constant(name + "_w", ramp({out_c, in_c / group, k, k}))};
  if (bias) in.push_back(g.add_constant(name + "_b", ramp({out_c}, 0.1f)));
  return node(g, name, OpKind::Conv, in, conv_attrs(k, group, k / 2));
}

float scalar_value(float v) { return v; }

using qd::test::read_text;

// The .param line of layer `name` ("" when absent).
std::string line_of(const std::string& text, const std::string& name) {
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

bool has_token(const std::string& line, const std::string& tok) {
  std::istringstream is(line);
  std::string t;
  while (is >> t)
    if (t == tok) return true;
  return false;
}

class NcnnWriterGraph : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qd_ncnn_writer_graph_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) { return (dir_ / name).string(); }
  fs::path dir_;
};

// A graph using every op the writer supports, built with the reader's conventions so that
// save -> load gives it back exactly.
qd::ir::Model all_ops_model() {
  qd::ir::Model m;
  Graph& g = m.graph;
  ValueId x = g.add_value("data", qd::DataType::f32, {qd::kDynamicDim, 4, 8, 8});
  g.inputs().push_back(x);
  ValueId c1 = conv(g, "conv1", x, 4, 8, 3, 1);
  g.node(0).attr<qd::ir::ConvAttrs>().activation = qd::ir::FusedActivation{OpKind::Clip, 0.f, 6.f};
  ValueId dw = conv(g, "dw", c1, 8, 8, 3, 8, false);
  ValueId bn = node(g, "bn", OpKind::BatchNormalization,
                    {dw, g.add_constant("bn_s", ramp({8}, 0.5f)), g.add_constant("bn_b", ramp({8})),
                     g.add_constant("bn_m", ramp({8})), g.add_constant("bn_v", ramp({8}, 0.f))},
                    qd::ir::BatchNormAttrs{1e-3f});
  ValueId lr = node(g, "lrelu", OpKind::LeakyRelu, {bn}, qd::ir::ActAttrs{0.125f, 0.f});
  ValueId hs = node(g, "hsig", OpKind::HardSigmoid, {lr}, qd::ir::ActAttrs{0.25f, 0.375f});
  ValueId hw = node(g, "hswish", OpKind::HardSwish, {hs});
  ValueId sg = node(g, "sig", OpKind::Sigmoid, {hw});
  ValueId sw = node(g, "swish", OpKind::Swish, {sg});
  float two = scalar_value(2.f);
  ValueId rs =
      node(g, "rsub", OpKind::Sub, {g.add_constant("two", Tensor::from<float>({}, std::span(&two, 1))), sw});
  ValueId mul = node(g, "mulc", OpKind::Mul, {rs, g.add_constant("chan", ramp({8, 1, 1}))});
  ValueId add = node(g, "add", OpKind::Add, {mul, c1});  // c1 read twice -> Split
  qd::ir::PoolAttrs pa;
  pa.kernel_h = pa.kernel_w = 3;
  pa.stride_h = pa.stride_w = 2;
  pa.pad_top = pa.pad_left = 1;
  pa.pad_bottom = pa.pad_right = 2;
  ValueId mp = node(g, "maxpool", OpKind::MaxPool, {add}, pa);
  pa.count_include_pad = true;
  pa.ceil_mode = true;
  ValueId ap = node(g, "avgpool", OpKind::AveragePool, {add}, pa);
  ValueId cat = node(g, "cat", OpKind::Concat, {mp, ap}, qd::ir::AxisAttrs{1});
  ValueId pad = node(g, "pad", OpKind::Pad, {cat},
                     qd::ir::PadAttrs{{0, 1, 1, 2, 0, 0, 1, 2}, qd::ir::PadMode::reflect, 0.f});
  ValueId drop = node(g, "drop", OpKind::Dropout, {pad});
  ValueId id = node(g, "noop", OpKind::Identity, {drop});
  ValueId gap = node(g, "gap", OpKind::GlobalAveragePool, {id});
  ValueId rsh = node(g, "reshape", OpKind::Reshape, {gap}, qd::ir::ReshapeAttrs{{0, -1}});
  ValueId fl = g.add_value("fc_flatten");  // the reader's name for the Flatten it puts before a Gemm
  g.add_node(Node{"fc_flatten", OpKind::Flatten, {rsh}, {fl}, qd::ir::AxisAttrs{1}});
  qd::ir::GemmAttrs ga;
  ga.trans_b = true;
  ga.activation = qd::ir::FusedActivation{OpKind::Relu, 0.f, 0.f};
  ValueId fc = node(g, "fc", OpKind::Gemm,
                    {fl, g.add_constant("fc_w", ramp({10, 17})), g.add_constant("fc_b", ramp({10}))}, ga);
  ValueId sm = node(g, "prob", OpKind::Softmax, {fc}, qd::ir::AxisAttrs{-1});
  ValueId dv =
      node(g, "div", OpKind::Div, {sm, g.add_constant("three", Tensor::from<float>({}, std::span(&two, 1)))});
  ValueId clip = node(g, "clip", OpKind::Clip, {dv}, qd::ir::ActAttrs{-1.f, 1.f});
  ValueId relu = node(g, "relu", OpKind::Relu, {clip});
  g.outputs() = {c1, relu};  // c1 is also a graph output (ncnn has no output order: production order)
  return m;
}

TEST_F(NcnnWriterGraph, EveryOpReadsBackToTheSameGraph) {
  auto m = all_ops_model();
  qd::exporters::save_ncnn(m, path("a.param"), path("a.bin"));
  auto back = qd::frontend::load_ncnn_unoptimized(path("a.param"), path("a.bin"));
  qd::test::expect_same_graph(m.graph, back.graph);
  // The Input layer carries 8x8x4, so the reader inferred every shape.
  EXPECT_EQ(back.graph.value(back.graph.outputs()[1]).shape, (Shape{qd::kDynamicDim, 10}));
  EXPECT_EQ(back.graph.value(back.graph.outputs()[0]).shape, (Shape{qd::kDynamicDim, 8, 8, 8}));
  const std::string text = read_text(path("a.param"));
  // conv1_out: read by dw and add, and a graph output -> Split with 3 outputs; first reader gets _2.
  EXPECT_TRUE(has_token(line_of(text, "splitncnn_0"), "conv1_out_splitncnn_2"));
  EXPECT_TRUE(has_token(line_of(text, "dw"), "conv1_out_splitncnn_2"));
  EXPECT_TRUE(has_token(line_of(text, "add"), "conv1_out_splitncnn_1"));
  EXPECT_EQ(line_of(text, "dw").rfind("ConvolutionDepthWise", 0), 0u);
  EXPECT_TRUE(has_token(line_of(text, "dw"), "7=8"));
  EXPECT_TRUE(has_token(line_of(text, "conv1"), "9=3"));
  EXPECT_TRUE(has_token(line_of(text, "rsub"), "0=7"));  // reversed subtraction
  EXPECT_TRUE(has_token(line_of(text, "chan"), "2=8"));  // MemoryData c=8
  EXPECT_TRUE(has_token(line_of(text, "prob"), "0=-1"));
  EXPECT_EQ(line_of(text, "fc_flatten"), "");               // folded into InnerProduct
  EXPECT_TRUE(has_token(line_of(text, "maxpool"), "5=1"));  // floor mode = valid
  EXPECT_TRUE(has_token(line_of(text, "data"), "2=4"));
}

TEST_F(NcnnWriterGraph, Int8GroupedLayersAndRequantize) {
  qd::ir::Model m;
  Graph& g = m.graph;
  ValueId x = g.add_value("data", qd::DataType::f32, {qd::kDynamicDim, 4, 8, 8});
  g.inputs().push_back(x);
  ValueId a = conv(g, "a", x, 4, 4, 3, 4);  // depthwise, feeds b and c (both int8) -> 101
  ValueId b = conv(g, "b", a, 4, 4, 1, 2);  // grouped, feeds an fp32 conv -> 1
  ValueId c = conv(g, "c", a, 4, 4, 1, 1);  // feeds d (int8) directly -> 102
  ValueId d = conv(g, "d", c, 4, 4, 1, 1);  // feeds Add -> 2
  ValueId e = conv(g, "e", b, 4, 4, 1, 1);  // fp32 -> fp16 weights
  ValueId s = node(g, "sum", OpKind::Add, {d, e});
  g.outputs() = {s};
  auto lq = [](float in, std::vector<double> w) {
    qd::ir::LayerQuant q;
    q.input_scale = in;
    q.weight_scales = std::move(w);
    return q;
  };
  m.quant.layers["a"] = lq(0.5f, {0.001f, 0.002f, 0.003f, 0.004f});
  m.quant.layers["b"] = lq(0.25f, {0.001f, 0.002f, 0.004f, 0.003f});  // per group max: 0.002, 0.004
  m.quant.layers["c"] = lq(0.125f, {0.001f});                         // one step for all channels
  m.quant.layers["d"] = lq(0.0625f, {0.001f, 0.001f, 0.001f, 0.002f});
  qd::exporters::save_ncnn(m, path("q.param"), path("q.bin"));
  const std::string text = read_text(path("q.param"));
  EXPECT_TRUE(has_token(line_of(text, "a"), "8=101"));
  EXPECT_TRUE(has_token(line_of(text, "b"), "8=1"));
  EXPECT_TRUE(has_token(line_of(text, "c"), "8=102"));
  EXPECT_TRUE(has_token(line_of(text, "d"), "8=2"));
  EXPECT_FALSE(has_token(line_of(text, "e"), "8=2"));

  auto back = qd::frontend::load_ncnn(path("q.param"), path("q.bin"));
  ASSERT_EQ(back.quant.layers.size(), 4u);
  const auto& qa = back.quant.layers.at("a");
  // The top scale of a comes from the reader of split output 0: the last reader, c (0.125).
  EXPECT_FLOAT_EQ(qa.output_scale, 0.125f);
  EXPECT_FLOAT_EQ(back.quant.layers.at("c").output_scale, 0.0625f);
  EXPECT_EQ(back.quant.layers.at("d").output_scale, 0.f);
  const auto& qb = back.quant.layers.at("b");
  ASSERT_EQ(qb.weight_scales.size(), 4u);
  EXPECT_FLOAT_EQ(qb.weight_scales[0], 0.002f);
  EXPECT_FLOAT_EQ(qb.weight_scales[1], 0.002f);
  EXPECT_FLOAT_EQ(qb.weight_scales[2], 0.004f);
  EXPECT_FLOAT_EQ(qb.weight_scales[3], 0.004f);
  EXPECT_EQ(back.quant.layers.at("c").weight_scales.size(), 4u);  // Convolution stores one per channel
  // Weights read back are round(w / step) * step, clamped to +-127 steps.
  const Node* nb = nullptr;
  const Node* ne = nullptr;
  for (const auto& n : back.graph.nodes()) {
    if (n.name == "b") nb = &n;
    if (n.name == "e") ne = &n;
  }
  ASSERT_TRUE(nb && ne);
  const Tensor& wb = back.graph.value(nb->inputs[1]).constant;
  const Tensor orig = ramp({4, 2, 1, 1});
  for (int64_t i = 0; i < wb.numel(); ++i) {
    const float step = qb.weight_scales[i / 2];
    const float q = std::max(-127.f, std::min(127.f, std::round(orig.data<float>()[i] / step)));
    EXPECT_NEAR(wb.data<float>()[i], q * step, 1e-7f) << i;
  }
  // e is fp32 in an int8 model: stored as fp16 (truncated mantissa), so close to but not always equal.
  const Tensor& we = back.graph.value(ne->inputs[1]).constant;
  const Tensor orig_e = ramp({4, 4, 1, 1});
  int inexact = 0;
  for (int64_t i = 0; i < we.numel(); ++i) {
    EXPECT_NEAR(we.data<float>()[i], orig_e.data<float>()[i], 1e-3f * 0.11f);
    inexact += we.data<float>()[i] != orig_e.data<float>()[i];
  }
  EXPECT_GT(inexact, 0);  // values such as 0.03 are not representable in fp16
}

TEST_F(NcnnWriterGraph, UnsupportedNodesAreNamed) {
  qd::ir::Model m;
  Graph& g = m.graph;
  ValueId x = g.add_value("data", qd::DataType::f32, {qd::kDynamicDim, 4, 8, 8});
  g.inputs().push_back(x);
  ValueId t =
      node(g, "my_transpose", OpKind::Transpose, {x}, qd::ir::AxesAttrs{{1, 0, 2, 3}});  // moves the batch
  g.outputs() = {t};
  try {
    qd::exporters::save_ncnn(m, path("u.param"), path("u.bin"));
    FAIL() << "no error";
  } catch (const qd::Error& e) {
    EXPECT_EQ(e.kind(), qd::ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("my_transpose"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path("u.param")));
}

}  // namespace
