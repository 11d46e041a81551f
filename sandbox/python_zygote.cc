#include "sandbox/python_zygote.h"

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

namespace sandbox {
namespace python_zygote {
namespace {

// What unit tests and their harness commonly import: loaded once here, so a
// run finds them in sys.modules instead of reading and executing them.
constexpr char kPreload[] = R"PY(
for _name in ("json", "math", "re", "collections", "itertools", "functools", "heapq", "bisect",
              "typing", "string", "random", "copy", "ast", "traceback", "ctypes", "select",
              "struct", "operator", "io", "fractions", "decimal", "datetime", "statistics",
              "dataclasses", "enum", "textwrap", "array", "queue", "hashlib", "unittest",
              "socket", "signal"):
    try:
        __import__(_name)
    except Exception:
        pass
# Everything loaded so far is the zygote's: a run's garbage collections skip
# it, so they do not touch (and copy) those pages.
import gc
gc.freeze()
)PY";

// The end of the interpreter's main as a program sees it: threads joined,
// atexit handlers run, the standard streams flushed. The teardown of every
// module after that (Py_FinalizeEx) would cost a run more than its start and
// is left to _exit, as os._exit does.
constexpr char kShutdown[] = R"PY(
import sys
_t = sys.modules.get("threading")
if _t is not None:
    _t._shutdown()
import atexit
atexit._run_exitfuncs()
for _s in (sys.stdout, sys.stderr):
    if _s is not None:
        _s.flush()
)PY";

// kShutdown, compiled once by Preload: it ends every warm run.
PyObject*& ShutdownCode() {
  static PyObject* code = nullptr;
  return code;
}

// Runs compiled `code` in a fresh namespace with the builtins; false (the
// exception cleared) when it raised.
bool ExecFresh(PyObject* code) {
  PyObject* globals = PyDict_New();
  PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
  PyObject* result = PyEval_EvalCode(code, globals, globals);
  if (result == nullptr) PyErr_Clear();
  Py_XDECREF(result);
  Py_DECREF(globals);
  return result != nullptr;
}

int& State() {  // 0 not tried, 1 loaded, -1 failed
  static int state = 0;
  return state;
}

std::string& Failure() {
  static auto* failure = new std::string();
  return *failure;
}

// The interpreter this zygote embeds, e.g. "/usr/bin/python3.11".
std::string VersionedInterpreter() {
  return "/usr/bin/python" + std::to_string(PY_MAJOR_VERSION) + "." + std::to_string(PY_MINOR_VERSION);
}

// /usr/bin/python3 must be that same interpreter (it is a symlink to it on
// Debian); otherwise a warm run would not be what the request asked for.
bool IsOurInterpreter(const std::string& path) {
  static const std::string ours = [] {
    char real[PATH_MAX];
    return realpath(VersionedInterpreter().c_str(), real) ? std::string(real) : std::string();
  }();
  if (ours.empty()) return false;
  if (path != "/usr/bin/python3" && path != VersionedInterpreter()) return false;
  char real[PATH_MAX];
  return realpath(path.c_str(), real) != nullptr && ours == real;
}

}  // namespace

std::optional<WarmRun> Plan(const v1::RunRequest& request) {
  if (request.exec_only() || request.argv_size() < 2 || !IsOurInterpreter(request.argv(0))) return std::nullopt;
  bool no_site = false;
  int i = 1;
  for (; i < request.argv_size(); ++i) {
    const std::string& opt = request.argv(i);
    if (opt == "-S") {
      no_site = true;
    } else if (opt == "-B") {
      // bytecode is never written (PYTHONDONTWRITEBYTECODE) either way
    } else if (opt == "-SB" || opt == "-BS") {
      no_site = true;
    } else {
      break;
    }
  }
  if (!no_site || i >= request.argv_size()) return std::nullopt;
  WarmRun run;
  run.interpreter = request.argv(0);
  if (request.argv(i) == "-c") {
    if (i + 1 >= request.argv_size()) return std::nullopt;
    run.is_command = true;
    run.program = request.argv(i + 1);
    run.argv.push_back("-c");
    i += 2;
  } else if (!request.argv(i).empty() && request.argv(i)[0] != '-') {
    run.program = request.argv(i);
    run.argv.push_back(request.argv(i));
    i += 1;
  } else {
    return std::nullopt;  // other options: the cold interpreter parses them
  }
  for (; i < request.argv_size(); ++i) run.argv.push_back(request.argv(i));
  return run;
}

bool Loaded() { return State() == 1; }

bool Preload(const std::vector<std::string>& environment, std::string* error) {
  if (State() != 0) {
    if (State() < 0) *error = Failure();
    return State() > 0;
  }
  State() = -1;
  // The interpreter reads its environment (and os.environ copies it) now:
  // it must be the sandbox's, never the runner's.
  clearenv();
  for (const std::string& e : environment) {
    size_t eq = e.find('=');
    if (eq != std::string::npos) setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
  }
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.site_import = 0;  // as -S
  config.write_bytecode = 0;
  config.parse_argv = 0;
  config.user_site_directory = 0;
  PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, VersionedInterpreter().c_str());
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    Failure() = std::string("python init: ") + (status.err_msg ? status.err_msg : "failed");
    *error = Failure();
    return false;
  }
  PyObject* preload = Py_CompileString(kPreload, "<zygote preload>", Py_file_input);
  if (preload != nullptr) {
    ExecFresh(preload);  // a module that fails to import is simply not preloaded
    Py_DECREF(preload);
  } else {
    PyErr_Clear();
  }
  ShutdownCode() = Py_CompileString(kShutdown, "<zygote shutdown>", Py_file_input);
  if (ShutdownCode() == nullptr) {
    PyErr_Clear();
    Failure() = "python init: cannot compile the shutdown snippet";
    *error = Failure();
    return false;
  }
  State() = 1;
  return true;
}

