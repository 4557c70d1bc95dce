#include "core/memory_limit.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace qd {

namespace {
std::atomic<size_t> g_override{0};

size_t parse_size(const char* text) {
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (!end || end == text || !(v > 0)) return 0;
  switch (*end) {
    case 'k':
    case 'K':
      v *= 1024.0;
      break;
    case 'm':
    case 'M':
      v *= 1024.0 * 1024;
      break;
    case 'g':
    case 'G':
      v *= 1024.0 * 1024 * 1024;
      break;
    default:
      break;
  }
  return static_cast<size_t>(v);
}
}  // namespace

size_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0;
}

size_t memory_limit_bytes() {
  if (size_t o = g_override.load()) return o;
  static const size_t from_env_or_machine = [] {
    const char* env = std::getenv("QDEPLOY_MEMORY_LIMIT");
    size_t v = env ? parse_size(env) : 0;
    return v ? v : physical_memory_bytes();
  }();
  return from_env_or_machine;
}

void set_memory_limit(size_t bytes) { g_override.store(bytes); }

std::string format_bytes(double bytes) {
  char buf[64];
  if (bytes >= 1024.0 * 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  else if (bytes >= 1024.0 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1024.0 * 1024));
  else
    std::snprintf(buf, sizeof buf, "%.0f bytes", bytes);
  return buf;
}

void check_memory_budget(double bytes, const std::string& what) {
  const size_t limit = memory_limit_bytes();
  if (limit && bytes > static_cast<double>(limit))
    fail("", what + " needs " + format_bytes(bytes) + ", more than the memory limit (" +
                 format_bytes(static_cast<double>(limit)) +
                 (g_override.load() || std::getenv("QDEPLOY_MEMORY_LIMIT") ? "" : ", the physical memory") +
                 ")");
}

}  // namespace qd
