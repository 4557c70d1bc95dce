// Top-k selection over one row of class scores.
#pragma once
#include <span>
#include <vector>

namespace qd {

// Indices of the k highest scores, best first; equal scores keep the lower index first. k is clamped to the
// number of scores. NaN scores rank below every number.
std::vector<int> top_k(std::span<const float> scores, int k);

// Index of the highest score (top_k(scores, 1)[0]); -1 for an empty row.
int arg_max(std::span<const float> scores);

}  // namespace qd
