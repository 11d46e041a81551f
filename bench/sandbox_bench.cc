// Sandbox costs, beside baselines measured in the same run:
//  1. a trivial Python run through the sandbox vs the same `python3 -S -c pass`
//     started bare (posix_spawn + wait): median and p99 overhead;
//  2. the 164 HumanEval canonical solutions through the code verifier on a
//     worker pool of the machine's cores: wall time.
// Usage: sandbox_bench RUNNER HUMANEVAL.jsonl.gz   (make bench passes both)
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/gzip_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "rewards/batch.h"
#include "rewards/code_verifier.h"
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
  std::vector<double> bare, boxed;
  for (int i = 0; i < kRuns; ++i) {
    bare.push_back(BarePython());
    sandbox::v1::RunRequest req;
    req.add_argv("/usr/bin/python3");
    req.add_argv("-S");
    req.add_argv("-c");
    req.add_argv("pass");
    auto start = std::chrono::steady_clock::now();
    auto r = box.Run(req);
    boxed.push_back(Ms(std::chrono::steady_clock::now() - start));
    if (!r.ok() || r->outcome() != sandbox::v1::RunResult::EXITED) {
      std::fprintf(stderr, "sandbox run failed\n");
      return 1;
    }
  }
  std::printf("sandbox benchmark: %d trivial Python runs (python3 -S -c pass), interleaved\n", kRuns);
  std::printf("  %-36s median %7.2f ms   p99 %7.2f ms\n", "baseline: bare posix_spawn + wait", Percentile(bare, 0.5),
              Percentile(bare, 0.99));
  std::printf("  %-36s median %7.2f ms   p99 %7.2f ms\n", "sandbox (warm runner, cold python)",
              Percentile(boxed, 0.5), Percentile(boxed, 0.99));
  std::printf("  overhead: median %.2f ms, p99 %.2f ms\n", Percentile(boxed, 0.5) - Percentile(bare, 0.5),
              Percentile(boxed, 0.99) - Percentile(bare, 0.99));

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
