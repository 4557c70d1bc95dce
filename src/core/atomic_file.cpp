#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace qd {

namespace fs = std::filesystem;

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    {
      std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
      if (!os) fail(path, std::string("cannot create file: ") + std::strerror(errno));
      write(os);
      os.flush();
      if (!os) fail(path, "write failed (disk full?)");
    }
    int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd >= 0) {
      bool ok = ::fsync(fd) == 0;
      ::close(fd);
      if (!ok) fail(path, std::string("write failed: ") + std::strerror(errno));
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) fail(path, "cannot rename temporary file: " + ec.message());
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  write_file_atomic(
      path, [&](std::ostream& os) { os.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

void copy_file_atomic(const std::string& src, const std::string& dst) {
  std::ifstream in(src, std::ios::binary);
  if (!in) fail(src, std::string("cannot open: ") + std::strerror(errno));
  write_file_atomic(dst, [&](std::ostream& os) {
    os << in.rdbuf();
    if (in.bad()) fail(src, "read failed");
  });
}

void ensure_writable_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail(dir, "cannot create directory: " + ec.message());
  if (::access(dir.c_str(), W_OK) != 0) fail(dir, "directory is not writable");
}

}  // namespace qd
