// Reader of ncnn models (.param + .bin) into the qdeploy IR.
#pragma once
#include <string>

#include "core/shape.h"
#include "ir/model.h"

namespace qd::frontend {
// Loads an ncnn model like import_onnx loads an ONNX one: translated, shapes inferred, and
// passes::run_import_pipeline applied (both importers return the same kind of graph). `input_shape`
// (NCHW; its batch is ignored) sizes the input when the file's Input layer leaves it open.
ir::Model load_ncnn(const std::string& param_path, const std::string& bin_path,
                    const Shape& input_shape = {});

// The graph exactly as the files describe it (for the reader's and writer's own tests). Node names are
// ncnn layer names, value names are blob names (Split layers are dropped: their outputs become further
// reads of the split input). The graph input is NCHW with a symbolic batch (ncnn blob shapes are per
// image); when the Input layer gives the per-image size, all value shapes are inferred, else only the
// input channels are known (taken from the first Conv). int8 layers (int8_scale_term) get fp32 weights
// w = q * step and an entry in Model::quant. Throws qd::Error: user errors name the file (and line),
// unsupported layer types / params name the layer.
ir::Model load_ncnn_unoptimized(const std::string& param_path, const std::string& bin_path);
}  // namespace qd::frontend
