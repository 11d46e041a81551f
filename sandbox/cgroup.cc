#include "sandbox/cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

#include "sandbox/errors.h"
#include "sandbox/io.h"

namespace sandbox {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool MakeDir(const std::string& path) { return mkdir(path.c_str(), 0755) == 0 || errno == EEXIST; }

// Groups whose removal found processes still in them (EBUSY): killed ones
// not yet reaped, on a loaded machine well after the short retry. Each later
// run retries them, and the runner sweeps them before it exits.
std::mutex pending_mu;
std::vector<std::string>& Pending() {
  static auto* pending = new std::vector<std::string>();
  return *pending;
}

// False while `dir` is busy; true once it is gone (or cannot be removed for
// another reason, which no retry would change).
bool Remove(const std::string& dir) { return rmdir(dir.c_str()) == 0 || errno != EBUSY; }

void RetryPending() {
  std::lock_guard<std::mutex> lock(pending_mu);
  auto& p = Pending();
  p.erase(std::remove_if(p.begin(), p.end(), Remove), p.end());
}

// This process's group in the v1 hierarchy of `controller` ("/" if none),
// from /proc/self/cgroup lines such as "4:memory:/system.slice/x".
std::string OwnV1Group(const std::string& controller) {
  std::istringstream in(Read("/proc/self/cgroup"));
  for (std::string line; std::getline(in, line);) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::istringstream names(line.substr(a + 1, b - a - 1));
    for (std::string n; std::getline(names, n, ',');) {
      if (n == controller) return line.substr(b + 1);
    }
  }
  return "/";
}

// "<hierarchy>/<own group>/reward-sandbox/<name>" in the v1 hierarchy of
// `controller`: nested under the runner's own group, so that the runs count
// against whatever limits the operator gave the service (a container's
// memory, say); at the hierarchy's root when the own group is not writable.
// "" when neither is.
std::string MakeV1Group(const std::string& controller, const std::string& name) {
  const std::string root = "/sys/fs/cgroup/" + controller;
  for (const std::string& base : {root + OwnV1Group(controller), root}) {
    if (access(base.c_str(), W_OK) != 0) continue;
    std::string parent = (base.back() == '/' ? base : base + "/") + "reward-sandbox";
    std::string dir = parent + "/" + name;
    if (MakeDir(parent) && MakeDir(dir)) return dir;
  }
  return "";
}

// The value of `key` in a "key value" file such as memory.events.
long long Field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  long long v;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return 0;
}

// "pids+memory+cpu": the controllers set, in that order.
std::string Joined(bool pids, bool memory, bool cpu) {
  std::string out;
  for (const auto& [on, name] : {std::pair<bool, const char*>{pids, "pids"}, {memory, "memory"}, {cpu, "cpu"}}) {
    if (on) out += (out.empty() ? "" : "+") + std::string(name);
  }
  return out;
}

}  // namespace

