#include "eval/topk.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qd {
namespace {

// Strict "ranks before": higher score first, NaN last, ties by lower index.
bool ranks_before(std::span<const float> s, int a, int b) {
  const bool nan_a = std::isnan(s[a]), nan_b = std::isnan(s[b]);
  if (nan_a != nan_b) return nan_b;
  if (!nan_a && s[a] != s[b]) return s[a] > s[b];
  return a < b;
}

}  // namespace

std::vector<int> top_k(std::span<const float> scores, int k) {
  const int n = static_cast<int>(scores.size());
  k = std::clamp(k, 0, n);
  std::vector<int> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [&](int a, int b) { return ranks_before(scores, a, b); });
  idx.resize(k);
  return idx;
}

int arg_max(std::span<const float> scores) {
  if (scores.empty()) return -1;
  int best = 0;
  for (int i = 1; i < static_cast<int>(scores.size()); ++i)
    if (ranks_before(scores, i, best)) best = i;
  return best;
}

}  // namespace qd
