// Groups IR nodes into execution units for the oneDNN backend: a Conv absorbs a following
// BatchNormalization, activations, one residual Add (sum post-op) and activations after it; a Gemm
// absorbs following activations; a standalone BatchNormalization a Relu; a channel Concat read only by a
// BatchNormalization + Relu both, a Concat of two equal halves read only by a ShuffleChannel(group 2) that.
// Pure IR analysis, no oneDNN.
#pragma once
#include <vector>

#include "ir/graph.h"

namespace qd::runtime::onednn {

struct FusedGroup {
  ir::NodeId anchor = -1;                     // the Conv / Gemm / other node
  ir::NodeId batchnorm = -1;                  // folded into the conv weights; or run by the Concat anchor
  ir::NodeId shuffle = -1;                    // a ShuffleChannel run by the Concat anchor
  std::vector<ir::FusedActivation> pre_sum;   // activations before the residual add (incl. the conv's own)
  ir::ValueId residual = ir::kNoValue;        // other operand of the fused Add
  std::vector<ir::FusedActivation> post_sum;  // activations after the residual add
  ir::ValueId output = ir::kNoValue;          // value the group materialises (last absorbed node's output)
  ir::NodeId last = -1;                       // last absorbed node: the group runs at its position
  std::vector<ir::NodeId> members;            // anchor and every absorbed node
};

// The activations a Conv/Gemm group takes as oneDNN post-ops: the IR's activations (which ncnn files can
// also fuse) and Gelu (ConvNeXt's pwconv1 -> GELU; oneDNN's gelu_erf, as the standalone GELU step).
bool group_activation(ir::OpKind op);

// The activation a standalone activation node computes, as a FusedActivation.
ir::FusedActivation standalone_activation(const ir::Node& n);

// The oneDNN eltwise algorithms an activation's post-ops use, one bit each (relu, clip, linear, logistic,
// hardswish). oneDNN 2.6's AVX2 kernels give every post-op of one algorithm the FIRST one's alpha/beta, so a
// chain may use each algorithm once: fuse_groups stops before an activation whose bits are already taken.
unsigned eltwise_algorithm_bits(const ir::FusedActivation& act);
// The linear post-op of an int8 requantization (see build_conv_gemm).
constexpr unsigned kRequantEltwiseBits = 1u << 2;

// Groups in execution order (ordered by `last`); every node belongs to exactly one group.
// `fusable[node]` false keeps a Conv/Gemm from absorbing anything (e.g. layers run in int8).
// `sum_ok[node]` false keeps a Conv from absorbing a residual Add; `bn_ok[node]` a BatchNormalization;
// `gelu_ok[node]` a Gelu.
std::vector<FusedGroup> fuse_groups(const ir::Graph& g, const std::vector<bool>& fusable,
                                    const std::vector<bool>& sum_ok, const std::vector<bool>& bn_ok,
                                    const std::vector<bool>& gelu_ok);

}  // namespace qd::runtime::onednn
