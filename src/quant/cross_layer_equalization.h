// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization through Weight Equalization and
// Bias Correction", section 4.1; AIMET CLE, PPQ LayerwiseEqualizationPass). For two consecutive layers
//   y = W2 · f(W1 x + b1) + b2
// where f commutes with positive per-channel scaling (f(x / s) = f(x) / s), scaling output channel i of
// the first layer by 1/s_i and input channel i of the second by s_i leaves the fp32 function unchanged.
// With r1_i = max|W1[i, ...]| and r2_i = max|W2[:, i, ...]|, s_i = sqrt(r1_i r2_i) / r2_i makes both ranges
// sqrt(r1_i r2_i): the per-channel ranges of W1 (and W2) move towards each other, which is what per-tensor
// (and, for the input side, per-output-channel) weight grids need.
//
// What may sit between the pair: nothing, ReLU, LeakyReLU, Clip(0, +inf) (fused into the first layer or
// standalone), max / average / global average pooling (they act per channel and are positively
// homogeneous), and Flatten of a [N, C, 1, 1] value. Bounded activations such as ReLU6 = Clip(0, 6) do NOT
// commute (min(x / s, 6) != min(x, 6) / s for s != 1), and data-free CLE cannot prove a channel never
// reaches the bound, so such pairs are skipped and counted (the sound choice; "Data-Free Quantization"
// replaces ReLU6 by ReLU instead, which changes the model). Every value between the pair must have exactly
// one consumer and not be a graph output. Depthwise (and any grouped) convolutions are handled through
// their channel maps, so chains conv -> depthwise -> conv equalize over a few sweeps.
#pragma once
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"

namespace qd::quant {

struct EqualizationPair {
  ir::NodeId first = -1, second = -1;  // Conv -> Conv or Gemm -> Gemm (or Conv -> Flatten -> Gemm)
};

struct EqualizationPairs {
  std::vector<EqualizationPair> pairs;
  int skipped_bounded = 0;  // pairs left alone because a bounded activation (e.g. ReLU6) sits between
};

// The equalizable pairs of `g`, in node order.
EqualizationPairs find_equalization_pairs(const ir::Graph& g);

struct EqualizationResult {
  int pairs = 0;            // pairs equalized
  int skipped_bounded = 0;  // see EqualizationPairs
  int sweeps = 0;           // sweeps over all pairs until every scale was within tolerance of 1
};

// Equalizes every pair of find_equalization_pairs(g), sweeping until max |log s_i| < tolerance or
// max_sweeps. Weights and biases get new constants (the old tensors, possibly shared, are not written).
EqualizationResult equalize_cross_layer(ir::Graph& g, int max_sweeps = 20, float tolerance = 1e-4f);

// max |w| of each output channel of a Conv / Gemm node's weight (Gemm: output features).
std::vector<float> output_channel_ranges(const ir::Node& node, const Tensor& weight);
// max |w| of each input channel of a Conv / Gemm node's weight (grouped convs: over the channel's group).
std::vector<float> input_channel_ranges(const ir::Node& node, const Tensor& weight);

}  // namespace qd::quant
