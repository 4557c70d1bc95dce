// Which values are >= 0 by construction. The int8 runtime quantizes such values to u8 (exact on AVX2,
// where oneDNN halves s8-source weights) and the quantization analyses must make the same choice, so both
// ask this one function.
#pragma once
#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace qd::ir {

// True when value v is >= 0 by construction: the output of Relu, Sigmoid, HardSigmoid, Softmax, Clip with
// min >= 0, or a Conv/Gemm with such a fused activation; or pooling, reshaping, transposing or padding
// (with a pad value >= 0) of such a value; or Add, Mul, Concat of only such values. Graph inputs and
// constants: false. `memo` (num_values() entries, -1 = unknown) caches answers across calls.
bool non_negative_by_construction(const Graph& g, ValueId v, std::vector<int8_t>* memo = nullptr);

}  // namespace qd::ir
