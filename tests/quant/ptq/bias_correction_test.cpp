#include "quant/bias_correction.h"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace qd::quant {
namespace {

using runtime::testing::conv_attrs;
using runtime::testing::GraphBuilder;
using runtime::testing::random_tensor;

constexpr int kIn = 16, kOut = 4;

// One 1x1 conv whose weight rounding is biased by construction: per output channel one weight 1.0 (it sets
// the step to 1/127) and fifteen weights of 0.4 steps, which all round to 0 -> every channel loses
// 15 * 0.4/127 of weight; with inputs of mean 2 its output drops by 15 * 0.4/127 * 2 = 0.094488.
ir::Model biased_rounding_model() {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, kIn, 4, 4});
  Tensor w(DataType::f32, {kOut, kIn, 1, 1});
  float* pw = w.data<float>();
  for (int o = 0; o < kOut; ++o)
    for (int c = 0; c < kIn; ++c) pw[o * kIn + c] = c == o ? 1.f : 0.4f / 127.f;
  ir::ValueId y =
      b.node(ir::OpKind::Conv,
             {x, b.constant(w), b.constant(Tensor::from<float>({kOut}, std::vector<float>(kOut, 0.5f)))},
             conv_attrs(1));
  b.output(y);
  ir::Model m = b.finish();
  ir::LayerQuant q;
  q.input_scale = 3.f / 127.f;  // inputs in [1, 3]
  q.weight_scales.assign(kOut, 1.f / 127.f);
  m.quant.layers[m.graph.nodes()[0].name] = q;
  return m;
}

class BiasCorrectionBatches : public BatchSource {
 public:
  BiasCorrectionBatches(int n, uint32_t seed) : n_(n), seed_(seed) {}
  bool next(Tensor& out) override {
    if (i_ >= n_) return false;
    out = random_tensor({4, kIn, 4, 4}, seed_ + i_++, 1.f, 3.f);
    return true;
  }
  size_t size() const override { return n_; }

 private:
  int n_, i_ = 0;
  uint32_t seed_;
};

// Mean over everything of (int8 output - fp32 output), per output channel, on fresh data.
std::vector<double> mean_output_error(const ir::Model& int8, const ir::Model& fp32) {
  runtime::CompileOptions c;
  c.batch = 4;
  c.int8 = runtime::Int8Mode::off;
  auto ref = runtime::compile(fp32, c);
  c.int8 = runtime::Int8Mode::real;
  auto q = runtime::compile(int8, c);
  std::vector<double> err(kOut, 0.0);
  double count = 0;
  BiasCorrectionBatches data(8, 777);
  Tensor x;
  while (data.next(x)) {
    const Tensor a = ref->run({x})[0], b = q->run({x})[0];
    for (int64_t i = 0; i < a.numel(); ++i) err[(i / 16) % kOut] += b.data<float>()[i] - a.data<float>()[i];
    count += a.numel() / kOut;
  }
  for (double& e : err) e /= count;
  return err;
}

TEST(BiasCorrection, ExpectedShiftMatchesHandComputedValue) {
  const ir::Model m = biased_rounding_model();
  const std::vector<double> mean(kIn, 2.0);
  const std::vector<double> shift = expected_output_shift(m, m.graph.nodes()[0], mean);
  for (double s : shift) EXPECT_NEAR(s, -15 * 0.4 / 127 * 2, 1e-6);
}

TEST(BiasCorrection, RemovesTheOutputShiftOfWeightRounding) {
  const ir::Model fp32 = biased_rounding_model();
  ir::Model fp32_only = fp32;
  fp32_only.quant = {};
  BiasCorrectionBatches calib(8, 1);
  CalibOptions co;
  co.batch = 4;
  const ChannelMeans means = collect_input_channel_means(fp32_only, calib, co);
  ASSERT_EQ(means.size(), 1u);
  for (double v : means.begin()->second) EXPECT_NEAR(v, 2.0, 0.1);  // uniform [1, 3], 512 samples per channel

  const std::vector<double> before = mean_output_error(fp32, fp32_only);
  ir::Model corrected = fp32;
  EXPECT_EQ(correct_bias(corrected, means), 1);
  const std::vector<double> after = mean_output_error(corrected, fp32_only);
  for (int o = 0; o < kOut; ++o) {
    EXPECT_NEAR(before[o], -0.0945, 0.01) << o;  // the constructed shift
    EXPECT_LT(std::fabs(after[o]), 0.1 * std::fabs(before[o])) << o;
  }
  // The original model's bias constant is untouched (new constants, no aliasing).
  const Tensor& old_bias = fp32.graph.value(fp32.graph.nodes()[0].inputs[2]).constant;
  EXPECT_EQ(old_bias.data<float>()[0], 0.5f);
}

}  // namespace
}  // namespace qd::quant
