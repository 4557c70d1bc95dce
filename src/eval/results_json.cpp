#include "eval/results_json.h"

#include "core/atomic_file.h"
#include "core/error.h"

namespace qd {
namespace {

std::string class_name_or_empty(const std::vector<std::string>& names, int c) {
  return c >= 0 && c < static_cast<int>(names.size()) ? names[c] : std::string();
}

}  // namespace

nlohmann::json accuracy_summary(const TopKAccumulator& acc, const std::vector<std::string>& class_names) {
  nlohmann::json j;
  j["images"] = acc.total();
  j["top1"] = acc.top1();
  j["top1_correct"] = acc.top1_correct();
  j["k"] = acc.k();
  j["topk"] = acc.topk();
  j["topk_correct"] = acc.topk_correct();
  nlohmann::json per_class = nlohmann::json::object();
  const std::vector<double> fractions = acc.per_class_top1();
  for (int c = 0; c < acc.num_classes(); ++c) {
    const std::string name = class_name_or_empty(class_names, c);
    per_class[name.empty() ? std::to_string(c) : name] = fractions[c];
  }
  j["per_class_top1"] = per_class;
  return j;
}

nlohmann::json latency_summary(const LatencyStats& stats, int batch) {
  return {{"runs", stats.count()},   {"batch", batch},
          {"mean_ms", stats.mean()}, {"median_ms", stats.median()},
          {"p90_ms", stats.p90()},   {"min_ms", stats.min()},
          {"max_ms", stats.max()},   {"images_per_second", stats.images_per_second(batch)}};
}

nlohmann::json prediction_to_json(const ImagePrediction& p, const std::vector<std::string>& class_names) {
  QD_CHECK(p.top_classes.size() == p.top_scores.size(),
           "ImagePrediction: classes and scores differ in length");
  nlohmann::json j;
  j["path"] = p.path;
  j["label"] = p.label;
  if (p.label >= 0 && !class_name_or_empty(class_names, p.label).empty())
    j["label_name"] = class_name_or_empty(class_names, p.label);
  if (!p.top_classes.empty()) {
    j["predicted"] = p.top_classes[0];
    if (p.label >= 0) j["correct"] = p.top_classes[0] == p.label;
  }
  nlohmann::json top = nlohmann::json::array();
  for (size_t i = 0; i < p.top_classes.size(); ++i) {
    nlohmann::json t = {{"class", p.top_classes[i]}, {"score", p.top_scores[i]}};
    const std::string name = class_name_or_empty(class_names, p.top_classes[i]);
    if (!name.empty()) t["name"] = name;
    top.push_back(std::move(t));
  }
  j["top"] = std::move(top);
  return j;
}

void write_results_json(const std::string& path, const nlohmann::json& summary,
                        const std::vector<ImagePrediction>& predictions,
                        const std::vector<std::string>& class_names) {
  nlohmann::json root;
  root["summary"] = summary;
  nlohmann::json preds = nlohmann::json::array();
  for (const ImagePrediction& p : predictions) preds.push_back(prediction_to_json(p, class_names));
  root["predictions"] = std::move(preds);
  // Replace invalid UTF-8 in paths instead of throwing mid-write.
  write_file_atomic(path, root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace qd
