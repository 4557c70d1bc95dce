#include "quant/mixed_precision.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace qd::quant {
namespace {

using runtime::testing::conv_attrs;
using runtime::testing::GraphBuilder;
using runtime::testing::random_tensor;

constexpr int kBatch = 8, kBatches = 12, kClasses = 5;

// conv 3x3 (8->8, ReLU) -> conv 1x1 (8->8) -> flatten -> gemm (-> 5 classes), random weights.
ir::Model three_layer_model() {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, 8, 6, 6});
  ir::ConvAttrs a3 = conv_attrs(3, 1, 1);
  a3.activation = ir::FusedActivation{};  // ReLU
  ir::ValueId c1 = b.conv(x, 8, 8, a3, 11);
  ir::ValueId c2 = b.conv(c1, 8, 8, conv_attrs(1), 21);
  ir::ValueId f = b.node(ir::OpKind::Flatten, {c2}, ir::AxisAttrs{1});
  ir::ValueId w = b.constant(random_tensor({kClasses, 8 * 6 * 6}, 31));
  ir::ValueId y = b.node(ir::OpKind::Gemm, {f, w}, ir::GemmAttrs{1.f, 1.f, false, true, {}});
  b.output(y);
  return b.finish();
}

LabelledBatches random_inputs() {
  LabelledBatches d;
  for (int i = 0; i < kBatches; ++i) {
    d.inputs.push_back(random_tensor({kBatch, 8, 6, 6}, 100 + i));
    d.labels.emplace_back(kBatch, 0);
  }
  return d;
}

// Labels = the fp32 model's own predictions, so fp32 top-1 is 1 by construction; int8 scales = absmax/127
// of each layer's input measured on the same data (what minmax calibration would choose), weights per
// channel absmax/127.
void label_and_quantize(ir::Model& m, LabelledBatches& d) {
  runtime::CompileOptions co;
  co.batch = kBatch;
  co.int8 = runtime::Int8Mode::off;
  co.backend = runtime::Backend::reference;
  auto exec = runtime::compile(m, co);
  std::map<std::string, float> absmax;
  for (size_t b = 0; b < d.inputs.size(); ++b) {
    const Tensor out = exec->run({d.inputs[b]},
                                 [&](const std::string& name, const Tensor& t) {
                                   for (float v : t.values<float>())
                                     absmax[name] = std::max(absmax[name], std::fabs(v));
                                 })
                           .at(0);
    for (int i = 0; i < kBatch; ++i) {
      const float* row = out.data<float>() + i * kClasses;
      d.labels[b][i] = static_cast<int>(std::max_element(row, row + kClasses) - row);
    }
  }
  for (const ir::Node& n : m.graph.nodes()) {
    if (n.op != ir::OpKind::Conv && n.op != ir::OpKind::Gemm) continue;
    ir::LayerQuant q;
    q.input_scale = absmax.at(m.graph.value(n.inputs[0]).name) / 127.f;
    const Tensor& w = m.graph.value(n.inputs[1]).constant;
    const int64_t out = w.shape()[0], per = w.numel() / out;
    for (int64_t o = 0; o < out; ++o) {
      float mx = 0;
      for (int64_t k = 0; k < per; ++k) mx = std::max(mx, std::fabs(w.data<float>()[o * per + k]));
      q.weight_scales.push_back(mx / 127.f);
    }
    m.quant.layers[n.name] = q;
  }
}

TEST(MixedPrecision, ReturnsTheMisCalibratedLayerToFp32First) {
  ir::Model m = three_layer_model();
  LabelledBatches d = random_inputs();
  label_and_quantize(m, d);
  const std::string first_conv = m.graph.nodes()[0].name;
  ASSERT_EQ(m.graph.nodes()[0].op, ir::OpKind::Conv);
  // Sabotage: the first conv's input step 40x too coarse (inputs land on about +-3 levels).
  m.quant.layers.at(first_conv).input_scale *= 40.f;
  ASSERT_EQ(m.quant.layers.size(), 3u);

  const MixedPrecisionResult r = keep_sensitive_layers_fp32(m, d, 5.0, 1);
  EXPECT_DOUBLE_EQ(r.fp32_top1, 1.0);
  EXPECT_LT(r.int8_top1, 0.95) << "the sabotaged model must actually miss the budget";
  ASSERT_FALSE(r.ranking.empty());
  EXPECT_EQ(r.ranking.front().layer, first_conv);
  ASSERT_FALSE(r.steps.empty());
  EXPECT_EQ(r.steps.front().layer, first_conv);
  EXPECT_TRUE(r.budget_met);
  EXPECT_GE(r.final_top1, 0.95);
  EXPECT_EQ(m.quant.layers.count(first_conv), 0u);
  EXPECT_EQ(m.quant.layers.size(), 3u - r.steps.size());
  // The result's accuracy is what the returned model really gets.
  EXPECT_DOUBLE_EQ(top1_accuracy(m, d, 1), r.final_top1);
}

