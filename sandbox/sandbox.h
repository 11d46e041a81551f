// Runs untrusted programs through sandbox-runner (runner_main.cc). Safe to
// call from any thread of a multithreaded server: the runner is started
// with posix_spawn, and the server process itself never forks.
//
//   sandbox::Sandbox box("/path/to/sandbox-runner");
//   sandbox::v1::RunRequest req;
//   req.add_argv("/usr/bin/python3");
//   req.add_argv("-c");
//   req.add_argv("print(6 * 7)");
//   absl::StatusOr<sandbox::v1::RunResult> r = box.Run(req);  // r->stdout() == "42\n"
#ifndef SANDBOX_SANDBOX_H_
#define SANDBOX_SANDBOX_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sandbox/sandbox.pb.h"

namespace sandbox {

// Keeps warm runners (`sandbox-runner --serve`), one per concurrent caller,
// so that a run does not pay for starting the runner. Thread-safe. Ignores
// SIGPIPE process-wide on first use (a runner that died must give EPIPE).
class Sandbox {
 public:
  explicit Sandbox(std::string runner_path) : runner_path_(std::move(runner_path)) {}
  ~Sandbox();  // ends the idle runners

  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Runs one program. The status is an error only when the runner itself
  // could not be started or answered nonsense; a program that fails, or a
  // sandbox that could not be built (outcome SETUP_FAILED), is a RunResult.
  absl::StatusOr<v1::RunResult> Run(const v1::RunRequest& request) const;
  // The same with `prefix`, a serialized RunRequest sent before `request`'s
  // bytes in one frame: the runner reads the two merged (protobuf's
  // concatenation), so a large part shared by many runs (a compiled
  // program in `files`) is neither copied into each request nor serialized
  // again. `prefix` must not hold fields `request` sets (repeated ones would
  // be joined).
  absl::StatusOr<v1::RunResult> Run(const v1::RunRequest& request, absl::string_view prefix) const;

  const std::string& runner_path() const { return runner_path_; }

  // For monitoring: runners busy and idle now, and finished runs by outcome
  // (RunResult.Outcome's names, "RUNNER_FAILED" when no runner answered).
  struct Stats {
    int busy = 0;
    int idle = 0;
    std::map<std::string, uint64_t> runs;
  };
  Stats GetStats() const;

 private:
  struct Runner {
    pid_t pid = -1;
    int to = -1;    // its stdin
    int from = -1;  // its stdout
  };
  absl::StatusOr<Runner> Start() const;
  absl::StatusOr<v1::RunResult> RunOnRunner(absl::string_view prefix, const v1::RunRequest& request) const;
  static void Stop(const Runner& r);
  // Waits for `pid` to exit until `deadline`, then kills it.
  static void Reap(pid_t pid, std::chrono::steady_clock::time_point deadline);
  // One request on a warm runner; false when the runner broke.
  static bool Exchange(const Runner& r, absl::string_view prefix, const std::string& request, std::string* response);

  std::string runner_path_;
  mutable std::mutex mu_;
  mutable std::vector<Runner> idle_;
  mutable int busy_ = 0;
  mutable std::map<std::string, uint64_t> runs_;
};

// The Sandbox for `runner_path`, shared by every caller in this process.
Sandbox& SharedSandbox(const std::string& runner_path);

// The runner installed beside the current executable (".../sandbox-runner"),
// or "" when there is none.
std::string RunnerBesideExecutable();

}  // namespace sandbox

#endif  // SANDBOX_SANDBOX_H_
