// The ops added for the zoo (issue 14.4), each end to end from a small ONNX graph built here: import (with
// the import passes), the ncnn layer the writer picks, ncnn write -> read, and the values computed by our
// runtime on the imported graph, on the read-back graph and by the REAL ncnn (../shared/ncnn-oracle)
// against values worked out in this file with plain loops (no qdeploy code).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "exporters/ncnn/ncnn_writer.h"
#include "exporters/ncnn/real_ncnn.h"
#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/onnx/onnx_builder.h"
#include "frontend/onnx/onnx_importer.h"
#include "runtime/executor.h"

namespace {

namespace fs = std::filesystem;
using qd::Shape;
using qd::Tensor;
using qd::test::OnnxBuilder;
using qd::test::set_attr;

constexpr int64_t kC = 4, kH = 3, kW = 5;

// x[c][h][w] of the 1 x C x H x W input: distinct values of both signs.
Tensor rt_input() {
  Tensor t(qd::DataType::f32, {1, kC, kH, kW});
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = 0.37f * static_cast<float>((i * 7) % 23 - 11);
  return t;
}
float rt_x(const Tensor& x, int64_t c, int64_t h, int64_t w) {
  return x.data<float>()[(c * kH + h) * kW + w];
}

std::vector<float> rt_run_ours(const qd::ir::Model& m, const Tensor& x) {
  qd::runtime::CompileOptions o;
  o.backend = qd::runtime::Backend::reference;
  o.batch = 1;
  o.threads = 1;
  const Tensor y = qd::runtime::compile(m, o)->run({x}).at(0);
  return {y.data<float>(), y.data<float>() + y.numel()};
}

// Every layer type of a .param text (second token on each layer line).
std::vector<std::string> rt_layer_types(const std::string& param) {
  std::istringstream is(param);
  std::string l;
  std::vector<std::string> r;
  std::getline(is, l);  // magic
  std::getline(is, l);  // counts
  while (std::getline(is, l)) {
    std::istringstream ls(l);
    std::string type;
    if (ls >> type) r.push_back(type);
  }
  return r;
}

class NcnnOnnxOpsRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qd_ncnn_onnx_ops_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Imports `b`, checks that the written .param has a layer of type `layer` (and none of `absent`), then that
  // the imported graph, the read-back graph and real ncnn all compute `want` on rt_input().
  void check(const OnnxBuilder& b, const std::string& layer, const std::vector<float>& want,
             const std::vector<std::string>& absent = {}) {
    const Tensor x = rt_input();
    const qd::ir::Model m = qd::frontend::import_onnx_proto(b.model, "ops.onnx");
    const std::string p = (dir_ / "m.param").string(), bin = (dir_ / "m.bin").string();
    qd::exporters::save_ncnn(m, p, bin);
    const std::vector<std::string> types = rt_layer_types(qd::test::read_text(p));
    EXPECT_NE(std::find(types.begin(), types.end(), layer), types.end()) << qd::test::read_text(p);
    for (const std::string& a : absent)
      EXPECT_EQ(std::find(types.begin(), types.end(), a), types.end()) << a << " in\n"
                                                                       << qd::test::read_text(p);

    expect_near(rt_run_ours(m, x), want, "our runtime, imported ONNX");
    // ncnn files do not say which blobs are outputs; the reader takes the unread ones, but not the unused
    // part of a Split (an ncnn Slice with several tops), which came back first and was returned instead.
    qd::ir::Model back = qd::frontend::load_ncnn(p, bin);
    const std::string out_name = m.graph.value(m.graph.outputs().at(0)).name;
    ASSERT_EQ(back.graph.outputs().size(), 1u);
    EXPECT_EQ(back.graph.value(back.graph.outputs()[0]).name, out_name);
    expect_near(rt_run_ours(back, x), want, "our runtime, ncnn files read back");
    expect_near(qd::test::run_real_ncnn(p, bin, x, dir_), want, "real ncnn");
  }

  static void expect_near(const std::vector<float>& got, const std::vector<float>& want, const char* what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(got[i], want[i], 1e-4f * (1 + std::fabs(want[i]))) << what << " at " << i;
  }

  fs::path dir_;
};