TEST(MixedPrecision, WellCalibratedModelWithinBudgetKeepsEveryLayer) {
  ir::Model m = three_layer_model();
  LabelledBatches d = random_inputs();
  label_and_quantize(m, d);
  const double int8 = top1_accuracy(m, d, 1);
  const MixedPrecisionResult r = keep_sensitive_layers_fp32(m, d, 100.0 * (1.0 - int8), 1);
  EXPECT_TRUE(r.budget_met);
  EXPECT_TRUE(r.steps.empty());
  EXPECT_EQ(m.quant.layers.size(), 3u);
}

TEST(MixedPrecision, RejectsNegativeBudgetAndUnlabelledData) {
  ir::Model m = three_layer_model();
  LabelledBatches d = random_inputs();
  label_and_quantize(m, d);
  EXPECT_THROW(keep_sensitive_layers_fp32(m, d, -1.0, 1), Error);
  for (auto& l : d.labels) std::fill(l.begin(), l.end(), -1);
  EXPECT_THROW(keep_sensitive_layers_fp32(m, d, 1.0, 1), Error);
}

TEST(SnrBudget, ReturnsTheMisCalibratedLayerToFp32UntilTheOutputIsCloseEnough) {
  ir::Model m = three_layer_model();
  LabelledBatches d = random_inputs();
  label_and_quantize(m, d);
  for (auto& l : d.labels) std::fill(l.begin(), l.end(), -1);  // the SNR budget needs no labels
  const std::string first_conv = m.graph.nodes()[0].name;
  const double well_calibrated = int8_output_snr_db(m, d, 1);
  m.quant.layers.at(first_conv).input_scale *= 40.f;  // as above: about +-3 input levels
  const double sabotaged = int8_output_snr_db(m, d, 1);
  ASSERT_LT(sabotaged, well_calibrated - 10) << "the sabotage must cost output SNR";
  const double budget = (sabotaged + well_calibrated) / 2;

  const SnrBudgetResult r = keep_sensitive_layers_fp32_for_snr(m, d, budget, 1);
  EXPECT_DOUBLE_EQ(r.int8_snr_db, sabotaged);
  ASSERT_FALSE(r.ranking.empty());
  EXPECT_EQ(r.ranking.front().layer, first_conv);
  ASSERT_FALSE(r.steps.empty());
  EXPECT_EQ(r.steps.front().layer, first_conv);
  EXPECT_TRUE(r.budget_met);
  EXPECT_GE(r.final_snr_db, budget);
  EXPECT_EQ(m.quant.layers.count(first_conv), 0u);
  EXPECT_EQ(m.quant.layers.size(), 3u - r.steps.size());
  EXPECT_DOUBLE_EQ(int8_output_snr_db(m, d, 1), r.final_snr_db);  // what the returned model really gets
}

TEST(SnrBudget, BudgetAlreadyMetKeepsEveryLayerAndBadInputIsRefused) {
  ir::Model m = three_layer_model();
  LabelledBatches d = random_inputs();
  label_and_quantize(m, d);
  const SnrBudgetResult r = keep_sensitive_layers_fp32_for_snr(m, d, int8_output_snr_db(m, d, 1) - 1, 1);
  EXPECT_TRUE(r.budget_met);
  EXPECT_TRUE(r.steps.empty());
  EXPECT_TRUE(r.ranking.empty());
  EXPECT_EQ(m.quant.layers.size(), 3u);
  EXPECT_THROW(keep_sensitive_layers_fp32_for_snr(m, d, NAN, 1), Error);
  EXPECT_THROW(keep_sensitive_layers_fp32_for_snr(m, LabelledBatches{}, 20, 1), Error);
}

}  // namespace
}  // namespace qd::quant
