// QuantizeStep (the oneDNN executor's vectorized f32 -> int8 step) against ref::quantize_value, on values
// chosen to hit rounding ties, the clamp, zero and both signs, at lengths with and without a scalar tail.
#include <gtest/gtest.h>

#include <random>

#include "runtime/onednn/steps.h"
#include "runtime/ref/int8.h"
#include "runtime/ref/quantize_simd.h"

namespace qd::runtime::onednn {
namespace {

std::vector<float> tricky_values(int64_t count, float step) {
  std::vector<float> x(count);
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> k(-300, 300);
  std::uniform_real_distribution<float> u(-200.f, 200.f);
  for (int64_t i = 0; i < count; ++i) {
    switch (i % 4) {
      case 0:
        x[i] = (k(rng) + 0.5f) * step;
        break;  // exact .5 ties (step a power of two)
      case 1:
        x[i] = k(rng) * step;
        break;  // integers, beyond the clamp too
      case 2:
        x[i] = u(rng) * step;
        break;
      default:
        x[i] = (i % 8 == 3) ? 0.f : -0.f;
    }
  }
  return x;
}

TEST(QuantizeStep, MatchesReferenceRoundingAndClamp) {
  for (int64_t count : {1, 31, 32, 100, 4099}) {
    for (float step : {0.25f, 0.0371f}) {
      std::vector<float> x = tricky_values(count, step);
      std::vector<int8_t> y(count);
      std::vector<uint8_t> pos(count), neg(count);
      std::vector<float> fake(count);
      std::vector<void*> buffers{x.data(), y.data(), pos.data(), neg.data(), fake.data()};
      dnnl::engine eng(dnnl::engine::kind::cpu, 0);
      dnnl::stream stream(eng);
      RunContext ctx{&stream, nullptr, &buffers};
      QuantizeStep(0, 1, count, step, false).execute(ctx);
      QuantizeStep(0, 2, 3, count, step).execute(ctx);
      QuantizeStep(0, 4, count, step, true).execute(ctx);
      for (int64_t i = 0; i < count; ++i) {
        const int8_t q = ref::quantize_value(x[i], step);
        ASSERT_EQ(y[i], q) << "x=" << x[i] << " step=" << step << " count=" << count;
        ASSERT_EQ(pos[i] - neg[i], q) << x[i];
        ASSERT_TRUE(pos[i] == 0 || neg[i] == 0);
        ASSERT_EQ(fake[i], q * step) << x[i];
      }
    }
  }
}

TEST(QuantizeSpan, WeightBitWidthsMatchReference) {
  for (int qmax : {127, 31, 7}) {
    const float step = 0.5f;
    std::vector<float> x = tricky_values(1000, step);
    std::vector<int8_t> y(x.size());
    ref::quantize_span(x.data(), y.data(), static_cast<int64_t>(x.size()), step, qmax);
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_EQ(y[i], ref::quantize_value(x[i], step, qmax)) << x[i] << " qmax " << qmax;
  }
}

}  // namespace
}  // namespace qd::runtime::onednn
