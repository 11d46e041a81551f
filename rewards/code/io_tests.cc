#include "rewards/code/io_tests.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "rewards/code/compile_cache.h"
#include "rewards/code/extract.h"

namespace rewards {

absl::Status RunIoTests(sandbox::Sandbox& box, const reward::v1::Tests& t, const IoProgram& program,
                        const IoOptions& o, TestTally* tally, IoProgress* progress) {
  for (int i = 0; i < t.io_size() && tally->total() < o.budget; ++i) {
    if (o.stop_on_first_failure && tally->failed()) break;
    if (o.cancelled()) break;
    if (!o.fits(o.limits->wall_ms())) {
      progress->out_of_time = true;
      break;
    }
    ++progress->done;
    sandbox::v1::RunRequest req;
    *req.mutable_limits() = *o.limits;
    if (program.cpp) {
      req.add_argv("/work/solution");  // the binary's file comes with the prefix below
      // Room for the binary (up to kMaxBinaryMb) beside the usual 16 MB: a
      // big binary must run, not fail to be written.
      req.mutable_limits()->set_workdir_mb(16 + static_cast<uint32_t>(program.binary->binary_bytes >> 20) + 1);
    } else {
      req.add_argv("/usr/bin/python3");
      req.add_argv("-S");
      req.add_argv("solution.py");
      (*req.mutable_files())["solution.py"] = *program.source;
    }
    req.set_stdin(t.io(i).stdin());
    auto r = program.cpp ? box.Run(req, *program.binary->program) : box.Run(req);
    if (!r.ok()) return r.status();
    progress->max_setup_ms = std::max(progress->max_setup_ms, r->setup_ms());
    if (r->outcome() == sandbox::v1::RunResult::EXITED && r->exit_code() == 0) {
      if (OutputsMatch(r->stdout(), t.io(i).stdout(), o.float_tolerance)) {
        tally->Record({TestStatus::kPassed, ""});
      } else {
        tally->Record({TestStatus::kWrongAnswer,
                       absl::StrCat("test ", i, ": input \"", Clip(t.io(i).stdin()), "\" expected \"",
                                    Clip(t.io(i).stdout()), "\" got \"", Clip(r->stdout()), "\"")});
      }
    } else {
      TestOutcome outcome = Classify(*r);
      outcome.detail = absl::StrCat("test ", i, ": ", outcome.detail);
      tally->Record(outcome);
    }
  }
  return absl::OkStatus();
}

}  // namespace rewards