RunCgroup::RunCgroup(const std::string& name, long max_pids, long long memory_bytes) {
  RetryPending();
  struct stat st;
  const bool pure_v2 = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
  bool pids = false, memory = false, cpu = false;
  // v1 controllers (a legacy or hybrid layout).
  if (!pure_v2) {
    std::string pids_dir = MakeV1Group("pids", name);
    if (!pids_dir.empty()) {
      dirs_.push_back(pids_dir);
      pids = WriteFile(pids_dir + "/pids.max", std::to_string(max_pids));
    }
    std::string mem_dir = MakeV1Group("memory", name);
    if (!mem_dir.empty()) {
      dirs_.push_back(mem_dir);
      memory = WriteFile(mem_dir + "/memory.limit_in_bytes", std::to_string(memory_bytes));
      WriteFile(mem_dir + "/memory.memsw.limit_in_bytes", std::to_string(memory_bytes));  // absent without swap accounting
      if (memory) memory_dir_ = mem_dir;
    }
    // Every run the same CPU weight, whatever number of processes it runs:
    // thirty spinning children share one run's weight.
    std::string cpu_dir = MakeV1Group("cpu", name);
    if (!cpu_dir.empty()) {
      dirs_.push_back(cpu_dir);
      cpu = WriteFile(cpu_dir + "/cpu.shares", "1024");
    }
  }
  const std::string v1 = (pids || memory || cpu) ? Joined(pids, memory, cpu) + " (v1)" : "";
  // v2 for what v1 did not give: the whole of a pure layout, or the unified
  // mount of a hybrid one (it holds the controllers v1 does not).
  const std::string v2_root = pure_v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
  // Exact names ("cpu" is not "cpuset"), each enabled by a write of its own
  // (the kernel refuses a whole write when one controller cannot be had).
  std::istringstream listed(Read(v2_root + "/cgroup.controllers"));
  std::vector<std::string> controllers{std::istream_iterator<std::string>(listed),
                                       std::istream_iterator<std::string>()};
  auto has = [&](const char* name) {
    return std::find(controllers.begin(), controllers.end(), name) != controllers.end();
  };
  const bool want_pids = !pids && has("pids");
  const bool want_memory = !memory && has("memory");
  const bool want_cpu = !cpu && has("cpu");
  std::string v2;
  if (want_pids || want_memory || want_cpu) {
    std::string parent = v2_root + "/reward-sandbox";
    if (MakeDir(parent)) {
      for (const auto& [want, name] : {std::pair<bool, const char*>{want_pids, "+pids"}, {want_memory, "+memory"},
                                      {want_cpu, "+cpu"}}) {
        if (!want) continue;
        WriteFile(v2_root + "/cgroup.subtree_control", name);
        WriteFile(parent + "/cgroup.subtree_control", name);
      }
      std::string dir = parent + "/" + name;
      if (MakeDir(dir)) {
        dirs_.push_back(dir);
        bool p2 = want_pids && WriteFile(dir + "/pids.max", std::to_string(max_pids));
        bool m2 = want_memory && WriteFile(dir + "/memory.max", std::to_string(memory_bytes)) &&
                  WriteFile(dir + "/memory.swap.max", "0");
        bool c2 = want_cpu && WriteFile(dir + "/cpu.weight", "100");
        if (m2) {
          memory_dir_ = dir;
          memory_v2_ = true;
        }
        if (p2 || m2 || c2) v2 = Joined(p2, m2, c2) + " (v2)";
      }
    }
  }
  description_ = v1 + (!v1.empty() && !v2.empty() ? ", " : "") + v2;
}

RunCgroup::~RunCgroup() {
  for (const std::string& dir : dirs_) {
    // The last processes may still be leaving; retry briefly, then leave it
    // to later runs and the runner's exit (it used to stay behind).
    bool gone = Remove(dir);
    for (int i = 0; i < 50 && !gone; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      gone = Remove(dir);
    }
    if (!gone) {
      std::lock_guard<std::mutex> lock(pending_mu);
      Pending().push_back(dir);
    }
  }
  RetryPending();
}

size_t RemovePendingCgroups(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    RetryPending();
    std::lock_guard<std::mutex> lock(pending_mu);
    if (Pending().empty() || absl::Now() >= deadline) return Pending().size();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

absl::Status RunCgroup::Add(pid_t pid) {
  absl::Status status;
  for (const std::string& dir : dirs_) {
    if (!WriteFile(dir + "/cgroup.procs", std::to_string(pid)) && status.ok()) {
      status = ErrnoError("add the run to its cgroups");
    }
  }
  return status;
}

bool RunCgroup::OutOfMemory() const {
  if (memory_dir_.empty()) return false;
  if (memory_v2_) return Field(Read(memory_dir_ + "/memory.events"), "oom_kill") > 0;
  return Field(Read(memory_dir_ + "/memory.oom_control"), "oom_kill") > 0;
}

}  // namespace sandbox