// Reduction of x over the axes in `over` (1 = C, 2 = H, 3 = W), the rest in C, H, W order.
std::vector<float> rt_reduce(const Tensor& x, std::vector<int> over, const std::string& kind) {
  auto in = [&](int a) { return std::find(over.begin(), over.end(), a) != over.end(); };
  std::vector<float> r;
  for (int64_t c = 0; c < (in(1) ? 1 : kC); ++c)
    for (int64_t h = 0; h < (in(2) ? 1 : kH); ++h)
      for (int64_t w = 0; w < (in(3) ? 1 : kW); ++w) {
        double acc = kind == "max" ? -1e30 : 0;
        int n = 0;
        for (int64_t c2 = in(1) ? 0 : c; c2 < (in(1) ? kC : c + 1); ++c2)
          for (int64_t h2 = in(2) ? 0 : h; h2 < (in(2) ? kH : h + 1); ++h2)
            for (int64_t w2 = in(3) ? 0 : w; w2 < (in(3) ? kW : w + 1); ++w2, ++n) {
              const double v = rt_x(x, c2, h2, w2);
              acc = kind == "max" ? std::max(acc, v) : acc + v;
            }
        r.push_back(static_cast<float>(kind == "mean" ? acc / n : acc));
      }
  return r;
}

TEST_F(NcnnOnnxOpsRoundTrip, ReduceMeanOverHwKeepdimsAttributeIsGlobalPooling) {
  OnnxBuilder b(13);
  b.input("x", {1, kC, kH, kW}).output("y");
  auto& n = b.node("ReduceMean", {"x"}, {"y"});
  set_attr(n, "axes", std::vector<int64_t>{2, 3});
  set_attr(n, "keepdims", int64_t{1});
  check(b, "Pooling", rt_reduce(rt_input(), {2, 3}, "mean"));
}

TEST_F(NcnnOnnxOpsRoundTrip, ReduceMeanOverHwNoKeepdimsOpset11IsGlobalPooling) {
  OnnxBuilder b(11);
  b.input("x", {1, kC, kH, kW}).output("y");
  auto& n = b.node("ReduceMean", {"x"}, {"y"});
  set_attr(n, "axes", std::vector<int64_t>{-1, -2});
  set_attr(n, "keepdims", int64_t{0});
  check(b, "Pooling", rt_reduce(rt_input(), {2, 3}, "mean"));
}

TEST_F(NcnnOnnxOpsRoundTrip, ReduceMeanAxesInputOpset18OverChannelsIsReduction) {
  OnnxBuilder b(18);
  b.input("x", {1, kC, kH, kW}).output("y").init_i64("axes", {1}, {1});
  set_attr(b.node("ReduceMean", {"x", "axes"}, {"y"}), "keepdims", int64_t{0});
  check(b, "Reduction", rt_reduce(rt_input(), {1}, "mean"));
}

TEST_F(NcnnOnnxOpsRoundTrip, ReduceMaxOverChannelsKeepdimsIsReduction) {
  OnnxBuilder b(13);
  b.input("x", {1, kC, kH, kW}).output("y");
  auto& n = b.node("ReduceMax", {"x"}, {"y"});
  set_attr(n, "axes", std::vector<int64_t>{1});
  set_attr(n, "keepdims", int64_t{1});
  check(b, "Reduction", rt_reduce(rt_input(), {1}, "max"));
}

TEST_F(NcnnOnnxOpsRoundTrip, ReduceMaxOverHwOpset18IsGlobalMaxPooling) {
  OnnxBuilder b(18);
  b.input("x", {1, kC, kH, kW}).output("y").init_i64("axes", {2}, {2, 3});
  set_attr(b.node("ReduceMax", {"x", "axes"}, {"y"}), "keepdims", int64_t{1});
  check(b, "Pooling", rt_reduce(rt_input(), {2, 3}, "max"));
}

TEST_F(NcnnOnnxOpsRoundTrip, ReduceSumAxesInputOverWIsReduction) {
  OnnxBuilder b(13);  // ReduceSum takes axes as an input from opset 13
  b.input("x", {1, kC, kH, kW}).output("y").init_i64("axes", {1}, {3});
  set_attr(b.node("ReduceSum", {"x", "axes"}, {"y"}), "keepdims", int64_t{1});
  check(b, "Reduction", rt_reduce(rt_input(), {3}, "sum"));
}

