// reward-cli: score JSONL files against a running reward-server, compare two
// reward specs on the same data, list the server's verifiers, check its
// health. `reward-cli --help` lists the commands, `reward-cli help score` a
// command's flags.
//
//   reward-cli score --input examples/math.jsonl --profile r1_zero
//   reward-cli score --input - --reward '[{"verifier":"format","weight":0.1}]' --json < groups.jsonl
//   reward-cli diff --input examples/math.jsonl --profile r1_zero --profile r1
//   reward-cli verifiers
//   reward-cli health
//
// Input: one group per line, in the API's JSON shape
//   {"id":"q1","prompt":"...","completions":[{"id":"o1","text":"..."}],"reference":{"answer":"14"}}
//
// The pieces: cli_flags (command line and usage), cli_input (reading and
// batching), stream_scorer (ScoreStream with a deadline per batch), output
// (table, JSON, CSV), summary, diff, progress.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/channel.h"
#include "client/cli_flags.h"
#include "client/cli_input.h"
#include "client/diff.h"
#include "client/output.h"
#include "client/progress.h"
#include "client/stream_scorer.h"
#include "client/summary.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "reward/v1/reward.grpc.pb.h"

ABSL_FLAG(std::string, address, "localhost:50051",
          "Server address: host:port, several as host1:port1,host2:port2, or dns:///name:port (every "
          "address of the name); calls are spread round robin and retried on UNAVAILABLE");
ABSL_FLAG(bool, tls, false, "Connect with TLS (the system's CA roots unless --tls_ca)");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA bundle to check the server's certificate against (implies --tls)");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate, for servers that require one (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_server_name, "", "Name to check in the server's certificate, if not the address's");
ABSL_FLAG(std::string, token_file, "",
          "File whose first line is the bearer token to send (default: $REWARD_TOKEN, if set)");
ABSL_FLAG(double, timeout, 60,
          "Seconds the server may spend on one batch (score, diff: a batch that takes longer fails alone, "
          "the others go on), or on the call (verifiers, health)");
ABSL_FLAG(std::string, input, "", "JSONL file of groups, one per line; - reads standard input");
ABSL_FLAG(std::string, profile, "",
          "The server's reward profile, e.g. r1_zero, r1, code (see `reward-cli verifiers`); default: the "
          "server's default. diff takes two (or one and a --reward)");
ABSL_FLAG(std::string, reward, "",
          "Reward terms as JSON instead of a profile, e.g. '[{\"verifier\":\"format\",\"weight\":0.1}]'; "
          "diff takes two (or one and a --profile)");
ABSL_FLAG(std::string, advantage, "",
          "Advantage estimator: grpo (default), dr_grpo, rloo, reinforce_pp_baseline, batch_norm, none");
ABSL_FLAG(bool, json, false,
          "JSON instead of a table, one object per line (score: a group; diff: a changed sample, then the "
          "counts; verifiers: the whole answer)");
ABSL_FLAG(bool, csv, false, "CSV instead of a table: a header, then one row per component of each sample");
ABSL_FLAG(bool, summary, false,
          "Print the summary alone: per component mean score, full marks, statuses and most frequent "
          "reasons; per group mean and std. (The table ends with it anyway.)");
ABSL_FLAG(int, batch, 32,
          "Groups per request; estimators that normalise over the batch (batch_norm, grpo with scale "
          "batch) see this many groups at a time");
ABSL_FLAG(bool, progress, true,
          "Show progress on stderr (samples done/total, rate, time left) when it is a terminal; "
          "--noprogress hides it");

