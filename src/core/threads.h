// The one thread policy: "0 threads" means all cores, resolved here only; code that changes OpenMP's
// thread count (oneDNN reads it) does so in a ThreadCountScope, so the caller's setting survives.
#pragma once

namespace qd {

// Cores OpenMP may use (affinity mask aware).
int available_cores();

// `requested` > 0 as is; 0 (or less) = available_cores().
int resolve_threads(int requested);

// Sets OpenMP's thread count for the current thread's following parallel regions for its lifetime and
// restores the previous count after.
class ThreadCountScope {
 public:
  explicit ThreadCountScope(int threads);
  ~ThreadCountScope();
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int saved_;
};

}  // namespace qd
