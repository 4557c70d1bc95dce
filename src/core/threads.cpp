#include "core/threads.h"

#include <omp.h>

#include <algorithm>

namespace qd {

int available_cores() { return std::max(1, omp_get_num_procs()); }

int resolve_threads(int requested) { return requested > 0 ? requested : available_cores(); }

ThreadCountScope::ThreadCountScope(int threads) : saved_(omp_get_max_threads()) {
  omp_set_num_threads(resolve_threads(threads));
}

ThreadCountScope::~ThreadCountScope() { omp_set_num_threads(saved_); }

}  // namespace qd
