// Our int8 depthwise convolutions computed by the REAL ncnn and by our runtime on the same files. ncnn's x86
// int8 depthwise kernel for packs of 8 channels dequantizes with _mm_rcp_ps(m_in * m_w), an estimate ~1e-4
// off 1/(m_in * m_w); its kernel for other channel counts divides. Our runtime computes each as ncnn does
// (ir::LayerQuant::dequant_reciprocal_estimate): the outputs agree to float rounding, where 1e-4 moved one
// requantized value in a thousand by a step and MobileNetV2's int8 output in our runtime vs real ncnn was
// 14.7 dB apart (24.1 dB with this).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "exporters/ncnn/ncnn_table_writer.h"
#include "exporters/ncnn/ncnn_writer.h"
#include "exporters/ncnn/real_ncnn.h"
#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/ncnn/ncnn_table_reader.h"
#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace {

namespace fs = std::filesystem;
using qd::Tensor;
using qd::runtime::testing::GraphBuilder;
using qd::runtime::testing::random_tensor;

// x [N, C, 8, 8] -> depthwise 3x3 (pad 1, bias, Clip(0, 6)) = the output, int8 with per-channel weights.
qd::ir::Model depthwise_model(int64_t c, const Tensor& x) {
  GraphBuilder b;
  const qd::ir::ValueId in = b.input("input", {qd::kDynamicDim, c, 8, 8});
  qd::ir::ConvAttrs a = qd::runtime::testing::conv_attrs(3, 1, 1, static_cast<int>(c));
  a.activation = qd::ir::FusedActivation{qd::ir::OpKind::Clip, 0.f, 6.f};
  b.output(b.conv(in, c, c, a, 31));
  qd::ir::Model m = b.finish();
  const qd::ir::Node& n = m.graph.nodes().back();
  qd::ir::LayerQuant q;
  float absmax = 0.f;
  for (float v : x.values<float>()) absmax = std::max(absmax, std::fabs(v));
  q.input_scale = absmax / 127.0;
  q.weight_scales = qd::runtime::testing::channel_steps(m.graph.value(n.inputs[1]).constant);
  m.quant.layers[n.name] = q;
  return m;
}

std::vector<float> run_ours(const qd::ir::Model& m, const Tensor& x, qd::runtime::Backend backend) {
  qd::runtime::CompileOptions o;
  o.backend = backend;
  o.int8 = qd::runtime::Int8Mode::real;
  o.batch = x.dim(0);
  o.threads = 1;
  const Tensor y = qd::runtime::compile(m, o)->run({x})[0];
  return {y.data<float>(), y.data<float>() + y.numel()};
}

// max |a - b| / max |b|
double max_relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0, s = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
    s = std::max(s, static_cast<double>(std::fabs(b[i])));
  }
  return d / s;
}

class NcnnOracleDepthwiseInt8 : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qd_ncnn_oracle_dw_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(NcnnOracleDepthwiseInt8, OurRuntimeComputesTheWrittenFilesAsRealNcnn) {
  ASSERT_TRUE(fs::exists(qd::test::real_ncnn_oracle())) << qd::test::real_ncnn_oracle() << " is missing";
  for (const int64_t c : {32, 12}) {  // ncnn's packed kernel (estimate), its elempack-1 kernel (division)
    SCOPED_TRACE(std::to_string(c) + " channels");
    const Tensor x = random_tensor({3, c, 8, 8}, 7, -2.f, 2.f);
    const std::string p = (dir_ / "dw.param").string(), bin = (dir_ / "dw.bin").string();
    const qd::ir::Model fp32_and_scales = depthwise_model(c, x);
    qd::exporters::save_ncnn(fp32_and_scales, p, bin);
    const std::vector<float> ncnn = qd::test::run_real_ncnn(p, bin, x, dir_);
    ASSERT_EQ(ncnn.size(), static_cast<size_t>(x.numel()));

    qd::ir::Model back = qd::frontend::load_ncnn(p, bin);
    ASSERT_EQ(back.quant.layers.size(), 1u);
    qd::ir::LayerQuant& q = back.quant.layers.begin()->second;
    EXPECT_EQ(q.dequant_reciprocal_estimate, c % 8 == 0);
    // The same layer from a .table (the quantize command's input) is marked alike.
    const std::string table = (dir_ / "dw.table").string();
    qd::exporters::save_ncnn_table(fp32_and_scales.quant, fp32_and_scales.graph, table);
    const qd::ir::QuantParams from_table = qd::frontend::load_ncnn_table(table, fp32_and_scales.graph);
    ASSERT_EQ(from_table.layers.size(), 1u);
    EXPECT_EQ(from_table.layers.begin()->second.dequant_reciprocal_estimate, c % 8 == 0);
    for (auto backend : {qd::runtime::Backend::onednn, qd::runtime::Backend::reference})
      EXPECT_LE(max_relative_difference(run_ours(back, x, backend), ncnn), 1e-6)
          << (backend == qd::runtime::Backend::onednn ? "oneDNN" : "reference");
    if (c % 8 == 0) {  // the exact division is measurably not what ncnn computes
      q.dequant_reciprocal_estimate = false;
      EXPECT_GT(max_relative_difference(run_ours(back, x, qd::runtime::Backend::reference), ncnn), 1e-5);
    }
  }
}

}  // namespace
