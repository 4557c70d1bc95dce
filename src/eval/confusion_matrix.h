// Confusion matrix as plain rows (for deploy.json and report.html): counts of images of true class i
// predicted as class j, taken from a TopKAccumulator.
#pragma once
#include <cstdint>
#include <vector>

#include "eval/accuracy.h"

namespace qd {

using ConfusionMatrix = std::vector<std::vector<int64_t>>;  // [true class][predicted class]

// num_classes x num_classes counts of the labelled images `acc` has scored.
ConfusionMatrix confusion_matrix(const TopKAccumulator& acc);

// Sum of the diagonal: the top-1 correct images.
int64_t confusion_trace(const ConfusionMatrix& m);

// Sum of every entry: the labelled images counted.
int64_t confusion_total(const ConfusionMatrix& m);

}  // namespace qd
