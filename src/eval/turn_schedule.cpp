#include "eval/turn_schedule.h"

#include <algorithm>

namespace qd {

std::vector<ScheduledRun> turn_schedule(size_t models, int repeat, int block) {
  block = std::max(1, block);
  std::vector<ScheduledRun> runs;
  for (int first = 0, turn = 0; first < repeat; first += block, ++turn)
    for (size_t k = 0; k < models; ++k) {
      const size_t m = (k + static_cast<size_t>(turn)) % models;  // rotate who goes first
      if (block > 1) runs.push_back({m, false});
      for (int r = first; r < std::min(repeat, first + block); ++r) runs.push_back({m, true});
    }
  return runs;
}

}  // namespace qd
