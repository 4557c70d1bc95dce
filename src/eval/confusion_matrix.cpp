#include "eval/confusion_matrix.h"

namespace qd {

ConfusionMatrix confusion_matrix(const TopKAccumulator& acc) {
  const int n = acc.num_classes();
  ConfusionMatrix m(static_cast<size_t>(n), std::vector<int64_t>(static_cast<size_t>(n), 0));
  for (int t = 0; t < n; ++t)
    for (int p = 0; p < n; ++p) m[t][p] = acc.confusion(t, p);
  return m;
}

int64_t confusion_trace(const ConfusionMatrix& m) {
  int64_t s = 0;
  for (size_t i = 0; i < m.size(); ++i)
    if (i < m[i].size()) s += m[i][i];
  return s;
}

int64_t confusion_total(const ConfusionMatrix& m) {
  int64_t s = 0;
  for (const auto& row : m)
    for (int64_t v : row) s += v;
  return s;
}

}  // namespace qd
