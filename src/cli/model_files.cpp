#include "cli/model_files.h"

#include <filesystem>

#include "core/error.h"
#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/onnx/onnx_importer.h"

namespace qd::cli {

namespace fs = std::filesystem;

ir::Model load_model_files(const std::vector<std::string>& files, const Shape& input_shape) {
  if (files.empty() || files.size() > 2) fail("", "--model takes model.onnx, or model.param [model.bin]");
  fs::path first(files[0]);
  if (!fs::exists(first)) fail(files[0], "no such file");
  if (first.extension() == ".onnx") return frontend::import_onnx(files[0]);
  if (first.extension() == ".param") {
    std::string bin = files.size() > 1 ? files[1] : fs::path(first).replace_extension(".bin").string();
    if (!fs::exists(bin)) fail(bin, "no such file (the .bin that goes with " + files[0] + ")");
    return frontend::load_ncnn(files[0], bin, input_shape);
  }
  fail(files[0], "unknown model format (expected .onnx or .param)");
}

}  // namespace qd::cli
