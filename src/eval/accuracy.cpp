#include "eval/accuracy.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "eval/topk.h"

namespace qd {

TopKAccumulator::TopKAccumulator(int num_classes, int k)
    : num_classes_(num_classes), k_(k), confusion_(static_cast<size_t>(num_classes) * num_classes, 0) {
  QD_CHECK(num_classes > 0 && k > 0, "TopKAccumulator needs num_classes > 0 and k > 0");
}

int TopKAccumulator::add(std::span<const float> scores, int label) {
  if (static_cast<int>(scores.size()) != num_classes_)
    fail("accuracy", "the model gives " + std::to_string(scores.size()) + " scores per image but there are " +
                         std::to_string(num_classes_) + " classes");
  if (label >= num_classes_ || label < -1)
    fail("accuracy",
         "label " + std::to_string(label) + " is outside the " + std::to_string(num_classes_) + " classes");
  const std::vector<int> best = top_k(scores, k_);
  const int predicted = best.empty() ? -1 : best[0];
  if (label < 0) return predicted;
  ++total_;
  top1_ += predicted == label;
  topk_ += std::find(best.begin(), best.end(), label) != best.end();
  ++confusion_[static_cast<size_t>(label) * num_classes_ + predicted];
  return predicted;
}

void TopKAccumulator::merge(const TopKAccumulator& other) {
  QD_CHECK(other.num_classes_ == num_classes_ && other.k_ == k_, "TopKAccumulator::merge: different shapes");
  total_ += other.total_;
  top1_ += other.top1_;
  topk_ += other.topk_;
  for (size_t i = 0; i < confusion_.size(); ++i) confusion_[i] += other.confusion_[i];
}

std::vector<double> TopKAccumulator::per_class_top1() const {
  std::vector<double> out(num_classes_, 0.0);
  for (int t = 0; t < num_classes_; ++t) {
    int64_t row = 0;
    for (int p = 0; p < num_classes_; ++p) row += confusion(t, p);
    out[t] = row ? static_cast<double>(confusion(t, t)) / row : 0.0;
  }
  return out;
}

void AgreementCounter::add(std::span<const float> reference, std::span<const float> other) {
  if (reference.size() != other.size())
    fail("agreement", "score rows differ in length (" + std::to_string(reference.size()) + " vs " +
                          std::to_string(other.size()) + ")");
  ++count_;
  agree_ += arg_max(reference) == arg_max(other);
  for (size_t i = 0; i < reference.size(); ++i)
    max_abs_diff_ = std::max(max_abs_diff_, std::fabs(static_cast<double>(reference[i]) - other[i]));
}

}  // namespace qd
