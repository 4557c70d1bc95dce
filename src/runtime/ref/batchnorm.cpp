#include <cmath>

#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

Tensor batchnorm(const Tensor& x, const Tensor& scale, const Tensor& bias, const Tensor& mean,
                 const Tensor& var, float epsilon) {
  QD_CHECK(x.rank() >= 2, "batchnorm: rank < 2");
  const int64_t N = x.dim(0), C = x.dim(1), inner = x.numel() / (N * C);
  Tensor y(DataType::f32, x.shape());
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  for (int64_t c = 0; c < C; ++c) {
    const float inv = 1.f / std::sqrt(var.data<float>()[c] + epsilon);
    const float s = scale.data<float>()[c], b = bias.data<float>()[c], m = mean.data<float>()[c];
    for (int64_t n = 0; n < N; ++n) {
      const int64_t base = (n * C + c) * inner;
      for (int64_t i = 0; i < inner; ++i) yd[base + i] = s * (xd[base + i] - m) * inv + b;
    }
  }
  return y;
}

}  // namespace qd::runtime::ref
