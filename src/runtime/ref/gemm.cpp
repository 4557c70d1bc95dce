#include <algorithm>

#include "ir/axis.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

Tensor gemm(const Tensor& a, const Tensor& b, const Tensor& c, const ir::GemmAttrs& attrs) {
  QD_CHECK(a.rank() == 2 && b.rank() == 2, "gemm: expects 2-D A and B");
  const int64_t M = attrs.trans_a ? a.dim(1) : a.dim(0), K = attrs.trans_a ? a.dim(0) : a.dim(1);
  const int64_t N = attrs.trans_b ? b.dim(0) : b.dim(1);
  QD_CHECK((attrs.trans_b ? b.dim(1) : b.dim(0)) == K, "gemm: inner dimensions differ");
  Tensor y(DataType::f32, {M, N});
  Tensor cb;
  if (!c.empty()) cb = binary(ir::OpKind::Add, Tensor(DataType::f32, {M, N}), c);  // broadcast C to [M,N]
  const float* ad = a.data<float>();
  const float* bd = b.data<float>();
  float* yd = y.data<float>();
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        const float av = attrs.trans_a ? ad[k * M + m] : ad[m * K + k];
        const float bv = attrs.trans_b ? bd[n * K + k] : bd[k * N + n];
        acc += static_cast<double>(av) * bv;
      }
      float v = static_cast<float>(attrs.alpha * acc);
      if (!cb.empty()) v += attrs.beta * cb.data<float>()[m * N + n];
      if (attrs.activation) v = activate(v, *attrs.activation);
      yd[m * N + n] = v;
    }
  return y;
}

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  // numpy promotion of 1-D operands: a [K] -> [1,K], b [K] -> [K,1]; the added dim is dropped after.
  Tensor a = a_in.rank() == 1 ? a_in.reshaped({1, a_in.dim(0)}) : a_in;
  Tensor b = b_in.rank() == 1 ? b_in.reshaped({b_in.dim(0), 1}) : b_in;
  const int64_t M = a.dim(-2), K = a.dim(-1), N = b.dim(-1);
  QD_CHECK(b.dim(-2) == K, "matmul: inner dimensions differ");
  const Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  const Shape batch = ir::broadcast_shapes(ba, bb);
  Shape out = batch;
  out.push_back(M);
  out.push_back(N);
  Tensor y(DataType::f32, out);
  const int64_t nb = shape_numel(batch);
  // Batch offsets via broadcasting index arithmetic.
  auto offset = [&](const Shape& s, int64_t flat) {
    int64_t off = 0, stride = 1;
    for (size_t k = 0; k < batch.size(); ++k) {
      const size_t d = batch.size() - 1 - k;
      const int64_t i = flat % batch[d];
      flat /= batch[d];
      if (k < s.size()) {
        const int64_t sd = s[s.size() - 1 - k];
        off += (sd == 1 ? 0 : i) * stride;
        stride *= sd;
      }
    }
    return off;
  };
  const float* ad = a.data<float>();
  const float* bd = b.data<float>();
  float* yd = y.data<float>();
  for (int64_t t = 0; t < nb; ++t) {
    const float* ap = ad + offset(ba, t) * M * K;
    const float* bp = bd + offset(bb, t) * K * N;
    float* yp = yd + t * M * N;
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k) acc += static_cast<double>(ap[m * K + k]) * bp[k * N + n];
        yp[m * N + n] = static_cast<float>(acc);
      }
  }
  Shape final_shape = batch;
  if (a_in.rank() != 1) final_shape.push_back(M);
  if (b_in.rank() != 1) final_shape.push_back(N);
  return y.reshaped(final_shape);
}

}  // namespace qd::runtime::ref
