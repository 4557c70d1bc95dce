// Reader of ncnn models (.param + .bin) into the qdeploy IR.
#pragma once
#include <string>

#include "ir/model.h"

namespace qd::frontend {
// Loads an ncnn model. Node names are ncnn layer names, value names are blob names (Split layers are
// dropped: their outputs become further reads of the split input). The graph input is NCHW with a
// symbolic batch (ncnn blob shapes are per image); when the Input layer gives the per-image size, all
// value shapes are inferred, else only the input channels are known (taken from the first Conv).
// No passes run (call passes::run_import_pipeline to fold/fuse an unoptimized file). int8 layers
// (int8_scale_term) get fp32 weights w = q * step and an entry in Model::quant. Throws qd::Error: user errors
// name the file (and line), unsupported layer types / params name the layer.
ir::Model load_ncnn(const std::string& param_path, const std::string& bin_path);
}  // namespace qd::frontend
