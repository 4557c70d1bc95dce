// Error type used across qdeploy: library code throws qd::Error, the CLI maps its kind to an exit code.
#pragma once
#include <stdexcept>
#include <string>

namespace qd {

enum class ErrorKind {
  user,         // bad file, bad option, bad data: exit code 1
  unsupported,  // a model feature qdeploy does not support: exit code 2
  internal,     // a bug in qdeploy
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// Throws a user error "<context>: <message>" (context is usually a file path).
[[noreturn]] inline void fail(const std::string& context, const std::string& message) {
  throw Error(ErrorKind::user, context.empty() ? message : context + ": " + message);
}
[[noreturn]] inline void fail_unsupported(const std::string& context, const std::string& message) {
  throw Error(ErrorKind::unsupported, context.empty() ? message : context + ": " + message);
}
[[noreturn]] inline void fail_internal(const std::string& message) {
  throw Error(ErrorKind::internal, "internal error: " + message);
}

#define QD_CHECK(cond, msg)                                                                                  \
  do {                                                                                                       \
    if (!(cond)) ::qd::fail_internal(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " + (msg)); \
  } while (0)

}  // namespace qd