namespace {

// source -> code object, oldest first; a few entries.
std::vector<std::pair<std::string, PyObject*>>& CompiledScripts() {
  static auto* scripts = new std::vector<std::pair<std::string, PyObject*>>();
  return *scripts;
}

}  // namespace

const std::string* TrustedScript(const v1::RunRequest& request, const WarmRun& run, std::string* name) {
  if (!request.trusted_script() || run.is_command) return nullptr;
  *name = run.program;
  if (name->rfind("/work/", 0) == 0) *name = name->substr(6);
  auto file = request.files().find(*name);
  return file == request.files().end() ? nullptr : &file->second;
}

void CompileTrusted(const std::string& name, const std::string& source) {
  if (!Loaded()) return;
  auto& scripts = CompiledScripts();
  for (const auto& s : scripts) {
    if (s.first == source) return;
  }
  PyObject* code = Py_CompileString(source.c_str(), ("/work/" + name).c_str(), Py_file_input);
  if (code == nullptr) {  // left to the run, which reports the error as the interpreter would
    PyErr_Clear();
    return;
  }
  if (scripts.size() >= 8) {
    Py_DECREF(scripts.front().second);
    scripts.erase(scripts.begin());
  }
  scripts.emplace_back(source, code);
}

void FindCompiled(const v1::RunRequest& request, WarmRun* run) {
  std::string name;
  const std::string* source = TrustedScript(request, *run, &name);
  if (source == nullptr) return;
  for (const auto& s : CompiledScripts()) {
    if (s.first == *source) run->compiled = s.second;
  }
}

void BeforeFork() {
  if (Loaded()) PyOS_BeforeFork();
}

void AfterForkInParent() {
  if (Loaded()) PyOS_AfterFork_Parent();
}

void Run(const WarmRun& run) {
  PyOS_AfterFork_Child();  // at-fork hooks: `random` reseeds, locks reset
  PyObject* argv = PyList_New(0);
  for (const std::string& a : run.argv) {
    PyObject* s = PyUnicode_DecodeFSDefaultAndSize(a.data(), static_cast<Py_ssize_t>(a.size()));
    PyList_Append(argv, s);
    Py_DECREF(s);
  }
  PySys_SetObject("argv", argv);
  Py_DECREF(argv);
  PyObject* executable = PyUnicode_DecodeFSDefault(run.interpreter.c_str());
  PySys_SetObject("executable", executable);
  Py_XDECREF(executable);
  // sys.path[0]: the script's directory, or "" for -c, as the interpreter sets it.
  std::string path = run.program;
  if (!run.is_command && path[0] != '/') {
    char cwd[PATH_MAX];
    path = std::string(getcwd(cwd, sizeof cwd) ? cwd : "/work") + "/" + path;
  }
  std::string dir = run.is_command ? "" : path.substr(0, path.rfind('/'));
  if (!run.is_command && dir.empty()) dir = "/";
  PyObject* sys_path = PySys_GetObject("path");  // borrowed
  PyObject* first = PyUnicode_DecodeFSDefault(dir.c_str());
  if (sys_path != nullptr && first != nullptr) PyList_Insert(sys_path, 0, first);
  Py_XDECREF(first);

  PyCompilerFlags flags = _PyCompilerFlags_INIT;
  int rc;
  if (run.compiled != nullptr) {
    PyObject* main = PyImport_AddModule("__main__");  // borrowed
    PyObject* globals = PyModule_GetDict(main);       // borrowed
    PyObject* file = PyUnicode_DecodeFSDefault(path.c_str());
    PyDict_SetItemString(globals, "__file__", file);
    Py_XDECREF(file);
    PyObject* result = PyEval_EvalCode(const_cast<PyObject*>(static_cast<const PyObject*>(run.compiled)), globals,
                                       globals);
    rc = result != nullptr ? 0 : -1;
    if (result == nullptr) PyErr_Print();  // SystemExit exits here, as in a script
    Py_XDECREF(result);
  } else if (run.is_command) {
    rc = PyRun_SimpleStringFlags(run.program.c_str(), &flags);
  } else {
    FILE* fp = std::fopen(path.c_str(), "rb");
    if (fp == nullptr) {
      int e = errno;
      std::fprintf(stderr, "%s: can't open file '%s': [Errno %d] %s\n", run.interpreter.c_str(),
                   path.c_str(), e, std::strerror(e));
      _exit(2);
    }
    rc = PyRun_SimpleFileExFlags(fp, path.c_str(), 1, &flags);  // closes fp
  }
  // As the interpreter's main: an uncaught exception (already printed) is 1;
  // SystemExit never returns here (it finalizes and exits itself). A failure
  // to flush is 120.
  int status = rc == 0 ? 0 : 1;
  if (!ExecFresh(ShutdownCode()) && status == 0) status = 120;
  _exit(status);
}

}  // namespace python_zygote
}  // namespace sandbox
