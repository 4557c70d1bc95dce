#include "quant/adaround.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "quant/rounding.h"
#include "quant/weight_quant.h"
#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace qd::quant {
namespace {

using runtime::testing::conv_attrs;
using runtime::testing::GraphBuilder;
using runtime::testing::random_tensor;

// Correlated inputs with a non-zero mean (x = A z + mu), as post-ReLU activations are: rounding errors of
// different weights do not cancel, so the choice of up/down matters.
Tensor correlated_inputs(int64_t m, int64_t k, uint32_t seed) {
  std::mt19937 mix_rng(99);  // the same mixing for every call: one input distribution
  std::normal_distribution<float> n01(0.f, 1.f);
  std::vector<float> mix(static_cast<size_t>(k * k)), mu(static_cast<size_t>(k));
  for (float& v : mix) v = n01(mix_rng) / std::sqrt(float(k));
  for (float& v : mu) v = 0.5f + 0.5f * std::fabs(n01(mix_rng));
  std::mt19937 rng(seed);
  Tensor x(DataType::f32, {m, k});
  std::vector<float> z(static_cast<size_t>(k));
  for (int64_t r = 0; r < m; ++r) {
    for (float& v : z) v = n01(rng);
    for (int64_t i = 0; i < k; ++i) {
      float acc = mu[i];
      for (int64_t j = 0; j < k; ++j) acc += mix[i * k + j] * z[j];
      x.data<float>()[r * k + i] = acc;
    }
  }
  return x;
}

RoundingProblem linear_problem(int bits, uint32_t data_seed, int64_t samples) {
  constexpr int64_t O = 16, K = 64;
  RoundingProblem p;
  p.weight = random_tensor({O, K}, 3, -1.f, 1.f);
  const std::vector<double> steps = per_channel_weight_steps(p.weight, 0, bits, "test");
  p.steps.assign(steps.begin(), steps.end());  // the rounding problem works with fp32 steps
  p.bits = bits;
  p.inputs = correlated_inputs(samples, K, data_seed);
  p.targets = layer_outputs(p.weight, 1, p.inputs);
  return p;
}

TEST(AdaRound, LayerOutputsAreTheNaiveMatrixProduct) {
  const Tensor w = random_tensor({6, 4}, 1), x = random_tensor({5, 8}, 2);  // two groups of 3 rows / 4 cols
  const Tensor y = layer_outputs(w, 2, x);
  for (int m = 0; m < 5; ++m)
    for (int o = 0; o < 6; ++o) {
      const int g = o / 3;
      double acc = 0;
      for (int k = 0; k < 4; ++k)
        acc += double(x.data<float>()[m * 8 + g * 4 + k]) * w.data<float>()[o * 4 + k];
      EXPECT_NEAR(y.data<float>()[m * 6 + o], acc, 1e-5) << m << " " << o;
    }
}

TEST(AdaRound, FourBitRoundingBeatsRoundToNearestOnHeldOutInputs) {
  const RoundingProblem train = linear_problem(4, 10, 2048);
  RoundingProblem held_out = linear_problem(4, 20, 2048);
  AdaRoundOptions opt;
  opt.iterations = 1000;
  const Tensor q = learn_rounding(train, opt);
  const Tensor q_rtn = round_to_nearest(train);

  // Every learned value is the floor or the ceiling of w / step, on the 4-bit grid.
  int changed = 0;
  for (int64_t i = 0; i < q.numel(); ++i) {
    const int o = static_cast<int>(i / train.weight.dim(1));
    const float x = train.weight.data<float>()[i] / train.steps[o];
    const int v = q.data<int8_t>()[i];
    EXPECT_LE(std::abs(v), 7);
    EXPECT_TRUE(v == static_cast<int>(std::floor(x)) || v == static_cast<int>(std::ceil(x)) ||
                std::abs(v) == 7)
        << i << ": " << x << " -> " << v;
    changed += v != q_rtn.data<int8_t>()[i];
  }
  EXPECT_GT(changed, 0);

  const double rtn = reconstruction_mse(held_out, q_rtn), ada = reconstruction_mse(held_out, q);
  std::printf("held-out output MSE, 4-bit: nearest %.5f, adaround %.5f (%d of %lld weights flipped)\n", rtn,
              ada, changed, static_cast<long long>(q.numel()));
  EXPECT_LT(ada, 0.7 * rtn);
  EXPECT_LT(reconstruction_mse(train, q), reconstruction_mse(train, q_rtn));
}

class AdaroundBatches : public BatchSource {
 public:
  AdaroundBatches(int n, uint32_t seed) : n_(n), seed_(seed) {}
  bool next(Tensor& out) override {
    if (i_ >= n_) return false;
    out = random_tensor({4, 4, 8, 8}, seed_ + i_++, 0.f, 2.f);
    return true;
  }
  size_t size() const override { return n_; }

