#include "sandbox/cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

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

// A group under `root` (a controller's hierarchy), or "" when not writable.
std::string MakeGroup(const std::string& root, const std::string& name) {
  if (access(root.c_str(), W_OK) != 0) return "";
  std::string parent = root + "/reward-sandbox";
  if (!MakeDir(parent)) return "";
  std::string dir = parent + "/" + name;
  return MakeDir(dir) ? dir : "";
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

}  // namespace

RunCgroup::RunCgroup(const std::string& name, long max_pids, long long memory_bytes) {
  struct stat st;
  v2_ = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
  if (v2_) {
    std::string controllers = Read("/sys/fs/cgroup/cgroup.controllers");
    if (controllers.find("pids") == std::string::npos) return;
    std::string parent = "/sys/fs/cgroup/reward-sandbox";
    if (!MakeDir(parent)) return;
    WriteFile("/sys/fs/cgroup/cgroup.subtree_control", "+pids +memory");
    WriteFile(parent + "/cgroup.subtree_control", "+pids +memory");
    std::string dir = parent + "/" + name;
    if (!MakeDir(dir)) return;
    dirs_.push_back(dir);
    bool pids = WriteFile(dir + "/pids.max", std::to_string(max_pids));
    bool memory = WriteFile(dir + "/memory.max", std::to_string(memory_bytes)) &&
                  WriteFile(dir + "/memory.swap.max", "0");
    if (memory) memory_dir_ = dir;
    description_ = std::string(pids ? "pids" : "") + (pids && memory ? "+" : "") + (memory ? "memory" : "") + " (v2)";
    return;
  }
  std::string pids_dir = MakeGroup("/sys/fs/cgroup/pids", name);
  bool pids = !pids_dir.empty() && WriteFile(pids_dir + "/pids.max", std::to_string(max_pids));
  if (!pids_dir.empty()) dirs_.push_back(pids_dir);
  std::string mem_dir = MakeGroup("/sys/fs/cgroup/memory", name);
  bool memory = !mem_dir.empty() && WriteFile(mem_dir + "/memory.limit_in_bytes", std::to_string(memory_bytes));
  if (!mem_dir.empty()) {
    dirs_.push_back(mem_dir);
    WriteFile(mem_dir + "/memory.memsw.limit_in_bytes", std::to_string(memory_bytes));  // absent without swap accounting
    if (memory) memory_dir_ = mem_dir;
  }
  if (pids || memory) {
    description_ = std::string(pids ? "pids" : "") + (pids && memory ? "+" : "") + (memory ? "memory" : "") + " (v1)";
  }
}

RunCgroup::~RunCgroup() {
  for (const std::string& dir : dirs_) {
    // The last processes may still be leaving; retry briefly.
    for (int i = 0; i < 50 && rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}

void RunCgroup::Add(pid_t pid) {
  for (const std::string& dir : dirs_) WriteFile(dir + "/cgroup.procs", std::to_string(pid));
}

bool RunCgroup::OutOfMemory() const {
  if (memory_dir_.empty()) return false;
  if (v2_) return Field(Read(memory_dir_ + "/memory.events"), "oom_kill") > 0;
  return Field(Read(memory_dir_ + "/memory.oom_control"), "oom_kill") > 0;
}

}  // namespace sandbox
