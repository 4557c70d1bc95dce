// Our ncnn files of a squeeze-and-excitation block computed by the REAL ncnn (../shared/ncnn-oracle):
// global pooling -> 1x1 conv (ReLU) -> 1x1 conv (HardSigmoid) -> Mul with the feature map. ncnn's int8
// Convolution has no path for the 1-D blob its global Pooling writes and computed these convs as spatial
// ones (MobileNetV3/RegNetY int8 output below 0 dB SNR); the writer now hands them a C x 1 x 1 blob.
// The oracle is part of every machine's ../shared: a missing oracle fails the test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "exporters/ncnn/ncnn_writer.h"
#include "exporters/ncnn/real_ncnn.h"
#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace {

namespace fs = std::filesystem;
using qd::Tensor;
using qd::runtime::testing::GraphBuilder;
using qd::runtime::testing::random_tensor;

// x (8 ch) -> conv 1x1 + ReLU (16 ch) = f -> SE(f) = f * hardsigmoid(fc2(relu(fc1(gap(f))))) -> conv 1x1.
// `reduce_mean`: the pool as ReduceMean over H,W with keepdims (x.mean((2, 3), keepdim=True) exports).
qd::ir::Model se_block_model(bool reduce_mean) {
  GraphBuilder b;
  qd::ir::ValueId x = b.input("input", {qd::kDynamicDim, 8, 6, 6});
  qd::ir::ConvAttrs relu = qd::runtime::testing::conv_attrs(1);
  relu.activation = qd::ir::FusedActivation{qd::ir::OpKind::Relu};
  const qd::ir::ValueId f = b.conv(x, 8, 16, relu, 21);
  qd::ir::ValueId s = reduce_mean ? b.node(qd::ir::OpKind::ReduceMean, {f}, qd::ir::ReduceAttrs{{2, 3}, true})
                                  : b.node(qd::ir::OpKind::GlobalAveragePool, {f});
  s = b.conv(s, 16, 4, relu, 23);
  qd::ir::ConvAttrs gate = qd::runtime::testing::conv_attrs(1);
  gate.activation = qd::ir::FusedActivation{qd::ir::OpKind::HardSigmoid, 1.f / 6.f, 0.5f};
  s = b.conv(s, 4, 16, gate, 25);
  b.output(b.conv(b.node(qd::ir::OpKind::Mul, {f, s}), 16, 8, qd::runtime::testing::conv_attrs(1), 27));
  return b.finish();
}

std::vector<Tensor> run_ours(const qd::ir::Model& m, qd::runtime::Int8Mode mode, const Tensor& x,
                             const qd::runtime::Tap& tap = {}) {
  qd::runtime::CompileOptions o;
  o.backend = qd::runtime::Backend::reference;
  o.int8 = mode;
  o.batch = x.dim(0);
  o.threads = 1;
  return qd::runtime::compile(m, o)->run({x}, tap);
}

// Every conv int8: input step absmax/127 of its input over `x` (fp32 run), weights per channel.
void quantize_all_convs(qd::ir::Model& m, const Tensor& x) {
  std::map<std::string, float> absmax;
  run_ours(m, qd::runtime::Int8Mode::off, x, [&](const std::string& name, const Tensor& t) {
    float& a = absmax[name];
    for (float v : t.values<float>()) a = std::max(a, std::fabs(v));
  });
  for (const qd::ir::Node& n : m.graph.nodes()) {
    if (n.op != qd::ir::OpKind::Conv) continue;
    qd::ir::LayerQuant q;
    q.input_scale = absmax.at(m.graph.value(n.inputs[0]).name) / 127.0;
    const Tensor& w = m.graph.value(n.inputs[1]).constant;
    const int64_t per = w.numel() / w.dim(0);
    for (int64_t o = 0; o < w.dim(0); ++o) {
      float a = 0.f;
      for (int64_t i = 0; i < per; ++i) a = std::max(a, std::fabs(w.data<float>()[o * per + i]));
      q.weight_scales.push_back(a / 127.0);
    }
    m.quant.layers[n.name] = q;
  }
}

double snr_db(const std::vector<float>& got, const Tensor& want) {
  double s = 0, e = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double r = want.data<float>()[i];
    s += r * r;
    e += (got[i] - r) * (got[i] - r);
  }
  return 10 * std::log10(s / std::max(e, 1e-30));
}

class NcnnOracleSe : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qd_ncnn_oracle_se_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Writes `m`, runs it in the real ncnn on every image of `x`, returns the outputs back to back.
  std::vector<float> run_ncnn(const qd::ir::Model& m, const Tensor& x, const std::string& tag) {
    const std::string p = (dir_ / (tag + ".param")).string(), bin = (dir_ / (tag + ".bin")).string();
    qd::exporters::save_ncnn(m, p, bin);
    std::vector<float> y = qd::test::run_real_ncnn(p, bin, x, dir_);
    EXPECT_EQ(y.size(), static_cast<size_t>(x.dim(0)) * 8 * 6 * 6) << "no output from the oracle";
    y.resize(static_cast<size_t>(x.dim(0)) * 8 * 6 * 6);
    return y;
  }
  fs::path dir_;
};

TEST_F(NcnnOracleSe, Int8AndFp32SqueezeExcitationRightInRealNcnn) {
  ASSERT_TRUE(fs::exists(qd::test::real_ncnn_oracle()))
      << qd::test::real_ncnn_oracle() << " is missing (the real ncnn, see ../shared)";
  const Tensor x = random_tensor({4, 8, 6, 6}, 5, -1.f, 1.f);
  for (bool reduce_mean : {false, true}) {
    SCOPED_TRACE(reduce_mean ? "ReduceMean keepdims" : "GlobalAveragePool");
    qd::ir::Model m = se_block_model(reduce_mean);
    const Tensor fp32 = run_ours(m, qd::runtime::Int8Mode::off, x)[0];
    EXPECT_GE(snr_db(run_ncnn(m, x, "fp32"), fp32), 60.0);

    quantize_all_convs(m, x);
    const Tensor int8 = run_ours(m, qd::runtime::Int8Mode::real, x)[0];
    ASSERT_GE(snr_db(std::vector<float>(int8.data<float>(), int8.data<float>() + int8.numel()), fp32),
              25.0);  // the int8 model itself is good
    // Before: the SE convs read the pooled vector as a 2 x 1 map of 8 channels (about 0 dB).
    EXPECT_GE(snr_db(run_ncnn(m, x, "int8"), int8), 30.0);
  }
}

}  // namespace
