// Classification accuracy: top-1 / top-k counts and a confusion matrix, accumulated one score row at a time.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace qd {

class TopKAccumulator {
 public:
  // k is the "top-k" of the second figure (5 for the usual top-1/top-5 pair).
  explicit TopKAccumulator(int num_classes, int k = 5);

  // Scores one image: returns its predicted class (best score, lower index on ties). Images with label -1
  // (unlabelled) are predicted but not counted. Throws a user error when the row length differs from
  // num_classes or the label is out of range.
  int add(std::span<const float> scores, int label);
  // Adds another accumulator's counts (same num_classes and k), e.g. from another thread.
  void merge(const TopKAccumulator& other);

  int num_classes() const { return num_classes_; }
  int k() const { return k_; }
  int64_t total() const { return total_; }  // labelled images scored
  int64_t top1_correct() const { return top1_; }
  int64_t topk_correct() const { return topk_; }
  double top1() const { return total_ ? static_cast<double>(top1_) / total_ : 0.0; }
  double topk() const { return total_ ? static_cast<double>(topk_) / total_ : 0.0; }

  // Images of class `truth` predicted as `predicted`.
  int64_t confusion(int truth, int predicted) const { return confusion_[truth * num_classes_ + predicted]; }
  // Per class: correct top-1 / images of that class (0 when the class has no images).
  std::vector<double> per_class_top1() const;

 private:
  int num_classes_;
  int k_;
  int64_t total_ = 0, top1_ = 0, topk_ = 0;
  std::vector<int64_t> confusion_;  // [truth][predicted], row-major
};

// How often two models (e.g. fp32 and int8) agree on the top-1 class, and how far their scores drift.
class AgreementCounter {
 public:
  // Throws a user error when the rows differ in length.
  void add(std::span<const float> reference, std::span<const float> other);

  int64_t count() const { return count_; }
  int64_t agree() const { return agree_; }
  double fraction() const { return count_ ? static_cast<double>(agree_) / count_ : 0.0; }
  double max_abs_diff() const { return max_abs_diff_; }  // over every score of every row

 private:
  int64_t count_ = 0, agree_ = 0;
  double max_abs_diff_ = 0;
};

}  // namespace qd
