// The memory budget for tensors: no single allocation (and no model's declared tensors, see
// check_memory_budget callers) may exceed it, so a model or file that declares absurd sizes is refused
// with a clear message before anything is allocated, instead of being killed by the OOM killer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace qd {

// Physical memory of the machine in bytes (0 when unknown).
size_t physical_memory_bytes();

// The budget: QDEPLOY_MEMORY_LIMIT (bytes, or with a K/M/G suffix) when set, else physical memory; a limit
// set with set_memory_limit() wins over both.
size_t memory_limit_bytes();
// Overrides the budget for this process (0 restores the default).
void set_memory_limit(size_t bytes);

// "1.5 GiB", "12.0 MiB", "512 bytes".
std::string format_bytes(double bytes);

// Throws a user error "<what> needs <n>, more than the memory limit (<limit>)" when bytes > the budget.
void check_memory_budget(double bytes, const std::string& what);

}  // namespace qd
