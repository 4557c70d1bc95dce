// Adaptive rounding of weights (Nagel et al. 2020, "Up or Down? Adaptive Rounding for Post-Training
// Quantization"; BRECQ's layer reconstruction, AIMET AdaRound, PPQ AdaroundPass). Round-to-nearest
// minimises each weight's own error, not the layer's output error. AdaRound learns, per weight, whether to
// round down or up on the EXISTING per-channel grid (steps and bits stay as calibrated):
//   W~ = s * clamp(floor(W / s) + h(V), -qmax, qmax),  h(V) = clamp(sigmoid(V) (zeta - gamma) + gamma, 0, 1)
// minimising   mean_x || W x - W~ x ||^2  +  lambda * sum (1 - |2 h(V) - 1|^beta)
// over sampled output positions x (im2col patches of the layer input on calibration images), with Adam on V
// and beta annealed from beta_start to beta_end after a warm-up without the regulariser, so h ends at 0 or
// 1. The result is written back as fp32 weights W' = s * q that lie exactly on the grid: the usual weight
// quantization round(W' / s) reproduces q, so every exporter and the runtime use the learned rounding
// without knowing about it.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ir/model.h"
#include "quant/calibrate.h"

namespace qd::quant {

struct AdaRoundOptions {
  size_t images = 256;            // calibration images whose layer inputs are sampled
  int64_t max_samples = 4096;     // output positions per layer (spread evenly over the images)
  size_t max_bytes = 256u << 20;  // cap on one layer's stored input patches (fewer samples for wide layers)
  int iterations = 1000;          // Adam steps per layer
  int64_t batch_size = 256;       // output positions per step
  float learning_rate = 1e-2f;    // Adam on V
  float reg_weight = 0.1f;        // lambda (BRECQ uses 0.01 with 20k steps; 0.1 converges in ~1k)
  float beta_start = 20.f, beta_end = 2.f;
  float warmup = 0.2f;  // fraction of the steps without the rounding regulariser
  // true: a layer's input comes from the model whose earlier layers are already rounded (fp32 activations),
  // the target from the original fp32 model ("asymmetric reconstruction", AdaRound section 4.3); false: both
  // from the original model.
  bool rounded_inputs = true;
  uint32_t seed = 1;
  int threads = 0;                                   // 0 = all cores
  std::function<void(const std::string& line)> log;  // one line per layer when set
};

// One layer's rounding problem: y = x W^T per group, W [O, Kg] row major (group g owns rows g*O/G ..
// (g+1)*O/G - 1 and reads columns g*Kg .. (g+1)*Kg - 1 of x).
struct RoundingProblem {
  Tensor weight;             // f32 [O, Kg]
  std::vector<float> steps;  // per row (output channel), > 0
  int bits = 8;
  int groups = 1;
  Tensor inputs;   // f32 [M, groups * Kg], the samples the rounding is learned on
  Tensor targets;  // f32 [M, O], the fp32 outputs to reproduce (usually fp32 inputs times weight^T)
};

// Learned grid integers q (i8 [O, Kg], |q| <= qmax(bits)) for `problem`. Deterministic for a fixed seed.
Tensor learn_rounding(const RoundingProblem& problem, const AdaRoundOptions& options);

// y = x W^T per group (f32 [M, O]) for x [M, groups * Kg] and W [O, Kg]: the layer's output without bias.
Tensor layer_outputs(const Tensor& weight, int groups, const Tensor& inputs);

// Round-to-nearest grid integers for the same problem (quantize_weights on the rows).
Tensor round_to_nearest(const RoundingProblem& problem);

// mean over samples of sum over outputs of (x Wq^T - target)^2 with Wq = step * q.
double reconstruction_mse(const RoundingProblem& problem, const Tensor& q);

struct AdaRoundLayerReport {
  std::string node;
  int64_t samples = 0;
  double mse_nearest = 0, mse_adaround = 0;  // on the layer's own samples
};

// Rounds the weights of every quantized Conv / Gemm of `model` (model.quant gives steps and bits) in graph
// order, learning on the first options.images images of `source`. Weights get new constants (shared
// tensors are not written); model.quant is unchanged. Returns one report per layer. Throws a user error for
// an empty source or a model without exactly one input.
std::vector<AdaRoundLayerReport> adaround(ir::Model& model, BatchSource& source, const CalibOptions& calib,
                                          const AdaRoundOptions& options);

}  // namespace qd::quant
