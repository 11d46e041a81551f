// The warm Python of sandbox-runner: a zygote. The runner loads the
// interpreter (and the modules tests commonly import) once; each Python run
// is a fork of it that enters fresh namespaces, limits and seccomp like any
// other run, then runs the program in the already loaded interpreter instead
// of exec'ing a cold one. The zygote itself never runs untrusted code, so
// every run starts from the same pristine state.
//
//   if (auto plan = python_zygote::Plan(request)) {      // argv is python3 -S ...
//     python_zygote::Preload(env, &error);                // once, in the spawner
//     python_zygote::BeforeFork();  pid = clone(...);  python_zygote::AfterForkInParent();
//     // in the child, after isolation:
//     python_zygote::Run(*plan);                          // never returns
//   }
#ifndef SANDBOX_PYTHON_ZYGOTE_H_
#define SANDBOX_PYTHON_ZYGOTE_H_

#include <optional>
#include <string>
#include <vector>

#include "sandbox/sandbox.pb.h"

namespace sandbox {
namespace python_zygote {

// A command line the zygote runs exactly as the cold interpreter would.
struct WarmRun {
  std::string interpreter;        // argv[0], the interpreter asked for (sys.executable)
  bool is_command = false;        // -c CODE
  std::string program;            // the code (-c) or the script's path
  std::vector<std::string> argv;  // sys.argv
  const void* compiled = nullptr; // the trusted script's code object, kept by the zygote (Compile)
};

// The warm plan for `request`, or nothing when it must be exec'd: argv[0] is
// this zygote's interpreter (/usr/bin/python3 or /usr/bin/python3.X), the
// options are -S (required: the zygote loads no site) and -B, then a script
// or -c CODE, then the program's arguments; and exec_only is not set.
std::optional<WarmRun> Plan(const v1::RunRequest& request);

// Loads the interpreter once, with `environment` ("NAME=value", the same
// the sandbox gives exec'd programs) as the process environment, and the
// preloaded modules. False (with the reason) when it cannot; runs are then
// exec'd.
bool Preload(const std::vector<std::string>& environment, std::string* error);
bool Loaded();

// In the zygote (sandbox/spawner.h): compiles a trusted script (the
// caller's own code, e.g. a test harness: public, never a secret and never
// the untrusted program, since compiling is done outside the sandbox) on
// first sight of its text, and keeps the code object (a few entries) for
// every later run to inherit.
void CompileTrusted(const std::string& name, const std::string& source);
// In a run: for a request with trusted_script, the code object the zygote
// kept for the script's text, if any (else the run compiles it itself).
void FindCompiled(const v1::RunRequest& request, WarmRun* run);
// The script a trusted request names, or nullptr: what CompileTrusted takes.
const std::string* TrustedScript(const v1::RunRequest& request, const WarmRun& run, std::string* name);

// Around the fork, as CPython requires of embedders that fork (its own
// locks; in the child, at-fork hooks such as reseeding `random`).
void BeforeFork();
void AfterForkInParent();

// In the child, with isolation complete and fds 0-2 in place: runs the
// program and exits with the interpreter's status (SystemExit honoured, an
// uncaught exception prints its traceback and exits 1).
[[noreturn]] void Run(const WarmRun& run);

}  // namespace python_zygote
}  // namespace sandbox

#endif  // SANDBOX_PYTHON_ZYGOTE_H_