namespace {

using reward::v1::GroupResult;
using reward::v1::ScoreRequest;
using reward::v1::ScoreResponse;

std::atomic<bool> g_interrupted{false};

// The first Ctrl-C stops the run cleanly (what was printed stays, and the
// run says how far it got); a second one kills as usual.
void OnSigint(int) {
  g_interrupted = true;
  std::signal(SIGINT, SIG_DFL);
}

int Fail(const std::string& message, int code = 2) {
  std::fprintf(stderr, "reward-cli: %s\n", message.c_str());
  return code;
}

int FailRpc(const grpc::Status& st) {
  return Fail(absl::StrCat("server answered ", st.error_code(), " (",
                           absl::StatusCodeToString(static_cast<absl::StatusCode>(st.error_code())),
                           "): ", st.error_message()),
              1);
}

// The connection flags (client/channel.h); exits on a bad one.
const client::ChannelOptions& Options() {
  static const client::ChannelOptions* options = [] {
    auto* o = new client::ChannelOptions;
    o->address = absl::GetFlag(FLAGS_address);
    o->tls = absl::GetFlag(FLAGS_tls);
    o->tls_ca = absl::GetFlag(FLAGS_tls_ca);
    o->tls_cert = absl::GetFlag(FLAGS_tls_cert);
    o->tls_key = absl::GetFlag(FLAGS_tls_key);
    o->tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
    absl::StatusOr<std::string> token = client::ReadToken(absl::GetFlag(FLAGS_token_file));
    if (!token.ok()) std::exit(Fail(std::string(token.status().message())));
    o->token = *token;
    return o;
  }();
  return *options;
}

void SetDeadline(grpc::ClientContext* ctx) {
  client::PrepareCall(Options(), absl::Seconds(absl::GetFlag(FLAGS_timeout)), ctx);
}

std::shared_ptr<grpc::Channel> Connect() {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::MakeChannel(Options());
  if (!channel.ok()) std::exit(Fail(std::string(channel.status().message())));
  return *channel;
}

// The request every batch copies: the reward (a profile or explicit terms),
// the advantage estimator and the per-batch deadline.
absl::StatusOr<ScoreRequest> BaseRequest(const std::string& profile, const std::string& reward) {
  if (!profile.empty() && !reward.empty()) return absl::InvalidArgumentError("give --profile or --reward, not both");
  ScoreRequest base;
  if (!profile.empty()) base.set_profile(profile);
  if (!reward.empty()) {
    auto st = google::protobuf::util::JsonStringToMessage(absl::StrCat("{\"reward\":", reward, "}"), &base);
    if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat("--reward: ", st.message().as_string()));
  }
  if (!absl::GetFlag(FLAGS_advantage).empty()) {
    base.mutable_advantage()->set_estimator(absl::GetFlag(FLAGS_advantage));
  }
  base.set_timeout_ms(static_cast<uint32_t>(std::min(4e9, std::max(1.0, absl::GetFlag(FLAGS_timeout) * 1000))));
  return base;
}

absl::StatusOr<std::vector<cli::InputGroup>> ReadInput(const std::string& command) {
  const std::string input = absl::GetFlag(FLAGS_input);
  if (input.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(command, " needs --input FILE.jsonl (or - for stdin)"));
  }
  if (input == "-") return cli::ReadGroups(std::cin, "stdin");
  std::ifstream file(input);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open ", input));
  return cli::ReadGroups(file, input);
}

std::vector<ScoreRequest> MakeRequests(const ScoreRequest& base, const std::vector<cli::InputGroup>& groups,
                                       const std::vector<cli::Batch>& batches) {
  std::vector<ScoreRequest> requests;
  for (const cli::Batch& b : batches) {
    ScoreRequest req = base;
    for (size_t i = b.begin; i < b.end; ++i) *req.add_groups() = groups[i].group;
    requests.push_back(std::move(req));
  }
  return requests;
}

