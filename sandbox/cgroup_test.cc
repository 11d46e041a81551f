#include "sandbox/cgroup.h"

#include <glob.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sandbox {
namespace {

// The directories of the group `name` under every hierarchy.
std::vector<std::string> Dirs(const std::string& name) {
  std::vector<std::string> out;
  for (const char* pattern : {"/sys/fs/cgroup/*/reward-sandbox/", "/sys/fs/cgroup/*/*/*/reward-sandbox/",
                              "/sys/fs/cgroup/reward-sandbox/", "/sys/fs/cgroup/unified/reward-sandbox/"}) {
    glob_t g;
    if (glob(absl::StrCat(pattern, name).c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.push_back(g.gl_pathv[i]);
    }
    globfree(&g);
  }
  return out;
}

// A group whose process is still there when the run's RunCgroup goes (a
// killed run not yet reaped on a loaded machine) used to stay behind for
// good; now it is removed once the process is gone.
TEST(RunCgroupTest, AGroupLeftBusyIsRemovedLater) {
  const std::string name = absl::StrCat("test-", getpid());
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  {
    RunCgroup group(name, 16, 64 << 20);
    if (group.description().empty()) {
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
      GTEST_SKIP() << "no cgroup can be made here";
    }
    ASSERT_TRUE(group.Add(child).ok());
    ASSERT_FALSE(Dirs(name).empty());
  }
  // Still busy: the process is alive.
  EXPECT_FALSE(Dirs(name).empty());
  EXPECT_GT(RemovePendingCgroups(absl::ZeroDuration()), 0u);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_EQ(RemovePendingCgroups(absl::Seconds(30)), 0u);
  EXPECT_TRUE(Dirs(name).empty());
}

}  // namespace
}  // namespace sandbox
