// Writer of ncnn2table-format calibration tables.
#pragma once
#include <string>

#include "ir/graph.h"
#include "ir/quant_params.h"

namespace qd::exporters {

// Writes all weight lines "<layer>_param_0 m0 m1 ... " first, then all activation lines "<layer> m ",
// in graph node order, each multiplier m = 1/step printed "%f " as ncnn2table does. Grouped Convs
// (ncnn ConvolutionDepthWise) get one multiplier per group (the group's largest step). Atomic write.
// Throws unsupported for entries naming nodes that are not Conv/Gemm of `g`.
void save_ncnn_table(const ir::QuantParams& q, const ir::Graph& g, const std::string& path);

// The table text itself.
std::string ncnn_table_text(const ir::QuantParams& q, const ir::Graph& g);

}  // namespace qd::exporters
