// Reader of ncnn2table calibration tables (.table) into QuantParams for a graph loaded from the same model.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/quant_params.h"

namespace qd::frontend {

// Lines "<layer>_param_0 m0 m1 ..." give weight multipliers (per output channel, per group for grouped
// convolutions), lines "<layer> m" the input activation multiplier; each multiplier m becomes a step 1/m.
// Layers absent from the table stay fp32 (as with ncnn2int8); when `warnings` is given, each such Conv/Gemm
// adds "<path>: layer '<name>' has no scales in the table: it stays fp32". A table with no layer lines at
// all is a user error (an empty or unrelated file would silently give an fp32 "int8" model). weight_bits is 6
// for 3x3 s1 d1 group-1 Convs whose quantized weights fit in [-31, 31], else 8. Throws a user error naming
// file, line and layer for unknown layers, non-positive / non-finite / non-numeric values, wrong scale
// counts, duplicate lines, and a layer that has only one of its two lines.
ir::QuantParams load_ncnn_table(const std::string& path, const ir::Graph& g,
                                std::vector<std::string>* warnings = nullptr);

}  // namespace qd::frontend
