#include "runtime/ref/int8.h"

#include <algorithm>
#include <cmath>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "runtime/ref/conv_loop.h"
#include "runtime/ref/kernels.h"
#include "runtime/ref/quantize_simd.h"

namespace qd::runtime::ref {

double channel_step(const std::vector<double>& steps, int64_t oc) {
  QD_CHECK(!steps.empty(), "quantization: no weight steps");
  return steps.size() == 1 ? steps[0] : steps.at(oc);
}

float dequant_scale(const ir::LayerQuant& q, int64_t oc, float alpha) {
  if (q.dequant_reciprocal_estimate) return reciprocal_estimate_dequant_scale(q, oc) * alpha;
  return static_cast<float>(static_cast<double>(alpha) * q.input_scale * channel_step(q.weight_scales, oc));
}

float reciprocal_estimate_dequant_scale(const ir::LayerQuant& q, int64_t oc) {
  // ncnn's float multipliers (m = 1/step round-trips exactly, ir/quant_params.h), their float product, and
  // the CPU's estimate of its reciprocal: computed here at run time, never folded by the compiler, so it is
  // the estimate of the CPU that ncnn runs on too. A zero weight multiplier dequantizes to 0, as in ncnn.
  const double ws = channel_step(q.weight_scales, oc);
  if (!(ws > 0.0)) return 0.f;
  const float m = static_cast<float>(1.0 / q.input_scale) * static_cast<float>(1.0 / ws);
#if defined(__SSE__) || defined(__x86_64__)
  return _mm_cvtss_f32(_mm_rcp_ps(_mm_set1_ps(m)));
#else
  return 1.f / m;  // no estimate instruction: ncnn's non-x86 kernels divide exactly
#endif
}

namespace {

int weight_qmax(int bits) {
  if (bits < 2 || bits > 8) fail("", "unsupported weight bit width " + std::to_string(bits));
  return (1 << (bits - 1)) - 1;
}

void check_step(float s, const char* what) {
  if (!(s > 0.f) || !std::isfinite(s))
    fail("", std::string("invalid ") + what + " step " + std::to_string(s));
}

}  // namespace

Tensor quantize(const Tensor& x, float step, int qmax) {
  check_step(step, "activation");
  Tensor q(DataType::i8, x.shape());
  const float* xd = x.data<float>();
  quantize_span(xd, q.data<int8_t>(), x.numel(), step, qmax);
  return q;
}

Tensor quantize_weights(const Tensor& w, const std::vector<double>& steps, int bits) {
  const int qmax = weight_qmax(bits);
  const int64_t O = w.dim(0), per = w.numel() / O;
  if (steps.size() != 1 && static_cast<int64_t>(steps.size()) != O)
    fail("", "expected " + std::to_string(O) + " weight steps, got " + std::to_string(steps.size()));
  Tensor q(DataType::i8, w.shape());
  const float* wd = w.data<float>();
  int8_t* qd = q.data<int8_t>();
  for (int64_t o = 0; o < O; ++o) {
    const float s = static_cast<float>(channel_step(steps, o));
    if (s == 0.f) continue;  // an all-zero channel (calibrators give step 0): q = 0
    check_step(s, "weight");
    quantize_span(wd + o * per, qd + o * per, per, s, qmax);
  }
  return q;
}

Tensor stored_int8_weights(const Tensor& w, const std::vector<double>& steps, int bits) {
  const Int8Rows* rows = w.int8_rows();
  if (!rows || w.rank() == 0 || rows->q.numel() != w.numel() || rows->q.rank() == 0 ||
      rows->q.dim(0) != w.dim(0) || rows->max_abs_q > weight_qmax(bits))
    return {};
  const int64_t O = w.dim(0), per = w.numel() / O;
  if (steps.size() != 1 && static_cast<int64_t>(steps.size()) != O) return {};
  const int8_t* q = rows->q.data<int8_t>();
  for (int64_t o = 0; o < O; ++o) {
    // quantize_weights divides q * step by the same float step: |q| <= 127 comes back exactly.
    const float s = static_cast<float>(channel_step(steps, o));
    if (s == rows->step(o) && s > 0.f && std::isfinite(s)) continue;
    if (s != 0.f) return {};
    for (int64_t i = 0; i < per; ++i)  // step 0 quantizes the channel to 0: equal only if q is 0 there
      if (q[o * per + i] != 0) return {};
  }
  return rows->q.reshaped(w.shape());
}

Tensor int8_weights(const Tensor& w, const std::vector<double>& steps, int bits) {
  Tensor stored = stored_int8_weights(w, steps, bits);
  return stored.empty() ? quantize_weights(w, steps, bits) : stored;
}

Tensor conv2d_int32(const Tensor& qx, const Tensor& qw, const ir::ConvAttrs& a) {
  const ConvGeometry s = conv_geometry(qx, qw, a);
  Tensor acc(DataType::i32, {s.N, s.O, s.OH, s.OW});
  int32_t* ad = acc.data<int32_t>();
  conv_loop<int32_t>(
      s, a, qx.data<int8_t>(), qw.data<int8_t>(), [](int64_t) { return int32_t{0}; },
      [&](int64_t i, int64_t, int32_t v) { ad[i] = v; });
  return acc;
}

Tensor conv2d_int8(const Tensor& x, const Tensor& w, const Tensor& bias, const ir::ConvAttrs& a,
                   const ir::LayerQuant& q) {
  const Tensor acc = conv2d_int32(quantize(x, static_cast<float>(q.input_scale)),
                                  quantize_weights(w, q.weight_scales, q.weight_bits), a);
  const int64_t N = acc.dim(0), O = acc.dim(1), HW = acc.dim(2) * acc.dim(3);
  Tensor y(DataType::f32, acc.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      const float scale = dequant_scale(q, o);
      const float b = bias.empty() ? 0.f : bias.data<float>()[o];
      for (int64_t i = 0; i < HW; ++i) {
        const int64_t k = (n * O + o) * HW + i;
        float v = static_cast<float>(acc.data<int32_t>()[k]) * scale + b;
        if (a.activation) v = activate(v, *a.activation);
        y.data<float>()[k] = v;
      }
    }
  return y;
}

Tensor gemm_int8(const Tensor& a, const Tensor& b, const Tensor& c, const ir::GemmAttrs& attrs,
                 const ir::LayerQuant& q) {
  // Quantize B per output column n: view it as [N, K] rows.
  const Tensor bt = attrs.trans_b ? b : transpose(b, {1, 0});
  const Tensor qb = quantize_weights(bt, q.weight_scales, q.weight_bits);  // [N, K]
  const Tensor qa =
      quantize(attrs.trans_a ? transpose(a, {1, 0}) : a, static_cast<float>(q.input_scale));  // [M, K]
  const int64_t M = qa.dim(0), K = qa.dim(1), N = qb.dim(0);
  QD_CHECK(qb.dim(1) == K, "gemm_int8: inner dimensions differ");
  Tensor cb;
  if (!c.empty()) cb = binary(ir::OpKind::Add, Tensor(DataType::f32, {M, N}), c);
  Tensor y(DataType::f32, {M, N});
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      int32_t s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += static_cast<int32_t>(qa.data<int8_t>()[m * K + k]) * qb.data<int8_t>()[n * K + k];
      float v = static_cast<float>(s) * dequant_scale(q, n, attrs.alpha);
      if (!cb.empty()) v += attrs.beta * cb.data<float>()[m * N + n];
      if (attrs.activation) v = activate(v, *attrs.activation);
      y.data<float>()[m * N + n] = v;
    }
  return y;
}

Tensor fake_quantize(const Tensor& x, float step, int qmax) {
  check_step(step, "activation");
  Tensor y(DataType::f32, x.shape());
  for (int64_t i = 0; i < x.numel(); ++i)
    y.data<float>()[i] = static_cast<float>(quantize_value(x.data<float>()[i], step, qmax)) * step;
  return y;
}

Tensor fake_quantize_weights(const Tensor& w, const std::vector<double>& steps, int bits, int axis) {
  if (axis == 1) return transpose(fake_quantize_weights(transpose(w, {1, 0}), steps, bits, 0), {1, 0});
  const Tensor q = quantize_weights(w, steps, bits);
  const int64_t O = w.dim(0), per = w.numel() / O;
  Tensor y(DataType::f32, w.shape());
  for (int64_t o = 0; o < O; ++o) {
    const float s = static_cast<float>(channel_step(steps, o));
    for (int64_t i = 0; i < per; ++i)
      y.data<float>()[o * per + i] = static_cast<float>(q.data<int8_t>()[o * per + i]) * s;
  }
  return y;
}

}  // namespace qd::runtime::ref
