#include "sandbox/mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "sandbox/errors.h"
#include "sandbox/io.h"

namespace sandbox {
namespace {

// The root is built here: any existing directory serves as a mount point.
constexpr char kRoot[] = "/tmp";

absl::Status Require(bool ok, const std::string& what) { return ok ? absl::OkStatus() : ErrnoError(what); }

// Binds `from` read-only at `to` (a symlink is copied as a symlink: /bin ->
// usr/bin on merged-/usr systems); nothing when `from` is not on this system.
absl::Status BindReadOnly(const std::string& from, const std::string& to, bool is_dir) {
  struct stat st;
  if (lstat(from.c_str(), &st) != 0) return absl::OkStatus();
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlink(from.c_str(), target, sizeof target - 1);
    SANDBOX_RETURN_IF_ERROR(Require(n > 0, "readlink " + from));
    target[n] = 0;
    return Require(symlink(target, to.c_str()) == 0, "symlink " + to);
  }
  if (is_dir) {
    SANDBOX_RETURN_IF_ERROR(Require(mkdir(to.c_str(), 0755) == 0, "mkdir " + to));
  } else {
    int fd = open(to.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    SANDBOX_RETURN_IF_ERROR(Require(fd >= 0, "create " + to));
    close(fd);
  }
  SANDBOX_RETURN_IF_ERROR(Require(mount(from.c_str(), to.c_str(), nullptr, MS_BIND | MS_REC, nullptr) == 0, "bind " + from));
  return Require(
      mount(nullptr, to.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) == 0,
      "read-only " + to);
}

// The system's programs and libraries, read-only.
absl::Status BindSystem(const std::string& root) {
  for (const char* dir : {"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"}) {
    SANDBOX_RETURN_IF_ERROR(BindReadOnly(dir, root + dir, true));
  }
  SANDBOX_RETURN_IF_ERROR(Require(mkdir((root + "/etc").c_str(), 0755) == 0, "mkdir /etc"));
  for (const char* file : {"/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"}) {
    struct stat st;
    if (stat(file, &st) == 0) SANDBOX_RETURN_IF_ERROR(BindReadOnly(file, root + file, S_ISDIR(st.st_mode)));
  }
  return absl::OkStatus();
}

// /proc of the run's PID namespace (it shows only the sandbox's processes)
// and a minimal /dev.
absl::Status MountProcAndDev(const std::string& root) {
  SANDBOX_RETURN_IF_ERROR(Require(mkdir((root + "/proc").c_str(), 0555) == 0, "mkdir /proc"));
  // Containers that mask parts of their own /proc (podman, docker) forbid a
  // fresh proc mount; then the sandbox has an empty /proc, which reveals even
  // less (Python and compilers run without it).
  if (mount("proc", (root + "/proc").c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0 &&
      errno != EPERM) {
    return ErrnoError("mount /proc");
  }
  SANDBOX_RETURN_IF_ERROR(Require(mkdir((root + "/dev").c_str(), 0755) == 0, "mkdir /dev"));
  SANDBOX_RETURN_IF_ERROR(Require(mount("sandbox-dev", (root + "/dev").c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC,
                                 "size=64k,mode=0755") == 0,
                           "tmpfs /dev"));
  for (const char* dev : {"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"}) {
    std::string to = root + dev;
    int fd = open(to.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
    SANDBOX_RETURN_IF_ERROR(Require(fd >= 0, "create " + to));
    close(fd);
    SANDBOX_RETURN_IF_ERROR(Require(mount(dev, to.c_str(), nullptr, MS_BIND, nullptr) == 0, std::string("bind ") + dev));
  }
  // The devices stay usable (they are mounts of their own); /dev itself
  // takes no new files, and none of the four can be replaced.
  return Require(mount(nullptr, (root + "/dev").c_str(), nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
                       "size=64k,mode=0755") == 0,
                 "read-only /dev");
}

// The only writable place, with the request's files.
absl::Status MountWork(const std::string& root, v1::RunRequest* request, const RunLimits& limits) {
  SANDBOX_RETURN_IF_ERROR(Require(mkdir((root + "/work").c_str(), 0777) == 0, "mkdir /work"));
  std::string size = "size=" + std::to_string(limits.workdir_mb) + "m,mode=0777";
  SANDBOX_RETURN_IF_ERROR(Require(
      mount("sandbox-work", (root + "/work").c_str(), "tmpfs", MS_NOSUID | MS_NODEV, size.c_str()) == 0,
      "tmpfs /work"));
  SANDBOX_RETURN_IF_ERROR(Require(symlink("work", (root + "/tmp").c_str()) == 0, "symlink /tmp"));
  for (auto& [name, content] : *request->mutable_files()) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      return absl::InvalidArgumentError("bad file name '" + name + "'");
    }
    std::string path = root + "/work/" + name;
    bool executable = false;
    for (const auto& e : request->executable()) executable = executable || e == name;
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, executable ? 0755 : 0644);
    const bool written = fd >= 0 && WriteAll(fd, content.data(), content.size());
    if (fd >= 0) close(fd);
    SANDBOX_RETURN_IF_ERROR(Require(written, "write " + name));
    std::string().swap(content);
  }
  return absl::OkStatus();
}

// Into the new root: the old one is detached and gone; the root is read-only.
absl::Status PivotInto(const std::string& root) {
  SANDBOX_RETURN_IF_ERROR(Require(chdir(root.c_str()) == 0, "chdir new root"));
  SANDBOX_RETURN_IF_ERROR(Require(syscall(SYS_pivot_root, ".", ".") == 0, "pivot_root"));
  SANDBOX_RETURN_IF_ERROR(Require(umount2(".", MNT_DETACH) == 0, "detach old root"));
  SANDBOX_RETURN_IF_ERROR(Require(chdir("/") == 0, "chdir /"));
  SANDBOX_RETURN_IF_ERROR(Require(
      mount(nullptr, "/", nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=0755") == 0,
      "read-only root"));
  return Require(chdir("/work") == 0, "chdir /work");
}

}  // namespace

absl::Status BuildFilesystem(v1::RunRequest* request, const RunLimits& limits) {
  const std::string root = kRoot;
  SANDBOX_RETURN_IF_ERROR(Require(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0, "make / private"));
  SANDBOX_RETURN_IF_ERROR(Require(
      mount("sandbox-root", root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") == 0, "tmpfs root"));
  SANDBOX_RETURN_IF_ERROR(BindSystem(root));
  SANDBOX_RETURN_IF_ERROR(MountProcAndDev(root));
  SANDBOX_RETURN_IF_ERROR(MountWork(root, request, limits));
  return PivotInto(root);
}

}  // namespace sandbox
