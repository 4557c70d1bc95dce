// Runs an ONNX model in ONNX Runtime (npm onnxruntime-node through tools/ort/run_model.js) on preprocessed
// inputs: the onnxruntime deploy target's accuracy line, and side-by-side checks against our runtime.
#pragma once
#include <string>
#include <vector>

#include "core/tensor.h"

namespace qd::pipeline {

// The runner script: $QDEPLOY_ORT_RUNNER, else tools/ort/run_model.js of the source tree qdeploy was built
// from.
std::string onnxruntime_runner_path();

// Runs `model` over every image of `x` ([N, C, H, W] f32) with `threads` threads (0 = ORT's default),
// using `scratch_dir` for the input/output files. Returns the first output, N rows back to back. Throws a
// user error naming the model when node or the runner fails (with its message).
std::vector<float> run_onnxruntime(const std::string& model, const Tensor& x, const std::string& scratch_dir,
                                   int threads = 0);

}  // namespace qd::pipeline
