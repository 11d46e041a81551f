// Sandbox costs, beside baselines measured in the same run:
//  1. a trivial Python run through the sandbox (warm zygote, and cold exec)
//     vs the same `python3 -S -c pass` started bare (posix_spawn + wait):
//     median and p99 overhead; a trivial C++ binary run; one compile;
//  2. the 164 HumanEval canonical solutions through the code verifier on a
//     worker pool of the machine's cores: wall time.
// Usage: sandbox_bench RUNNER HUMANEVAL.jsonl.gz   (make bench passes both)
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/gzip_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "rewards/batch.h"
#include "rewards/code/code_verifier.h"
#include "sandbox/sandbox.h"
#include "server/scheduler.h"

extern char** environ;

namespace {

double Ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double BarePython() {
  const char* argv[] = {"/usr/bin/python3", "-S", "-c", "pass", nullptr};
  auto start = std::chrono::steady_clock::now();
  pid_t pid;
  posix_spawn(&pid, argv[0], nullptr, nullptr, const_cast<char**>(argv), environ);
  int status;
  waitpid(pid, &status, 0);
  return Ms(std::chrono::steady_clock::now() - start);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

std::string ReadGzip(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  google::protobuf::io::IstreamInputStream raw(&file);
  google::protobuf::io::GzipInputStream gz(&raw);
  std::string out;
  const void* data;
  int size;
  while (gz.Next(&data, &size)) out.append(static_cast<const char*>(data), size);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: sandbox_bench RUNNER HUMANEVAL.jsonl.gz\n");
    return 2;
  }
  sandbox::Sandbox box(argv[1]);
  rewards::SetCodeSandboxRunner(argv[1]);
  const int kRuns = 100;
  // Interleaved, so that the machine's noise hits every series alike.
  std::vector<double> bare, warm, cold, native, setup;
  auto timed = [&](const sandbox::v1::RunRequest& req, bool want_warm, std::vector<double>* into) {
    auto start = std::chrono::steady_clock::now();
    auto r = box.Run(req);
    into->push_back(Ms(std::chrono::steady_clock::now() - start));
    if (r.ok()) setup.push_back(r->setup_ms());
    if (!r.ok() || r->outcome() != sandbox::v1::RunResult::EXITED || r->exit_code() != 0 || r->warm() != want_warm) {
      std::fprintf(stderr, "sandbox run failed: %s\n", r.ok() ? r->DebugString().c_str() : r.status().ToString().c_str());
      std::exit(1);
    }
  };
  sandbox::v1::RunRequest python;
  for (const char* a : {"/usr/bin/python3", "-S", "-c", "pass"}) python.add_argv(a);
  sandbox::v1::RunRequest python_cold = python;
  python_cold.set_exec_only(true);
  // A C++17 program: compiled once in the sandbox, then run like a test.
  sandbox::v1::RunRequest compile;
  for (const char* a : {"/bin/sh", "-c", "g++ -std=c++17 -O2 -o p p.cpp 1>&2 && cat p"}) compile.add_argv(a);
  (*compile.mutable_files())["p.cpp"] = "int main() { return 0; }\n";
  compile.mutable_limits()->set_wall_ms(30000);
  compile.mutable_limits()->set_cpu_ms(30000);
  compile.mutable_limits()->set_memory_mb(2048);
  compile.mutable_limits()->set_max_output_bytes(64 << 20);
  compile.mutable_limits()->set_workdir_mb(256);
  compile.mutable_limits()->set_file_size_mb(128);
  auto t0 = std::chrono::steady_clock::now();
  auto compiled = box.Run(compile);
  double compile_ms = Ms(std::chrono::steady_clock::now() - t0);
  if (!compiled.ok() || compiled->exit_code() != 0) {
    std::fprintf(stderr, "compile failed\n");
    return 1;
  }
  sandbox::v1::RunRequest binary;
  binary.add_argv("/work/p");
  (*binary.mutable_files())["p"] = compiled->stdout();
  binary.add_executable("p");
  // One untimed run of each kind: the runner's one-time start (and the
  // zygote's interpreter load) is not a per-run cost.
  std::vector<double> ignored;
  BarePython();
  timed(python, true, &ignored);
  timed(python_cold, false, &ignored);
  timed(binary, false, &ignored);
  setup.clear();
  for (int i = 0; i < kRuns; ++i) {
    bare.push_back(BarePython());
    timed(python, true, &warm);
    timed(python_cold, false, &cold);
    timed(binary, false, &native);
  }
  std::printf("sandbox benchmark: %d trivial runs of each kind, interleaved\n", kRuns);
  auto row = [](const char* name, const std::vector<double>& v) {
    std::printf("  %-44s median %7.2f ms   p99 %7.2f ms\n", name, Percentile(v, 0.5), Percentile(v, 0.99));
  };
  row("baseline: bare python3 -S -c pass (spawn+wait)", bare);
  row("sandbox, warm Python zygote (fork per run)", warm);
  row("sandbox, cold Python (exec per run)", cold);
  row("sandbox, C++17 binary (int main)", native);
  std::printf("  warm overhead vs bare python: median %+.2f ms, p99 %+.2f ms (ratio of medians %.2f)\n",
              Percentile(warm, 0.5) - Percentile(bare, 0.5), Percentile(warm, 0.99) - Percentile(bare, 0.99),
              Percentile(warm, 0.5) / Percentile(bare, 0.5));
  std::printf("  cold overhead vs bare python: median %+.2f ms, p99 %+.2f ms\n",
              Percentile(cold, 0.5) - Percentile(bare, 0.5), Percentile(cold, 0.99) - Percentile(bare, 0.99));
  std::printf("  C++ compile of a trivial program in the sandbox: %.0f ms (once; cached by source)\n", compile_ms);
  std::printf("  sandbox setup alone (clone to program start, all runs): median %.2f ms, p99 %.2f ms\n",
              Percentile(setup, 0.5), Percentile(setup, 0.99));

  // HumanEval: every canonical solution, one group each, as the server runs them.
  auto request = std::make_shared<reward::v1::ScoreRequest>();
  std::istringstream lines(ReadGzip(argv[2]));
  std::string line;
  while (std::getline(lines, line)) {
    google::protobuf::Struct row;
    if (!google::protobuf::util::JsonStringToMessage(line, &row).ok()) continue;
    const auto& f = row.fields();
    auto* g = request->add_groups();
    g->set_id(f.at("task_id").string_value());
    auto* tests = g->mutable_reference()->mutable_tests();
    tests->set_language("python");
    tests->set_check(absl::StrCat(f.at("test").string_value(), "\ncheck(", f.at("entry_point").string_value(), ")\n"));
    tests->set_time_limit_ms(10000);
    g->add_completions()->set_text(absl::StrCat("```python\n", f.at("prompt").string_value(),
                                                f.at("canonical_solution").string_value(), "\n```"));
  }
  request->add_reward()->set_verifier("code");
  rewards::ProfileRegistry profiles({}, "", {});
  auto batch = rewards::PrepareBatch(request, profiles, rewards::Limits());
  if (!batch.ok()) {
    std::fprintf(stderr, "%s\n", std::string(batch.status().message()).c_str());
    return 1;
  }
  const int threads = std::max(1u, std::thread::hardware_concurrency());
  server::WorkerPool pool(threads, 0);
  server::Scheduler scheduler(&pool);
  auto prepared = std::make_shared<const rewards::PreparedBatch>(std::move(*batch));
  auto start = std::chrono::steady_clock::now();
  auto grid = scheduler.Run(prepared, absl::InfiniteFuture(), nullptr);
  double seconds = Ms(std::chrono::steady_clock::now() - start) / 1000;
  auto response = rewards::AssembleResponse(*prepared, *grid);
  int passed = 0;
  for (const auto& g : response.groups()) passed += g.samples(0).reward() == 1.0;
  std::printf("HumanEval: %d/%d canonical solutions pass, %.1f s wall on %d threads\n", passed,
              response.groups_size(), seconds, threads);
  return 0;
}
