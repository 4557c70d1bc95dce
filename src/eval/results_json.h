// Evaluation results as JSON: a summary object plus one entry per image, written atomically.
//   {"summary": {...}, "predictions": [{"path": ..., "label": 3, "label_name": "cat", "predicted": 3,
//     "correct": true, "top": [{"class": 3, "name": "cat", "score": 0.91}, ...]}, ...]}
// Keys are sorted (nlohmann::json objects), so equal results give byte-identical files.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/accuracy.h"
#include "eval/latency.h"

namespace qd {

struct ImagePrediction {
  std::string path;
  int label = -1;                 // -1 = unlabelled
  std::vector<int> top_classes;   // best first
  std::vector<float> top_scores;  // same length as top_classes
};

// {"images", "top1", "top1_correct", "topk", "topk_correct", "k", "per_class_top1": {name: fraction}}
nlohmann::json accuracy_summary(const TopKAccumulator& acc, const std::vector<std::string>& class_names);
// {"runs", "mean_ms", "median_ms", "p90_ms", "min_ms", "max_ms", "images_per_second"}
nlohmann::json latency_summary(const LatencyStats& stats, int batch = 1);

// One prediction as JSON; class names are added when known (index within class_names).
nlohmann::json prediction_to_json(const ImagePrediction& p, const std::vector<std::string>& class_names);

// Writes {"summary": summary, "predictions": [...]} to `path` atomically (2-space indent); throws on failure.
void write_results_json(const std::string& path, const nlohmann::json& summary,
                        const std::vector<ImagePrediction>& predictions,
                        const std::vector<std::string>& class_names);

}  // namespace qd
