// The fused BN + Relu + quantize kernel against the reference's BatchNormalization, Relu and quantize:
// bit-exact, in NCHW and NHWC order.
#include "runtime/onednn/batchnorm_relu_quantize.h"

#include <gtest/gtest.h>

#include "runtime/graph_builder.h"
#include "runtime/ref/int8.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime {
namespace {

using testing::random_tensor;

TEST(BatchNormReluQuantize, BitExactWithTheReferenceInBothLayouts) {
  const int64_t N = 2, C = 37, H = 5, W = 7;  // odd sizes: no vector-width luck
  const Tensor x = random_tensor({N, C, H, W}, 91, -3.f, 3.f);
  const Tensor gamma = random_tensor({C}, 92, 0.2f, 2.f), beta = random_tensor({C}, 93, -1.f, 1.f),
               mean = random_tensor({C}, 94, -0.5f, 0.5f), var = random_tensor({C}, 95, 0.1f, 3.f);
  const float eps = 1e-5f, step = 0.023f;
  Tensor y = ref::batchnorm(x, gamma, beta, mean, var, eps);
  for (float& v : y.values<float>()) v = v > 0.f ? v : 0.f;
  const Tensor want = ref::quantize(y, step);
  onednn::BatchNormChannels ch;
  ch.gamma.assign(gamma.data<float>(), gamma.data<float>() + C);
  ch.beta.assign(beta.data<float>(), beta.data<float>() + C);
  ch.mean.assign(mean.data<float>(), mean.data<float>() + C);
  for (int64_t c = 0; c < C; ++c) ch.inv_std.push_back(1.f / std::sqrt(var.data<float>()[c] + eps));
  int clamped = 0;
  for (int8_t q : want.values<int8_t>()) clamped += q == 127;
  EXPECT_GT(clamped, 0);  // the range clamp is exercised too
  for (bool nhwc : {false, true}) {
    SCOPED_TRACE(nhwc ? "NHWC" : "NCHW");
    const Tensor src = nhwc ? ref::transpose(x, {0, 2, 3, 1}) : x;
    std::vector<uint8_t> q(static_cast<size_t>(x.numel()));
    onednn::batchnorm_relu_quantize(src.data<float>(), q.data(), N, C, H * W, nhwc, ch, step);
    int mismatches = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t p = 0; p < H * W; ++p) {
          const int64_t i = (n * C + c) * H * W + p, j = nhwc ? (n * H * W + p) * C + c : i;
          mismatches += q[j] != static_cast<uint8_t>(want.data<int8_t>()[i]);
        }
    EXPECT_EQ(mismatches, 0);
  }
}

}  // namespace
}  // namespace qd::runtime