cli::StreamOptions MakeStreamOptions(cli::ProgressLine* progress) {
  cli::StreamOptions options;
  options.interrupted = [] { return g_interrupted.load(); };
  options.progress = [progress](size_t done) { progress->Update(done); };
  options.prepare = [](grpc::ClientContext* context) {
    // The token only: the stream has no deadline of its own (each batch has).
    if (!Options().token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", Options().token));
  };
  // Each answer is due within --timeout of the server starting on it; the
  // rest is room for a busy server before the client gives up.
  options.stall = absl::Seconds(2 * absl::GetFlag(FLAGS_timeout) + 30);
  return options;
}

constexpr char kDeadlineHint[] =
    "reward-cli: (--timeout is the time one batch may take: raise it, or send fewer groups per batch with "
    "--batch)\n";

// A group of a batch that failed as a whole, as the output shows it.
GroupResult FailedGroup(const cli::InputGroup& in, const ScoreResponse& resp) {
  GroupResult g;
  g.set_id(in.group.id());
  g.set_status(resp.error_code());
  g.set_error(resp.error_message());
  return g;
}

// The closing line on stderr when not every batch was printed: why, and how
// far the output goes.
int ReportIncomplete(const cli::StreamOutcome& outcome, size_t groups_done, size_t samples_done,
                     const std::vector<cli::InputGroup>& groups, size_t total_samples) {
  std::string why;
  int code = 1;
  if (outcome.interrupted) {
    why = "interrupted";
    code = 130;
  } else if (outcome.stalled) {
    why = absl::StrCat("no answer from the server for ", 2 * absl::GetFlag(FLAGS_timeout) + 30, " s");
  } else if (outcome.stopped) {
    why = "stopped";
  } else if (!outcome.status.ok()) {
    why = absl::StrCat("the stream failed: ",
                       absl::StatusCodeToString(static_cast<absl::StatusCode>(outcome.status.error_code())), ": ",
                       outcome.status.error_message());
  } else {
    why = "the stream ended early";
  }
  std::string done = groups_done == 0 ? "nothing printed"
                                      : absl::StrCat("printed ", groups_done, " of ", groups.size(), " groups (",
                                                     samples_done, " of ", total_samples, " samples, ",
                                                     cli::DescribeLines(groups, 0, groups_done), ")");
  return Fail(absl::StrCat(why, ": ", done), code);
}

int Score() {
  const bool json = absl::GetFlag(FLAGS_json);
  const bool csv = absl::GetFlag(FLAGS_csv);
  const bool summary_only = absl::GetFlag(FLAGS_summary);
  if (json && csv) return Fail("give --json or --csv, not both");
  auto groups = ReadInput("score");
  if (!groups.ok()) return Fail(std::string(groups.status().message()));
  auto base = BaseRequest(absl::GetFlag(FLAGS_profile), absl::GetFlag(FLAGS_reward));
  if (!base.ok()) return Fail(std::string(base.status().message()));
  const std::string estimator = base->advantage().estimator().empty() ? "grpo" : base->advantage().estimator();

  const std::vector<cli::Batch> batches = cli::MakeBatches(groups->size(), absl::GetFlag(FLAGS_batch));
  const size_t total_samples = cli::CountSamples(*groups, 0, groups->size());
  cli::ProgressLine progress(total_samples, absl::GetFlag(FLAGS_progress) && isatty(STDERR_FILENO));
  cli::Summary summary;
  size_t groups_done = 0;
  size_t samples_done = 0;
  size_t failed_batches = 0;
  bool fatal = false;

  auto emit = [&](const GroupResult& g) {
    summary.Add(g);
    if (summary_only) return;
    std::string text = json ? cli::JsonGroup(g) : csv ? cli::CsvRows(g) : cli::TableGroup(g, estimator);
    std::fwrite(text.data(), 1, text.size(), stdout);
  };
  if (csv && !summary_only) std::fputs(cli::CsvHeader().c_str(), stdout);

  auto stub = reward::v1::RewardService::NewStub(Connect());
  cli::StreamOutcome outcome = cli::RunStream(
      stub.get(), MakeRequests(*base, *groups, batches), MakeStreamOptions(&progress),
      [&](size_t i, const ScoreResponse& resp) {
        const cli::Batch& b = batches[i];
        progress.Clear();
        if (!resp.error_code().empty()) {
          std::fprintf(stderr, "reward-cli: batch %zu of %zu (%s) failed: %s: %s\n", i + 1, batches.size(),
                       cli::DescribeLines(*groups, b.begin, b.end).c_str(), resp.error_code().c_str(),
                       resp.error_message().c_str());
          // Only a batch that ran out of time may fail alone; any other
          // request error (a bad --reward, ...) would fail every batch.
          if (resp.error_code() != "DEADLINE_EXCEEDED") {
            fatal = true;
            return false;
          }
          if (failed_batches == 0) std::fputs(kDeadlineHint, stderr);
          ++failed_batches;
          for (size_t k = b.begin; k < b.end; ++k) emit(FailedGroup((*groups)[k], resp));
        } else {
          for (const GroupResult& g : resp.groups()) emit(g);
        }
        std::fflush(stdout);
        groups_done = b.end;
        samples_done += cli::CountSamples(*groups, b.begin, b.end);
        return true;
      });
  progress.Clear();

  if ((summary_only || (!json && !csv)) && summary.groups() > 0) {
    std::string text = summary.Render();
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  std::fflush(stdout);
  if (groups_done < groups->size()) {
    if (fatal) return 1;  // the batch's error is printed; the rest would fail the same way
    if (outcome.delivered == 0 && !outcome.status.ok() && !outcome.interrupted) return FailRpc(outcome.status);
    return ReportIncomplete(outcome, groups_done, samples_done, *groups, total_samples);
  }
  if (failed_batches > 0) {
    return Fail(absl::StrCat(failed_batches, " of ", batches.size(), " batches failed (see above); the other ",
                             "groups are printed"),
                1);
  }
  return 0;
}

// How a diff side is named in its output.
std::string SideName(const std::pair<std::string, std::string>& side) {
  return absl::StrCat("--", side.first, " ", cli::Clip(side.second, 100));
}

int DiffCommand(const std::vector<std::pair<std::string, std::string>>& sides) {
  if (sides.size() != 2) {
    return Fail(absl::StrCat("diff needs two reward specs: --profile A --profile B, two --reward JSON, or one ",
                             "of each (got ", sides.size(), ")"));
  }
  const bool json = absl::GetFlag(FLAGS_json);
  auto groups = ReadInput("diff");
  if (!groups.ok()) return Fail(std::string(groups.status().message()));
  std::vector<ScoreRequest> bases;
  for (const auto& side : sides) {
    auto base = BaseRequest(side.first == "profile" ? side.second : "", side.first == "reward" ? side.second : "");
    if (!base.ok()) return Fail(absl::StrCat(SideName(side), ": ", base.status().message()));
    bases.push_back(*std::move(base));
  }
  const std::vector<cli::Batch> batches = cli::MakeBatches(groups->size(), absl::GetFlag(FLAGS_batch));
  // A's and B's batches alternate on one stream, so that each pair arrives
  // together and is compared and printed at once.
  std::vector<ScoreRequest> a = MakeRequests(bases[0], *groups, batches);
  std::vector<ScoreRequest> b = MakeRequests(bases[1], *groups, batches);
  std::vector<ScoreRequest> requests;
  for (size_t i = 0; i < batches.size(); ++i) {
    requests.push_back(std::move(a[i]));
    requests.push_back(std::move(b[i]));
  }
  const size_t total_samples = cli::CountSamples(*groups, 0, groups->size());
  cli::ProgressLine progress(2 * total_samples, absl::GetFlag(FLAGS_progress) && isatty(STDERR_FILENO));
  cli::Diff diff;
  ScoreResponse pending_a;
  size_t groups_done = 0;
  size_t samples_done = 0;
  size_t failed_batches = 0;
  bool fatal = false;

  auto stub = reward::v1::RewardService::NewStub(Connect());
  cli::StreamOutcome outcome = cli::RunStream(
      stub.get(), std::move(requests), MakeStreamOptions(&progress), [&](size_t i, const ScoreResponse& resp) {
        const cli::Batch& batch = batches[i / 2];
        progress.Clear();
        if (!resp.error_code().empty()) {
          std::fprintf(stderr, "reward-cli: batch %zu of %zu (%s) as %s failed: %s: %s\n", i / 2 + 1,
                       batches.size(), cli::DescribeLines(*groups, batch.begin, batch.end).c_str(),
                       i % 2 == 0 ? "A" : "B", resp.error_code().c_str(), resp.error_message().c_str());
          if (resp.error_code() != "DEADLINE_EXCEEDED") {
            fatal = true;
            return false;
          }
          if (failed_batches == 0) std::fputs(kDeadlineHint, stderr);
        }
        if (i % 2 == 0) {
          pending_a = resp;
          return true;
        }
        if (!pending_a.error_code().empty() || !resp.error_code().empty()) ++failed_batches;
        for (size_t k = batch.begin; k < batch.end; ++k) {
          const size_t j = k - batch.begin;
          GroupResult ga = pending_a.error_code().empty() ? pending_a.groups(j) : FailedGroup((*groups)[k], pending_a);
          GroupResult gb = resp.error_code().empty() ? resp.groups(j) : FailedGroup((*groups)[k], resp);
          for (const cli::SampleChange& change : diff.Add(ga, gb)) {
            std::string text = json ? cli::ChangeJson(change) : cli::RenderChange(change) + "\n";
            std::fwrite(text.data(), 1, text.size(), stdout);
          }
        }
        std::fflush(stdout);
        groups_done = batch.end;
        samples_done += cli::CountSamples(*groups, batch.begin, batch.end);
        return true;
      });
  progress.Clear();
  std::string counts = json ? diff.Json() : diff.Render(SideName(sides[0]), SideName(sides[1]));
  std::fwrite(counts.data(), 1, counts.size(), stdout);
  std::fflush(stdout);
  if (groups_done < groups->size()) {
    if (fatal) return 1;
    if (outcome.delivered == 0 && !outcome.status.ok() && !outcome.interrupted) return FailRpc(outcome.status);
    return ReportIncomplete(outcome, groups_done, samples_done, *groups, total_samples);
  }
  if (failed_batches > 0) {
    return Fail(absl::StrCat(failed_batches, " of ", batches.size(), " batches failed on a side (see above); ",
                             "their groups are not compared"),
                1);
  }
  return 0;
}

int Verifiers() {
  auto stub = reward::v1::RewardService::NewStub(Connect());
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  reward::v1::ListVerifiersResponse resp;
  grpc::Status st = stub->ListVerifiers(&ctx, reward::v1::ListVerifiersRequest(), &resp);
  if (!st.ok()) return FailRpc(st);
  if (absl::GetFlag(FLAGS_json)) {
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(resp, &out);
    std::printf("%s\n", out.c_str());
    return 0;
  }
  for (const auto& v : resp.verifiers()) {
    std::printf("%s  (budget %u ms)\n  %s\n", v.name().c_str(), v.timeout_ms(), v.description().c_str());
    for (const auto& p : v.params()) {
      std::printf("    %-16s %-28s default %-12s %s\n", p.name().c_str(), p.type().c_str(),
                  p.default_().c_str(), p.doc().c_str());
    }
    std::printf("\n");
  }
  std::printf("profiles (default %s):\n", resp.default_profile().c_str());
  for (const auto& p : resp.profiles()) {
    std::vector<std::string> terms;
    for (const auto& t : p.terms()) terms.push_back(absl::StrCat(t.verifier(), " ", t.weight()));
    std::printf("  %-10s %-40s %s\n", p.name().c_str(), absl::StrJoin(terms, " + ").c_str(),
                p.description().c_str());
  }
  return 0;
}

int Health() {
  auto stub = grpc::health::v1::Health::NewStub(Connect());
  grpc::ClientContext ctx;
  SetDeadline(&ctx);
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status st = stub->Check(&ctx, req, &resp);
  if (!st.ok()) return FailRpc(st);
  std::printf("%s\n", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status()).c_str());
  return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

cli::FlagKind KindOf(absl::string_view name) {
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr) return cli::FlagKind::kUnknown;
  return flag->IsOfType<bool>() ? cli::FlagKind::kBool : cli::FlagKind::kValue;
}

std::pair<std::string, std::string> Describe(absl::string_view name) {
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr) return {"", ""};
  return {flag->Help(), flag->DefaultValue()};
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<cli::CommandLine> cl = cli::PreParse(std::vector<std::string>(argv + 1, argv + argc), KindOf);
  if (!cl.ok()) return Fail(std::string(cl.status().message()));
  const std::vector<std::string> commands = cli::Commands();
  const bool known = std::find(commands.begin(), commands.end(), cl->command) != commands.end();
  if (cl->help) {
    if (!cl->command.empty() && !known) return Fail(absl::StrCat("unknown command '", cl->command, "'"));
    std::fputs(cli::Usage(cl->command, Describe).c_str(), stdout);
    return 0;
  }
  if (cl->command.empty()) {
    std::fputs(cli::Usage("", Describe).c_str(), stderr);
    return 2;
  }
  if (!known) {
    return Fail(absl::StrCat("unknown command '", cl->command, "' (", absl::StrJoin(commands, ", "), ")"));
  }
  // Every flag is "--name=value" by now: Abseil has nothing to guess.
  std::vector<char*> args = {argv[0]};
  for (std::string& f : cl->flags) args.push_back(f.data());
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (!(absl::GetFlag(FLAGS_timeout) > 0)) return Fail("--timeout must be a number of seconds > 0");
  std::signal(SIGINT, OnSigint);

  if (cl->command == "score") return Score();
  if (cl->command == "diff") return DiffCommand(cl->sides);
  if (cl->command == "verifiers") return Verifiers();
  return Health();
}