TEST_F(NcnnOnnxOpsRoundTrip, ReduceSumOverHAndWNoKeepdims) {
  OnnxBuilder b(11);
  b.input("x", {1, kC, kH, kW}).output("y");
  auto& n = b.node("ReduceSum", {"x"}, {"y"});
  set_attr(n, "axes", std::vector<int64_t>{2, 3});
  set_attr(n, "keepdims", int64_t{0});
  check(b, "Reduction", rt_reduce(rt_input(), {2, 3}, "sum"));
}

// ShuffleNetV2's channel split as TorchScript exports it: the start is Shape(x)[1] / 2.
TEST_F(NcnnOnnxOpsRoundTrip, SliceWhoseStartComesFromShapeArithmeticIsFoldedToCrop) {
  OnnxBuilder b(13);
  b.input("x", {1, kC, kH, kW}).output("y");
  b.init_i64("one", {}, {1}).init_i64("two", {}, {2}).init_i64("zero", {1}, {0});
  b.init_i64("end", {1}, {INT64_MAX}).init_i64("ax", {1}, {1});
  b.node("Shape", {"x"}, {"shape"});
  b.node("Gather", {"shape", "one"}, {"c"});
  b.node("Div", {"c", "two"}, {"half"});
  b.node("Unsqueeze", {"half", "zero"}, {"start"});
  b.node("Slice", {"x", "start", "end", "ax"}, {"y"});
  std::vector<float> want;
  const Tensor x = rt_input();
  for (int64_t c = kC / 2; c < kC; ++c)
    for (int64_t h = 0; h < kH; ++h)
      for (int64_t w = 0; w < kW; ++w) want.push_back(rt_x(x, c, h, w));
  check(b, "Crop", want, {"Shape", "Gather"});
}

// Split in halves (opset 11, no sizes) and both halves added: ncnn Slice with two tops.
TEST_F(NcnnOnnxOpsRoundTrip, SplitInHalvesIsSlice) {
  OnnxBuilder b(11);
  b.input("x", {1, kC, kH, kW}).output("y");
  set_attr(b.node("Split", {"x"}, {"s0", "s1"}), "axis", int64_t{1});
  b.node("Add", {"s0", "s1"}, {"y"});
  std::vector<float> want;
  const Tensor x = rt_input();
  for (int64_t c = 0; c < kC / 2; ++c)
    for (int64_t h = 0; h < kH; ++h)
      for (int64_t w = 0; w < kW; ++w) want.push_back(rt_x(x, c, h, w) + rt_x(x, c + kC / 2, h, w));
  check(b, "Slice", want);
}

// Split with sizes as an input (opset 13), uneven (1, 3); the graph reads the second part.
TEST_F(NcnnOnnxOpsRoundTrip, SplitWithSizesInputReadsTheSecondPart) {
  OnnxBuilder b(13);
  b.input("x", {1, kC, kH, kW}).output("y").init_i64("sizes", {2}, {1, kC - 1});
  set_attr(b.node("Split", {"x", "sizes"}, {"s0", "s1"}), "axis", int64_t{1});
  b.node("Relu", {"s1"}, {"y"});
  std::vector<float> want;
  const Tensor x = rt_input();
  for (int64_t c = 1; c < kC; ++c)
    for (int64_t h = 0; h < kH; ++h)
      for (int64_t w = 0; w < kW; ++w) want.push_back(std::max(0.f, rt_x(x, c, h, w)));
  check(b, "ReLU", want);
}

TEST_F(NcnnOnnxOpsRoundTrip, ReshapeTransposeReshapeIsShuffleChannel) {
  OnnxBuilder b(13);
  b.input("x", {1, kC, kH, kW}).output("y");
  b.init_i64("s5", {5}, {1, 2, kC / 2, kH, kW}).init_i64("s4", {4}, {1, kC, kH, kW});
  b.node("Reshape", {"x", "s5"}, {"r"});
  set_attr(b.node("Transpose", {"r"}, {"t"}), "perm", std::vector<int64_t>{0, 2, 1, 3, 4});
  b.node("Reshape", {"t", "s4"}, {"y"});
  std::vector<float> want;
  const Tensor x = rt_input();
  for (int64_t c = 0; c < kC; ++c)  // output channel c = (i, g) reads input channel g * (C/2) + i
    for (int64_t h = 0; h < kH; ++h)
      for (int64_t w = 0; w < kW; ++w) want.push_back(rt_x(x, (c % 2) * (kC / 2) + c / 2, h, w));
  check(b, "ShuffleChannel", want, {"Reshape", "Permute"});
}

