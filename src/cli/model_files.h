// Loading any model the CLI accepts: model.onnx, or model.param [model.bin] (fp32 or int8 ncnn files).
#pragma once
#include <string>
#include <vector>

#include "ir/model.h"

namespace qd::cli {

// files: {"x.onnx"} or {"x.param"} or {"x.param", "x.bin"} (the .bin defaults to the .param's name).
// input_shape (from the model config) fills in an input size the file does not record (ncnn Input
// layers written without w/h/c).
ir::Model load_model_files(const std::vector<std::string>& files, const Shape& input_shape = {});

}  // namespace qd::cli
