// The per-layer AdaRound optimiser (see adaround.h): Adam on the rounding variables V of one layer.

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"
#include "core/threads.h"
#include "quant/adaround.h"
#include "quant/rounding.h"
#include "runtime/sgemm.h"

namespace qd::quant {
namespace {

constexpr float kZeta = 1.1f, kGamma = -0.1f;  // rectified sigmoid stretch (AdaRound eq. 23)
// Below these sizes one thread is faster: every parallel region is a barrier, and on a busy machine a
// barrier waits for a descheduled thread (measured: a 16x64 layer took 316 s with 2 threads under load
// 13, 0.5 s with 1).
constexpr int64_t kParallelMin = 1 << 15;               // weights per elementwise loop
constexpr int64_t kParallelGemmMin = int64_t{1} << 24;  // multiply-adds per step's matrix product
constexpr float kAdamBeta1 = 0.9f, kAdamBeta2 = 0.999f, kAdamEps = 1e-8f;

struct Shape2 {
  int64_t O, Kg, G, Og, ldx, M;
};

Shape2 check_problem(const RoundingProblem& p) {
  QD_CHECK(p.weight.rank() == 2 && p.inputs.rank() == 2 && p.targets.rank() == 2, "adaround: rank-2 tensors");
  Shape2 s;
  s.O = p.weight.dim(0);
  s.Kg = p.weight.dim(1);
  s.G = p.groups;
  QD_CHECK(s.G >= 1 && s.O % s.G == 0, "adaround: groups must divide the output channels");
  s.Og = s.O / s.G;
  s.ldx = s.G * s.Kg;
  s.M = p.inputs.dim(0);
  QD_CHECK(p.inputs.dim(1) == s.ldx, "adaround: input width must be groups * Kg");
  QD_CHECK(p.targets.dim(0) == s.M && p.targets.dim(1) == s.O, "adaround: targets must be [M, O]");
  QD_CHECK(static_cast<int64_t>(p.steps.size()) == s.O, "adaround: one step per output channel");
  QD_CHECK(s.M > 0, "adaround: no samples");
  return s;
}

// y[rows, O] = x[rows, ldx] W^T per group, W [O, Kg].
void layer_forward(const Shape2& s, int64_t rows, const float* x, const float* w, float* y) {
  for (int64_t g = 0; g < s.G; ++g)
    runtime::sgemm_row_major('N', 'T', rows, s.Og, s.Kg, 1.f, x + g * s.Kg, s.ldx, w + g * s.Og * s.Kg, s.Kg,
                             0.f, y + g * s.Og, s.O);
}

}  // namespace

Tensor layer_outputs(const Tensor& weight, int groups, const Tensor& inputs) {
  QD_CHECK(weight.rank() == 2 && inputs.rank() == 2, "layer_outputs: rank-2 tensors");
  Shape2 s;
  s.O = weight.dim(0);
  s.Kg = weight.dim(1);
  s.G = groups;
  QD_CHECK(s.G >= 1 && s.O % s.G == 0 && inputs.dim(1) == s.G * s.Kg, "layer_outputs: shape mismatch");
  s.Og = s.O / s.G;
  s.ldx = s.G * s.Kg;
  s.M = inputs.dim(0);
  Tensor y(DataType::f32, {s.M, s.O});
  if (s.M > 0) layer_forward(s, s.M, inputs.data<float>(), weight.data<float>(), y.data<float>());
  return y;
}

Tensor round_to_nearest(const RoundingProblem& p) {
  const Shape2 s = check_problem(p);
  const int qmax = qmax_for_bits(p.bits);
  Tensor q(DataType::i8, {s.O, s.Kg});
  const float* w = p.weight.data<float>();
  int8_t* dst = q.data<int8_t>();
  for (int64_t o = 0; o < s.O; ++o)
    for (int64_t k = 0; k < s.Kg; ++k)
      dst[o * s.Kg + k] = static_cast<int8_t>(round_clamp_symmetric(w[o * s.Kg + k] / p.steps[o], qmax));
  return q;
}

double reconstruction_mse(const RoundingProblem& p, const Tensor& q) {
  const Shape2 s = check_problem(p);
  std::vector<float> wq(static_cast<size_t>(s.O * s.Kg));
  const int8_t* pq = q.data<int8_t>();
  for (int64_t o = 0; o < s.O; ++o)
    for (int64_t k = 0; k < s.Kg; ++k) wq[o * s.Kg + k] = p.steps[o] * pq[o * s.Kg + k];
  std::vector<float> y(static_cast<size_t>(s.M * s.O));
  layer_forward(s, s.M, p.inputs.data<float>(), wq.data(), y.data());
  const float* t = p.targets.data<float>();
  double acc = 0;
  for (int64_t i = 0; i < s.M * s.O; ++i) acc += double(y[i] - t[i]) * double(y[i] - t[i]);
  return acc / static_cast<double>(s.M);
}

Tensor learn_rounding(const RoundingProblem& p, const AdaRoundOptions& opt) {
  const Shape2 s = check_problem(p);
  const int qmax = qmax_for_bits(p.bits);
  const int64_t n = s.O * s.Kg;
  const int64_t B = std::min(std::max<int64_t>(1, opt.batch_size), s.M);
  const int threads = n * B >= kParallelGemmMin ? resolve_threads(opt.threads) : 1;
  const ThreadCountScope omp_threads(threads);  // the matrix products read OpenMP's count
  const float* w = p.weight.data<float>();
  const float* X = p.inputs.data<float>();
  const float* Y = p.targets.data<float>();

  // V initialised so that h(V) equals the fractional part: W~ starts at W (up to clamping).
  std::vector<float> floor_w(n), V(n), m(n, 0.f), v(n, 0.f), wt(n), grad(n);
  std::vector<float> step_of(n);
  for (int64_t o = 0; o < s.O; ++o)
    for (int64_t k = 0; k < s.Kg; ++k) {
      const int64_t i = o * s.Kg + k;
      const float x = w[i] / p.steps[o];
      floor_w[i] = std::floor(x);
      const float rest = std::clamp(x - floor_w[i], 0.f, 1.f);
      V[i] = -std::log((kZeta - kGamma) / (rest - kGamma) - 1.f);
      step_of[i] = p.steps[o];
    }
  if (opt.iterations <= 0) {
    Tensor q(DataType::i8, {s.O, s.Kg});
    for (int64_t i = 0; i < n; ++i)
      q.data<int8_t>()[i] =
          static_cast<int8_t>(std::clamp(floor_w[i] + (V[i] >= 0.f ? 1.f : 0.f), float(-qmax), float(qmax)));
    return q;
  }

  std::vector<float> xb(static_cast<size_t>(B * s.ldx)), yb(static_cast<size_t>(B * s.O)),
      err(static_cast<size_t>(B * s.O));
  std::vector<int64_t> order(static_cast<size_t>(s.M));
  for (int64_t i = 0; i < s.M; ++i) order[i] = i;
  std::mt19937 rng(opt.seed);
  int64_t cursor = s.M;  // epochs over a shuffled order: every sample is used equally often
  const int warmup_iters = static_cast<int>(opt.warmup * opt.iterations);
  const float lo = static_cast<float>(-qmax), hi = static_cast<float>(qmax);
  float b1t = 1.f, b2t = 1.f;

  for (int it = 0; it < opt.iterations; ++it) {
    for (int64_t r = 0; r < B; ++r) {
      if (cursor == s.M) {
        std::shuffle(order.begin(), order.end(), rng);
        cursor = 0;
      }
      const int64_t src = order[cursor++];
      std::copy_n(X + src * s.ldx, s.ldx, xb.data() + r * s.ldx);
      std::copy_n(Y + src * s.O, s.O, yb.data() + r * s.O);
    }
    // W~ = s * clamp(floor + h(V)); gradient does not flow through the clamp.
#pragma omp parallel for simd num_threads(threads) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) {
      const float sig = 1.f / (1.f + std::exp(-V[i]));
      const float h = std::clamp(sig * (kZeta - kGamma) + kGamma, 0.f, 1.f);
      wt[i] = step_of[i] * std::clamp(floor_w[i] + h, lo, hi);
    }
    layer_forward(s, B, xb.data(), wt.data(), err.data());
    for (int64_t i = 0; i < B * s.O; ++i) err[i] -= yb[i];
    // d/dW~ of mean_b ||e_b||^2 = (2 / B) E^T X, per group.
    for (int64_t g = 0; g < s.G; ++g)
      runtime::sgemm_row_major('T', 'N', s.Og, s.Kg, B, 2.f / static_cast<float>(B), err.data() + g * s.Og,
                               s.O, xb.data() + g * s.Kg, s.ldx, 0.f, grad.data() + g * s.Og * s.Kg, s.Kg);

    const bool regularise = it >= warmup_iters;
    const float rel = regularise ? static_cast<float>(it - warmup_iters) /
                                       static_cast<float>(std::max(1, opt.iterations - warmup_iters))
                                 : 0.f;
    const float beta = opt.beta_end + (opt.beta_start - opt.beta_end) * std::max(0.f, 1.f - rel);
    const float lambda = opt.reg_weight;
    b1t *= kAdamBeta1;
    b2t *= kAdamBeta2;
    const float lr_t = opt.learning_rate * std::sqrt(1.f - b2t) / (1.f - b1t);
#pragma omp parallel for simd num_threads(threads) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) {
      const float sig = 1.f / (1.f + std::exp(-V[i]));
      const float raw = sig * (kZeta - kGamma) + kGamma;
      float gv = 0.f;  // h saturated (raw outside (0, 1)): no gradient, Adam's moments still move V
      if (raw > 0.f && raw < 1.f) {
        const float xq = floor_w[i] + raw;
        float gh = (xq > lo && xq < hi) ? grad[i] * step_of[i] : 0.f;
        if (regularise) {  // d/dh lambda (1 - |2h - 1|^beta) = -2 lambda beta |2h - 1|^(beta - 1) sign(2h -
                           // 1)
          const float d = 2.f * raw - 1.f, a = std::fabs(d);
          if (a > 0.f) gh += -2.f * lambda * beta * std::pow(a, beta - 1.f) * (d > 0.f ? 1.f : -1.f);
        }
        gv = gh * sig * (1.f - sig) * (kZeta - kGamma);
      }
      m[i] = kAdamBeta1 * m[i] + (1.f - kAdamBeta1) * gv;
      v[i] = kAdamBeta2 * v[i] + (1.f - kAdamBeta2) * gv * gv;
      V[i] -= lr_t * m[i] / (std::sqrt(v[i]) + kAdamEps);
    }
  }

  Tensor q(DataType::i8, {s.O, s.Kg});
  int8_t* dst = q.data<int8_t>();
  for (int64_t i = 0; i < n; ++i)  // hard rounding: h >= 0.5 <=> V >= 0
    dst[i] = static_cast<int8_t>(std::clamp(floor_w[i] + (V[i] >= 0.f ? 1.f : 0.f), lo, hi));
  return q;
}

}  // namespace qd::quant
