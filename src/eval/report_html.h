// deploy's report.html: one self-contained page (inline CSS, inline SVG figures, PNGs as base64 data: URLs,
// no scripts, no network fetches) built from the record deploy writes to deploy.json.
//
// Read from `deploy` (deploy.json): "stages": [{"stage", "seconds", "inputs"/"outputs": [{"path", "bytes"}],
// ...}], "test_image": {"path", "fp32_top5", "int8_top5"}. Optional, drawn when present and said to be "not
// measured in this run" (with how to get it) otherwise:
//   "accuracy": {"fp32"|"int8": {"top1", "topk", "top1_correct", "images"}} (eval accuracy_summary),
//   "test_dataset": {"path", "images", "skipped", "requested", "batch"}, "agreement": {"images", "top1_same",
//   "fraction", "max_abs_score_diff"};
//   "speed": {"batch", "threads", "warmup", "runs", "input", "fp32"|"int8": {"median_ms", "p90_ms",
//   "min_ms"} (eval latency_summary), "int8_over_fp32"};
//   "layer_snr": [{"layer", "op", "snr_db" (graph-wise), "layer_wise_snr_db"}] in graph order, an SNR of
//   null meaning no error; "snr_analysis": {"images", "source", "seconds"};
//   "confusion": {"fp32"|"int8": [[count, ...], ...]} (rows = true class, columns = predicted class).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace qd {

struct DeployReportInputs {
  nlohmann::json deploy;             // deploy.json's content
  std::string title;                 // e.g. the model name
  std::vector<std::string> classes;  // class names by index (may be empty)
  std::vector<float> fp32_scores;    // the test image's full output vectors (empty = not run)
  std::vector<float> int8_scores;
  std::string fp32_png, int8_png;  // result images to embed ("" or missing file = not shown)
};

// The page as text. Deterministic for equal inputs; reads only the two PNG files.
std::string render_deploy_report(const DeployReportInputs& in);

// Writes render_deploy_report(in) to `path` atomically.
void write_deploy_report(const DeployReportInputs& in, const std::string& path);

// Standard base64 (RFC 4648, with '=' padding); used for the embedded PNGs.
std::string base64_encode(const std::string& bytes);

// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(const std::string& text);

}  // namespace qd
