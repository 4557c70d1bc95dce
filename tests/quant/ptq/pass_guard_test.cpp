#include "quant/pass_guard.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "quant/analyse/error_metrics.h"
#include "quant/calibrate.h"
#include "quant/ptq/batch_list.h"
#include "runtime/graph_builder.h"

namespace qd::quant {
namespace {

using runtime::testing::random_tensor;

ir::Model guard_model() { return runtime::testing::conv_relu_conv_model(3, 12, 8, 4, 3, 3); }

LabelledBatches guard_batches(int n, uint32_t seed) {
  LabelledBatches d;
  for (int i = 0; i < n; ++i) {
    d.inputs.push_back(random_tensor({3, 3, 12, 12}, seed + i, -1.f, 1.f));
    d.labels.emplace_back(3, -1);
  }
  return d;
}

// The int8 model's output SNR against fp32 with every image weighing the same: -10 log10 of the mean of the
// images' noise-to-signal ratios, computed here row by row.
double guard_image_snr_db(const ir::Model& fp32, const ir::QuantParams& q, const LabelledBatches& data) {
  const std::vector<Tensor> ref = model_outputs(fp32, data, false, 1);
  const std::vector<Tensor> test = model_outputs(ir::Model{fp32.graph, q}, data, true, 1);
  double sum_ratio = 0;
  int64_t images = 0;
  for (size_t b = 0; b < ref.size(); ++b) {
    const int64_t per_image = ref[b].numel() / ref[b].dim(0);
    for (int64_t i = 0; i < ref[b].dim(0); ++i, ++images)
      sum_ratio +=
          std::pow(10.0, -snr_db({ref[b].data<float>() + i * per_image, static_cast<size_t>(per_image)},
                                 {test[b].data<float>() + i * per_image, static_cast<size_t>(per_image)}) /
                             10.0);
  }
  return -10.0 * std::log10(sum_ratio / static_cast<double>(images));
}

TEST(PassGuard, ScoresTheInt8OutputImageByImage) {
  const ir::Model fp32 = guard_model();
  CalibOptions co;
  co.batch = 3;
  co.target = DeployTarget::qdeploy;
  co.method = RangeMethod::minmax;
  const LabelledBatches calib = guard_batches(2, 10);
  test_data::BatchList source(calib.inputs);
  const ir::QuantParams good = calibrate(fp32, source, co);
  ir::QuantParams coarse = good;  // the first layer's input step 16x too coarse: far noisier everywhere after
  coarse.layers.at(fp32.graph.node(0).name).input_scale *= 16;

  const LabelledBatches scoring = guard_batches(3, 50);
  const PassGuard guard(fp32, scoring, 1);
  EXPECT_EQ(guard.images(), 9u);
  const double good_db = guard.score({fp32.graph, good}), coarse_db = guard.score({fp32.graph, coarse});
  std::printf("minmax %.2f dB, first step x16 %.2f dB (per image)\n", good_db, coarse_db);
  EXPECT_GT(good_db, coarse_db + 10.0);
  EXPECT_NEAR(good_db, guard_image_snr_db(fp32, good, scoring), 1e-9);
  EXPECT_NEAR(coarse_db, guard_image_snr_db(fp32, coarse, scoring), 1e-9);
  // no int8 layer: the fp32 output itself, every image exact (capped)
  EXPECT_EQ(guard.score(fp32), PerImageSnr::kImageSnrCapDb);
  EXPECT_THROW(PassGuard(fp32, LabelledBatches{}, 1), Error);
}

}  // namespace
}  // namespace qd::quant