 private:
  int n_, i_ = 0;
  uint32_t seed_;
};

// conv 3x3 (4 -> 16, ReLU) -> conv 3x3 (16 -> 8), 4-bit per-channel weight steps.
ir::Model small_conv_model() {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, 4, 8, 8});
  ir::ConvAttrs relu = conv_attrs(3, 1, 1);
  relu.activation = ir::FusedActivation{ir::OpKind::Relu};
  ir::ValueId y = b.conv(x, 4, 16, relu, 51);
  y = b.conv(y, 16, 8, conv_attrs(3, 1, 1), 53);
  b.output(y);
  ir::Model m = b.finish();
  for (const ir::Node& n : m.graph.nodes()) {
    ir::LayerQuant q;
    q.input_scale = 0.02f;
    q.weight_bits = 4;
    q.weight_scales = per_channel_weight_steps(m.graph.value(n.inputs[1]).constant, 0, 4, n.name);
    m.quant.layers[n.name] = q;
  }
  return m;
}

// The model with every weight replaced by step * round(w / step) (what the runtime does).
ir::Model nearest_weights(const ir::Model& m) {
  ir::Model r = m;
  for (ir::Node& n : r.graph.nodes()) {
    const ir::LayerQuant& q = r.quant.layers.at(n.name);
    const Tensor w = r.graph.value(n.inputs[1]).constant;
    const Tensor qi = quantize_weights(w, q.weight_scales, 0, q.weight_bits);
    Tensor deq(DataType::f32, w.shape());
    const int64_t per = w.numel() / w.dim(0);
    for (int64_t i = 0; i < w.numel(); ++i)
      deq.data<float>()[i] = qi.data<int8_t>()[i] * static_cast<float>(q.weight_scales[i / per]);
    n.inputs[1] = r.graph.add_constant(r.graph.unique_value_name(n.name + "_rtn"), deq);
  }
  return r;
}

double output_mse(const ir::Model& m, const ir::Model& reference) {
  runtime::CompileOptions c;
  c.int8 = runtime::Int8Mode::off;
  c.batch = 4;
  auto a = runtime::compile(ir::Model{m.graph, {}}, c),
       b = runtime::compile(ir::Model{reference.graph, {}}, c);
  AdaroundBatches held_out(8, 5000);
  Tensor x;
  double acc = 0;
  int64_t count = 0;
  while (held_out.next(x)) {
    const Tensor ya = a->run({x})[0], yb = b->run({x})[0];
    for (int64_t i = 0; i < ya.numel(); ++i)
      acc += std::pow(double(ya.data<float>()[i]) - yb.data<float>()[i], 2);
    count += ya.numel();
  }
  return acc / static_cast<double>(count);
}

TEST(AdaRound, ModelPassPutsWeightsOnTheGridAndLowersTheOutputError) {
  const ir::Model fp32 = small_conv_model();
  ir::Model rounded = fp32;
  AdaroundBatches calib(16, 1);
  CalibOptions co;
  co.batch = 4;
  AdaRoundOptions opt;
  opt.images = 48;  // 12 of the 16 batches
  opt.iterations = 500;
  const std::vector<AdaRoundLayerReport> reports = adaround(rounded, calib, co, opt);
  ASSERT_EQ(reports.size(), 2u);
  for (const AdaRoundLayerReport& r : reports) {
    std::printf("%s: sample output MSE nearest %g -> adaround %g\n", r.node.c_str(), r.mse_nearest,
                r.mse_adaround);
    EXPECT_EQ(r.samples, 48 * 64);  // every 8x8 output position of 48 images (under max_samples)
    EXPECT_LT(r.mse_adaround, r.mse_nearest) << r.node;
  }

  // The rounded weights lie exactly on the calibrated 4-bit grid: weight quantization reproduces them, also
  // through ncnn's multiplier text ("%f" of 1 / step) as the .table carries it.
  for (const ir::Node& n : rounded.graph.nodes()) {
    const ir::LayerQuant& q = rounded.quant.layers.at(n.name);
    const Tensor w = rounded.graph.value(n.inputs[1]).constant;
    const Tensor qi = quantize_weights(w, q.weight_scales, 0, q.weight_bits);
    const int64_t per = w.numel() / w.dim(0);
    for (int64_t i = 0; i < w.numel(); ++i) {
      const float step = q.weight_scales[i / per];
      ASSERT_EQ(qi.data<int8_t>()[i] * step, w.data<float>()[i]) << n.name << " " << i;
      ASSERT_LE(std::abs(qi.data<int8_t>()[i]), 7);
      char text[64];
      std::snprintf(text, sizeof text, "%f", 1.f / step);
      const float table_step = 1.f / std::strtof(text, nullptr);
      ASSERT_EQ(round_clamp_symmetric(w.data<float>()[i] / table_step, 127), qi.data<int8_t>()[i]);
    }
  }
  // The input model's weights are untouched.
  EXPECT_EQ(fp32.graph.value(fp32.graph.nodes()[0].inputs[1]).constant.data<float>()[0],
            random_tensor({16, 4, 3, 3}, 51).data<float>()[0]);

  const double mse_rtn = output_mse(nearest_weights(fp32), fp32);
  const double mse_ada = output_mse(rounded, fp32);
  std::printf("held-out model output MSE, 4-bit weights: nearest %.5f, adaround %.5f\n", mse_rtn, mse_ada);
  EXPECT_LT(mse_ada, 0.8 * mse_rtn);
}

}  // namespace
}  // namespace qd::quant
