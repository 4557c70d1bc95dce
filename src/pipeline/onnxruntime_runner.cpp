#include "pipeline/onnxruntime_runner.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/atomic_file.h"
#include "core/error.h"

#ifndef QDEPLOY_SOURCE_DIR
#define QDEPLOY_SOURCE_DIR "."
#endif

namespace qd::pipeline {

namespace fs = std::filesystem;

std::string onnxruntime_runner_path() {
  if (const char* p = std::getenv("QDEPLOY_ORT_RUNNER"); p && *p) return p;
  return std::string(QDEPLOY_SOURCE_DIR) + "/tools/ort/run_model.js";
}

namespace {

// Single-quoted for /bin/sh.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::vector<float> run_onnxruntime(const std::string& model, const Tensor& x, const std::string& scratch_dir,
                                   int threads) {
  const std::string runner = onnxruntime_runner_path();
  if (!fs::exists(runner))
    fail(model, "ONNX Runtime runner " + runner + " not found (set QDEPLOY_ORT_RUNNER)");
  const std::string in = (fs::path(scratch_dir) / "ort_inputs.f32").string();
  const std::string out = (fs::path(scratch_dir) / "ort_outputs.f32").string();
  const Tensor f32 = x.to_f32();
  write_file_atomic(in, std::string_view(static_cast<const char*>(f32.raw()), f32.nbytes()));
  fs::remove(out);
  std::string cmd = "node " + quoted(runner) + " " + quoted(model) + " " + quoted(in) + " " + quoted(out);
  if (threads > 0) cmd += " --threads " + std::to_string(threads);
  cmd += " 2>&1";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) fail(model, "cannot start node for ONNX Runtime");
  std::string log;
  std::array<char, 4096> buf;
  while (size_t k = std::fread(buf.data(), 1, buf.size(), p)) log.append(buf.data(), k);
  const int status = ::pclose(p);
  fs::remove(in);
  if (status != 0) {
    while (!log.empty() && (log.back() == '\n' || log.back() == '\r')) log.pop_back();
    const size_t nl = log.rfind('\n');
    fail(model, "ONNX Runtime run failed: " + (nl == std::string::npos ? log : log.substr(nl + 1)));
  }
  std::ifstream f(out, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  fs::remove(out);
  std::vector<float> r(bytes.size() / sizeof(float));
  std::memcpy(r.data(), bytes.data(), r.size() * sizeof(float));
  if (r.empty() || x.dim(0) == 0 || r.size() % static_cast<size_t>(x.dim(0)) != 0)
    fail(model, "ONNX Runtime returned " + std::to_string(r.size()) + " values for " +
                    std::to_string(x.dim(0)) + " images");
  return r;
}

}  // namespace qd::pipeline
