#include "quant/method_selection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "quant/analyse/quant_error_analysis.h"
#include "runtime/graph_builder.h"

namespace qd::quant {
namespace {

using runtime::testing::conv_attrs;
using runtime::testing::GraphBuilder;

// Heavy-tailed images (Laplace bulk, scale 0.3, plus rare spikes of +-12): methods disagree on whether to
// clip the spikes, and the layer's output error decides.
class SpikyImages : public BatchSource {
 public:
  SpikyImages(int batches, uint32_t seed) : batches_(batches), rng_(seed) {}
  bool next(Tensor& out) override {
    if (done_ >= batches_) return false;
    out = Tensor(DataType::f32, {4, 3, 16, 16});
    std::exponential_distribution<float> e(1.f / 0.3f);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    for (float& v : out.values<float>()) {
      v = (u(rng_) < 0.5f ? -1.f : 1.f) * e(rng_);
      if (u(rng_) < 0.0005f) v = u(rng_) < 0.5f ? -12.f : 12.f;
    }
    ++done_;
    return true;
  }
  size_t size() const override { return batches_; }

 private:
  int batches_, done_ = 0;
  std::mt19937 rng_;
};

ir::Model two_conv_model() {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, 3, 16, 16});
  ir::ConvAttrs relu = conv_attrs(3, 1, 1);
  relu.activation = ir::FusedActivation{};
  x = b.conv(x, 3, 8, relu, 3);
  x = b.conv(x, 8, 8, conv_attrs(3, 1, 1), 5);
  b.output(x);
  return b.finish();
}

double layer_snr(const ir::Model& fp32, const ir::QuantParams& q, size_t layer) {
  SpikyImages data(3, 99);  // the same batches the selection measured on
  ir::Model int8{fp32.graph, q};
  AnalysisOptions o;
  o.batch = 4;
  o.histogram_bins = 0;
  return analyze_quant_error(fp32, int8, data, o).layers.at(layer).layer_wise.snr_db();
}

TEST(MethodSelection, PicksEachLayersBestMethodAndBeatsEverySingleMethod) {
  const ir::Model fp32 = two_conv_model();
  CalibOptions co;
  co.batch = 4;
  co.target = DeployTarget::qdeploy;
  SpikyImages calib(3, 99);
  const CalibrationStats stats = collect_stats(fp32, calib, co);
  SpikyImages measure(3, 99);
  const std::vector<RangeMethod> methods = default_selection_methods();
  const MethodSelection sel = select_range_methods(fp32, stats, measure, co, methods, 0);
  ASSERT_EQ(sel.choices.size(), 2u);
  ASSERT_EQ(sel.params.layers.size(), 2u);

  for (size_t l = 0; l < 2; ++l) {
    const MethodChoice& c = sel.choices[l];
    // The recorded SNRs agree with the analysis module run on each single-method model.
    double best_single = -1e9;
    for (const RangeMethod method : methods) {
      const std::string m(range_method_name(method));
      CalibOptions o = co;
      o.method = method;
      const double snr = layer_snr(fp32, params_from_stats(stats, fp32, o), l);
      EXPECT_NEAR(c.snr_db.at(m), snr, 0.01) << c.node << " " << m;
      best_single = std::max(best_single, snr);
    }
    const double selected = layer_snr(fp32, sel.params, l);
    EXPECT_NEAR(selected, best_single, 0.01) << c.node << " chose " << c.method;
    std::printf("%s: chose %s (", c.node.c_str(), c.method.c_str());
    for (const auto& [m, s] : c.snr_db) std::printf(" %s %.2f", m.c_str(), s);
    std::printf(" )\n");
  }
  // On the spiky first layer the default method (kl) clips far too much (measured: kl 9.6 dB, minmax 26.9,
  // mse 26.9): the selection gains > 10 dB over the default there and loses nothing elsewhere.
  EXPECT_NE(sel.choices[0].method, "kl");
  EXPECT_GT(sel.choices[0].snr_db.at(sel.choices[0].method), sel.choices[0].snr_db.at("kl") + 10.0);
  EXPECT_GE(sel.choices[1].snr_db.at(sel.choices[1].method), sel.choices[1].snr_db.at("kl"));
}

// The pass's whole-model check scores each parameter set by the int8 model's output against fp32, and keeps
// the selection only when it is no worse, whichever set is better.
TEST(MethodSelection, CheckScoresBothParameterSetsOnTheModelOutput) {
  const ir::Model fp32 = two_conv_model();
  CalibOptions co;
  co.batch = 4;
  co.target = DeployTarget::qdeploy;
  co.method = RangeMethod::minmax;
  SpikyImages calib(3, 99);
  const ir::QuantParams good = params_from_stats(collect_stats(fp32, calib, co), fp32, co);
  ir::QuantParams coarse = good;  // the first layer's input step 16x too coarse: far noisier everywhere after
  coarse.layers.at(fp32.graph.node(0).name).input_scale *= 16;
  SpikyImages scoring_source(3, 7);
  const LabelledBatches scoring = unlabelled_batches(scoring_source, 3);
  ASSERT_EQ(scoring.inputs.size(), 3u);

  const SelectionCheck worse = check_selection(fp32, good, coarse, scoring, 1);
  const SelectionCheck better = check_selection(fp32, coarse, good, scoring, 1);
  EXPECT_FALSE(worse.keep());
  EXPECT_TRUE(better.keep());
  EXPECT_GT(worse.incoming_snr_db, worse.selected_snr_db + 10.0);
  // the same figures as scoring each model on its own
  EXPECT_NEAR(worse.incoming_snr_db, int8_output_snr_db(ir::Model{fp32.graph, good}, scoring, 1), 1e-9);
  EXPECT_NEAR(worse.selected_snr_db, int8_output_snr_db(ir::Model{fp32.graph, coarse}, scoring, 1), 1e-9);
  EXPECT_DOUBLE_EQ(better.incoming_snr_db, worse.selected_snr_db);
  EXPECT_TRUE(check_selection(fp32, good, good, scoring, 1).keep());  // a tie keeps the selection
}

TEST(MethodSelection, RejectsUnknownMethods) { EXPECT_THROW(parse_range_method("nope"), Error); }

}  // namespace
}  // namespace qd::quant
