// C++ programs compiled in the sandbox (g++ -std=c++17 -O2), the binary
// coming back on stdout, and cached by source: a group's G completions often
// repeat. Only the results of a compiler that ended by itself are kept; one
// stopped by its time limit (which a busy machine or a short call budget
// makes early), memory or output cap is tried again next time.
#ifndef REWARDS_CODE_COMPILE_CACHE_H_
#define REWARDS_CODE_COMPILE_CACHE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "sandbox/sandbox.h"

namespace rewards {

// The largest C++ binary accepted (a large initialised table makes a big one).
constexpr uint32_t kMaxBinaryMb = 256;
// The compiler's diagnostics kept (stderr); writing 4 times this stops it.
constexpr uint32_t kMaxCompilerMessagesBytes = 64 << 10;

struct CompileResult {
  enum class Error { kNone, kCompile, kSandbox };
  // The binary, ready to run: a serialized sandbox RunRequest holding only
  // it (`files` "solution", executable), sent ahead of each test's request
  // (sandbox::Sandbox::Run's prefix). Shared with the cache: a program of
  // up to kMaxBinaryMb is never copied per sample or per test.
  std::shared_ptr<const std::string> program;
  size_t binary_bytes = 0;
  Error error = Error::kNone;
  std::string message;  // the compiler's first error, or the sandbox's
};

class CompileCache {
 public:
  // Keyed by the whole source (a hash could be made to collide and hand one
  // program another's binary); at most `max_programs` and `max_bytes`.
  CompileCache(size_t max_programs, size_t max_bytes) : max_programs_(max_programs), max_bytes_(max_bytes) {}

  // Compiles `source` (or finds it) with a wall and CPU limit of `limit_ms`
  // (at least 500 ms). Thread-safe.
  CompileResult Compile(sandbox::Sandbox& box, const std::string& source, int64_t limit_ms);

  // The process-wide cache (256 programs, 256 MB).
  static CompileCache& Shared();
  // Programs cached now.
  size_t size();
  // Compile calls answered from the cache, and compilations run.
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  CompileResult Run(sandbox::Sandbox& box, const std::string& source, int64_t limit_ms, bool* finished);

  const size_t max_programs_, max_bytes_;
  std::mutex mu_;
  std::map<std::string, CompileResult> cache_;
  std::deque<std::string> order_;
  size_t bytes_ = 0;
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace rewards

#endif  // REWARDS_CODE_COMPILE_CACHE_H_