TEST_F(NcnnOnnxOpsRoundTrip, ErfFormIsOneGelu) {
  OnnxBuilder b(13);
  b.input("x", {1, kC, kH, kW}).output("y");
  b.init_f32("sqrt2", {}, {1.4142135f}).init_f32("one", {}, {1.f}).init_f32("half", {}, {0.5f});
  b.node("Div", {"x", "sqrt2"}, {"d"});
  b.node("Erf", {"d"}, {"e"});
  b.node("Add", {"e", "one"}, {"a"});
  b.node("Mul", {"x", "a"}, {"m"});
  b.node("Mul", {"m", "half"}, {"y"});
  std::vector<float> want;
  const Tensor x = rt_input();
  for (float v : x.values<float>()) want.push_back(0.5f * v * (1 + std::erf(v / std::sqrt(2.f))));
  check(b, "GELU", want, {"Erf", "BinaryOp"});
}

// The decomposed LayerNorm over the last axis (W) with affine: ReduceMean, Sub, Pow 2, ReduceMean, Add eps,
// Sqrt, Div, Mul gamma, Add beta.
TEST_F(NcnnOnnxOpsRoundTrip, PowSqrtPatternIsOneLayerNorm) {
  OnnxBuilder b(13);
  b.input("x", {1, kC, kH, kW}).output("y");
  const std::vector<float> gamma{1.5f, -0.5f, 2.f, 0.25f, 1.f}, beta{0.1f, 0.2f, -0.3f, 0.f, 0.5f};
  b.init_f32("two", {}, {2.f})
      .init_f32("eps", {}, {1e-5f})
      .init_f32("g", {kW}, gamma)
      .init_f32("b", {kW}, beta);
  set_attr(b.node("ReduceMean", {"x"}, {"mu"}), "axes", std::vector<int64_t>{-1});
  b.node("Sub", {"x", "mu"}, {"d"});
  b.node("Pow", {"d", "two"}, {"d2"});
  set_attr(b.node("ReduceMean", {"d2"}, {"var"}), "axes", std::vector<int64_t>{-1});
  b.node("Add", {"var", "eps"}, {"ve"});
  b.node("Sqrt", {"ve"}, {"sd"});
  b.node("Div", {"d", "sd"}, {"n"});
  b.node("Mul", {"n", "g"}, {"ng"});
  b.node("Add", {"ng", "b"}, {"y"});
  std::vector<float> want;
  const Tensor x = rt_input();
  for (int64_t c = 0; c < kC; ++c)
    for (int64_t h = 0; h < kH; ++h) {
      double mu = 0, var = 0;
      for (int64_t w = 0; w < kW; ++w) mu += rt_x(x, c, h, w) / kW;
      for (int64_t w = 0; w < kW; ++w) var += (rt_x(x, c, h, w) - mu) * (rt_x(x, c, h, w) - mu) / kW;
      for (int64_t w = 0; w < kW; ++w)
        want.push_back(
            static_cast<float>((rt_x(x, c, h, w) - mu) / std::sqrt(var + 1e-5) * gamma[w] + beta[w]));
    }
  check(b, "LayerNorm", want, {"UnaryOp", "Reduction"});
}

TEST_F(NcnnOnnxOpsRoundTrip, TransposeOfChwIsPermute) {
  OnnxBuilder b(13);
  b.input("x", {1, kC, kH, kW}).output("y");
  set_attr(b.node("Transpose", {"x"}, {"y"}), "perm", std::vector<int64_t>{0, 2, 3, 1});
  std::vector<float> want;
  const Tensor x = rt_input();
  for (int64_t h = 0; h < kH; ++h)
    for (int64_t w = 0; w < kW; ++w)
      for (int64_t c = 0; c < kC; ++c) want.push_back(rt_x(x, c, h, w));
  check(b, "Permute", want);
}

}  // namespace
