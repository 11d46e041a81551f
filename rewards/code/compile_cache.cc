#include "rewards/code/compile_cache.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "rewards/code/outcome.h"

namespace rewards {

CompileCache& CompileCache::Shared() {
  static auto* cache = new CompileCache(256, 256u << 20);
  return *cache;
}

size_t CompileCache::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_.size();
}

CompileResult CompileCache::Run(sandbox::Sandbox& box, const std::string& source, int64_t limit_ms, bool* finished) {
  *finished = false;
  sandbox::v1::RunRequest req;
  req.add_argv("/bin/sh");
  req.add_argv("-c");
  req.add_argv("g++ -std=c++17 -O2 -pipe -o solution solution.cpp 1>&2 && cat solution");
  (*req.mutable_files())["solution.cpp"] = source;
  auto* l = req.mutable_limits();
  const uint32_t wall = static_cast<uint32_t>(std::max<int64_t>(500, limit_ms));
  l->set_wall_ms(wall);
  l->set_cpu_ms(wall);
  l->set_memory_mb(2048);
  l->set_workdir_mb(kMaxBinaryMb + 64);
  l->set_file_size_mb(kMaxBinaryMb);
  l->set_max_output_bytes(kMaxBinaryMb << 20);  // the binary, on stdout
  // The diagnostics: only the first error is kept (160 bytes), and a short
  // program can make g++ print hundreds of megabytes of them (nested
  // template names), which the runner and the server would hold.
  l->set_max_stderr_bytes(kMaxCompilerMessagesBytes);
  l->set_max_processes(16);
  CompileResult out;
  auto r = box.Run(req);
  if (!r.ok()) {
    out.error = CompileResult::Error::kSandbox;
    out.message = std::string(r.status().message());
    return out;
  }
  const std::string& err = r->stderr();
  const size_t first_error = err.find("error:");
  const std::string diagnosis =
      first_error == std::string::npos ? LastLine(err) : Clip(absl::string_view(err).substr(first_error), 160);
  if (r->stdout_truncated() ||
      (r->outcome() == sandbox::v1::RunResult::OUTPUT_LIMIT && !r->stderr_truncated())) {
    // A cut binary is never run (it once died of SIGSEGV).
    out.error = CompileResult::Error::kCompile;
    out.message = absl::StrCat("the binary is larger than ", kMaxBinaryMb, " MB");
    return out;
  }
  if (r->outcome() == sandbox::v1::RunResult::OUTPUT_LIMIT) {
    // Stopped for the volume of its diagnostics, which the same source
    // always prints: a result like any other compile error.
    out.error = CompileResult::Error::kCompile;
    out.message = absl::StrCat("the compiler's messages passed ", 4 * kMaxCompilerMessagesBytes >> 10, " KB; ",
                               diagnosis);
  } else if (r->outcome() == sandbox::v1::RunResult::EXITED && r->exit_code() == 0 && !r->stdout().empty()) {
    sandbox::v1::RunRequest program;
    (*program.mutable_files())["solution"] = std::move(*r->mutable_stdout());
    program.add_executable("solution");
    out.binary_bytes = program.files().at("solution").size();
    out.program = std::make_shared<const std::string>(program.SerializeAsString());
  } else if (r->outcome() == sandbox::v1::RunResult::EXITED) {
    out.error = CompileResult::Error::kCompile;
    out.message = diagnosis;
  } else {
    out.error = CompileResult::Error::kCompile;
    out.message = absl::StrCat("the compiler did not finish: ", Classify(*r).detail);
    return out;  // stopped, not finished: never cached
  }
  *finished = true;
  return out;
}

CompileResult CompileCache::Compile(sandbox::Sandbox& box, const std::string& source, int64_t limit_ms) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(source);
    if (it != cache_.end()) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return it->second;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  bool finished = false;
  CompileResult out = Run(box, source, limit_ms, &finished);
  if (!finished) return out;
  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.emplace(source, out).second) {
    order_.push_back(source);
    bytes_ += source.size() + (out.program ? out.program->size() : 0) + out.message.size();
  }
  while (!order_.empty() && (cache_.size() > max_programs_ || bytes_ > max_bytes_)) {
    auto it = cache_.find(order_.front());
    bytes_ -= it->first.size() + (it->second.program ? it->second.program->size() : 0) + it->second.message.size();
    cache_.erase(it);
    order_.pop_front();
  }
  return out;
}

}  // namespace rewards
