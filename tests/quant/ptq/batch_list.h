// Test batches held in memory as a BatchSource (each pass over them is a new BatchList).
#pragma once
#include <vector>

#include "quant/calibrate.h"

namespace qd::quant::test_data {

class BatchList : public BatchSource {
 public:
  explicit BatchList(const std::vector<Tensor>& batches) : batches_(batches) {}
  bool next(Tensor& out) override {
    if (i_ >= batches_.size()) return false;
    out = batches_[i_++];
    return true;
  }
  size_t size() const override { return batches_.size(); }

 private:
  const std::vector<Tensor>& batches_;
  size_t i_ = 0;
};

}  // namespace qd::quant::test_data
