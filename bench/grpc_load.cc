// End-to-end load over gRPC: batches of completions sent to a reward server's
// Score at a fixed concurrency, reporting completions/s and the calls' p50
// and p99 latency, beside a baseline measured in the same run: the same
// request bytes through a call that scores nothing (an echo server in this
// process: it takes the request's bytes and answers with the bytes of the
// real server's response to that request, so the transport, both messages'
// sizes and the client's own cost are the same and only the service's work
// is missing). The difference between the two is what the service costs.
//
//   grpc_load --server=bazel-bin/server/reward-server      (starts it on a free port)
//   grpc_load --target=localhost:50051                     (a running server)
//     --profile=r1_zero --batch=1024 --completion_bytes=2048
//     --concurrency=4 --connections=2 --seconds=10 [--nobaseline]
//
// It also reports CPU time per completion: the server's (from /proc/<pid>/stat,
// when it started the server or was given --server_pid) and its own. On a
// machine shared with other work these hold far better than completions/s.
//
// The client sends pre-serialized requests and does not parse the responses
// (but the first one per batch), so that its own cost stays small: it runs
// on the same cores as the server.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/client_unary_call.h"
#include "grpcpp/impl/codegen/rpc_method.h"
#include "grpcpp/support/method_handler.h"
#include "reward/v1/reward.grpc.pb.h"

ABSL_FLAG(std::string, server, "", "A reward-server binary to start on a free port for the run");
ABSL_FLAG(std::string, target, "", "The address of a running server (instead of --server)");
ABSL_FLAG(std::string, profile, "r1_zero", "The profile every request names");
ABSL_FLAG(int, batch, 1024, "Completions per request (groups of --group)");
ABSL_FLAG(int, group, 8, "Completions per group");
ABSL_FLAG(int, completion_bytes, 2048, "Bytes per completion");
ABSL_FLAG(int, concurrency, 4, "Calls in flight");
ABSL_FLAG(int, connections, 2, "gRPC connections the calls are spread over");
ABSL_FLAG(double, seconds, 10, "Measured seconds per series (after --warmup)");
ABSL_FLAG(double, warmup, 2, "Seconds of calls before measuring");
ABSL_FLAG(bool, baseline, true, "Also run the same batches through the echo baseline");
ABSL_FLAG(int, server_threads, 0, "--threads for the started server (0: its default)");
ABSL_FLAG(int, server_pid, 0, "With --target: the server's pid, to report its CPU time");

namespace {

constexpr char kScore[] = "/reward.v1.RewardService/Score";

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// A completion of about `bytes` bytes in R1's template, its answer right or
// wrong by `i`; prose in English (r1's language term reads the reasoning).
std::string Completion(int bytes, int i) {
  static const char* const kSentences[] = {
      "First compute the product of three and four, which gives twelve. ",
      "Then add two to that result, so the sum is fourteen. ",
      "Let me double check by evaluating the expression again from the left. ",
      "Multiplication binds tighter than addition, so the order is right. ",
  };
  std::string think;
  for (int k = i; static_cast<int>(think.size()) < bytes - 40; ++k) think += kSentences[k % 4];
  const std::string answer = i % 4 == 3 ? "\\frac{29}{2}" : (i % 4 == 2 ? "14.0" : "14");
  std::string text = absl::StrCat("<think>", think, "</think> <answer>", answer, "</answer>");
  if (static_cast<int>(text.size()) > bytes && bytes > 0) {
    text = absl::StrCat("<think>", think.substr(0, std::max(0, bytes - 40)), "</think> <answer>", answer, "</answer>");
  }
  return text;
}

std::string MakeRequest(int index, int batch, int group, int completion_bytes, const std::string& profile) {
  reward::v1::ScoreRequest req;
  req.set_request_id(absl::StrCat("load-", index));
  req.set_profile(profile);
  for (int done = 0, g = 0; done < batch; ++g) {
    auto* grp = req.add_groups();
    grp->set_id(absl::StrCat("q", g));
    grp->set_prompt("What is 2 + 3 * 4? Reason in English.");
    grp->mutable_reference()->set_answer("14");
    grp->mutable_reference()->set_target_language("en");
    for (int s = 0; s < group && done < batch; ++s, ++done) {
      auto* c = grp->add_completions();
      c->set_id(absl::StrCat("o", s));
      c->set_text(Completion(completion_bytes, index + done));
    }
  }
  return req.SerializeAsString();
}

// The echo baseline: Score answers each request's bytes with the response
// bytes the real server gave for it (looked up by the request's size; the first when
// none matches: the responses differ in a few bytes only), without decoding
// anything.
class EchoService : public reward::v1::RewardService::Service {
 public:
  EchoService(std::vector<std::string> requests, std::vector<std::string> responses)
      : requests_(std::move(requests)), responses_(std::move(responses)) {
    MarkMethodStreamed(0, new grpc::internal::StreamedUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
                              [this](grpc::ServerContext*,
                                     grpc::ServerUnaryStreamer<grpc::ByteBuffer, grpc::ByteBuffer>* stream) {
                                grpc::ByteBuffer in;
                                if (!stream->Read(&in)) return grpc::Status(grpc::StatusCode::INTERNAL, "no request");
                                const size_t n = in.Length();
                                for (size_t i = 0; i < requests_.size(); ++i) {
                                  if (requests_[i].size() == n) {
                                    grpc::ByteBuffer out = ToBuffer(responses_[i]);
                                    stream->Write(out);
                                    return grpc::Status::OK;
                                  }
                                }
                                grpc::ByteBuffer out = ToBuffer(responses_[0]);
                                stream->Write(out);
                                return grpc::Status::OK;
                              }));
  }

 private:
  std::vector<std::string> requests_, responses_;
};

struct Series {
  double completions_per_s = 0, p50_ms = 0, p99_ms = 0;
  long calls = 0, failed = 0;
  // CPU time per completion over the measured window: the server's (when
  // its pid is known) and this process's (the client, and for the baseline
  // the echo server too). On a shared machine these hold better than the
  // throughput, which other processes' load takes down.
  double server_cpu_us = -1, client_cpu_us = 0;
};

// User + system CPU seconds of process `pid` (0: this process).
double CpuSeconds(pid_t pid) {
  FILE* f = std::fopen(pid == 0 ? "/proc/self/stat" : absl::StrCat("/proc/", pid, "/stat").c_str(), "r");
  if (f == nullptr) return 0;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = 0;
  // Fields after the command's closing parenthesis: state is field 3; utime, stime are 14 and 15.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return 0;
  unsigned long utime = 0, stime = 0;
  std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

std::vector<std::shared_ptr<grpc::Channel>> Connect(const std::string& target, int n) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < n; ++i) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    args.SetInt("load.connection", i);  // distinct arguments: a connection of its own
    channels.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  for (auto& c : channels) c->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return channels;
}

grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel, const grpc::ByteBuffer& request,
                  grpc::ByteBuffer* response) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  grpc::internal::RpcMethod method(kScore, grpc::internal::RpcMethod::NORMAL_RPC, channel);
  return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(channel.get(), method, &ctx, request,
                                                                               response);
}

Series Run(const std::string& target, const std::vector<std::string>& requests, int batch, pid_t server) {
  auto channels = Connect(target, absl::GetFlag(FLAGS_connections));
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from = start + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(absl::GetFlag(FLAGS_warmup)));
  const Clock::time_point end = measure_from + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(absl::GetFlag(FLAGS_seconds)));
  std::vector<std::vector<double>> latencies(concurrency);
  std::vector<long> failed(concurrency, 0);
  std::vector<std::thread> threads;
  double cpu[2][2] = {{0, 0}, {0, 0}};  // [start, end][server, client]
  threads.emplace_back([&] {
    std::this_thread::sleep_until(measure_from);
    cpu[0][0] = server > 0 ? CpuSeconds(server) : 0;
    cpu[0][1] = CpuSeconds(0);
    std::this_thread::sleep_until(end);
    cpu[1][0] = server > 0 ? CpuSeconds(server) : 0;
    cpu[1][1] = CpuSeconds(0);
  });
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      std::vector<grpc::ByteBuffer> bufs;
      for (const auto& r : requests) bufs.push_back(ToBuffer(r));
      for (size_t i = t;; ++i) {
        const Clock::time_point begin = Clock::now();
        if (begin >= end) return;
        grpc::ByteBuffer response;
        grpc::Status st = Call(channels[t % channels.size()], bufs[i % bufs.size()], &response);
        const Clock::time_point done = Clock::now();
        // Calls that started in the measured window and ended by its end.
        if (begin < measure_from || done > end) continue;
        if (!st.ok()) {
          if (failed[t]++ == 0) std::fprintf(stderr, "call failed: %s\n", st.error_message().c_str());
          continue;
        }
        latencies[t].push_back(std::chrono::duration<double, std::milli>(done - begin).count());
      }
    });
  }
  for (auto& th : threads) th.join();
  Series s;
  std::vector<double> all;
  for (int t = 0; t < concurrency; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    s.failed += failed[t];
  }
  std::sort(all.begin(), all.end());
  s.calls = static_cast<long>(all.size());
  if (!all.empty()) {
    s.p50_ms = all[all.size() / 2];
    s.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  s.completions_per_s = static_cast<double>(s.calls) * batch / absl::GetFlag(FLAGS_seconds);
  const double completions = std::max(1.0, s.completions_per_s * absl::GetFlag(FLAGS_seconds));
  if (server > 0) s.server_cpu_us = (cpu[1][0] - cpu[0][0]) * 1e6 / completions;
  s.client_cpu_us = (cpu[1][1] - cpu[0][1]) * 1e6 / completions;
  return s;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return 0;
  }
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

void Print(const char* name, const Series& s) {
  std::printf("%-28s %8.0f completions/s  p50 %6.1f ms  p99 %6.1f ms  CPU/completion: %s client %.1f us  (%ld calls, %ld failed)\n",
              name, s.completions_per_s, s.p50_ms, s.p99_ms,
              s.server_cpu_us >= 0 ? absl::StrCat("server ", static_cast<int>(s.server_cpu_us * 10) / 10.0, " us,").c_str() : "",
              s.client_cpu_us, s.calls, s.failed);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int batch = absl::GetFlag(FLAGS_batch);
  std::string target = absl::GetFlag(FLAGS_target);
  pid_t child = -1;
  if (target.empty()) {
    const std::string binary = absl::GetFlag(FLAGS_server);
    if (binary.empty()) {
      std::fprintf(stderr, "grpc_load: --server or --target is required\n");
      return 2;
    }
    const int port = FreePort();
    target = absl::StrCat("127.0.0.1:", port);
    const std::string port_flag = absl::StrCat("--port=", port);
    const std::string threads_flag = absl::StrCat("--threads=", absl::GetFlag(FLAGS_server_threads));
    child = fork();
    if (child == 0) {
      if (absl::GetFlag(FLAGS_server_threads) > 0) {
        execl(binary.c_str(), binary.c_str(), port_flag.c_str(), threads_flag.c_str(), static_cast<char*>(nullptr));
      } else {
        execl(binary.c_str(), binary.c_str(), port_flag.c_str(), static_cast<char*>(nullptr));
      }
      _exit(127);
    }
  }

  // A few distinct requests, so that no cache of the server sees only one.
  std::vector<std::string> requests;
  for (int i = 0; i < 4; ++i) {
    requests.push_back(MakeRequest(i, batch, absl::GetFlag(FLAGS_group), absl::GetFlag(FLAGS_completion_bytes),
                                   absl::GetFlag(FLAGS_profile)));
  }
  // The real server's responses (also a check that the requests score).
  std::vector<std::string> responses;
  {
    auto channel = Connect(target, 1)[0];
    for (size_t i = 0; i < requests.size(); ++i) {
      grpc::ByteBuffer response;
      grpc::Status st = Call(channel, ToBuffer(requests[i]), &response);
      reward::v1::ScoreResponse parsed;
      if (!st.ok() || !parsed.ParseFromString(Flatten(response))) {
        std::fprintf(stderr, "grpc_load: the server did not score the batch: %s\n", st.error_message().c_str());
        if (child > 0) kill(child, SIGTERM);
        return 1;
      }
      responses.push_back(Flatten(response));
    }
  }
  std::printf("%s: batches of %d completions of %d bytes (groups of %d), %d calls in flight over %d connections, %g s\n",
              absl::GetFlag(FLAGS_profile).c_str(), batch, absl::GetFlag(FLAGS_completion_bytes),
              absl::GetFlag(FLAGS_group), absl::GetFlag(FLAGS_concurrency), absl::GetFlag(FLAGS_connections),
              absl::GetFlag(FLAGS_seconds));
  std::fflush(stdout);

  Series base;
  if (absl::GetFlag(FLAGS_baseline)) {
    EchoService echo(requests, responses);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&echo);
    builder.SetMaxReceiveMessageSize(INT32_MAX);
    builder.SetMaxSendMessageSize(INT32_MAX);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    base = Run(absl::StrCat("127.0.0.1:", port), requests, batch, 0);
    server->Shutdown();
    Print("baseline (echo, no scoring)", base);
    std::fflush(stdout);
  }
  Series real = Run(target, requests, batch, child > 0 ? child : absl::GetFlag(FLAGS_server_pid));
  Print(absl::StrCat("service (", absl::GetFlag(FLAGS_profile), ")").c_str(), real);
  if (absl::GetFlag(FLAGS_baseline) && real.completions_per_s > 0) {
    std::printf("service/baseline: %.2fx the time per completion\n", base.completions_per_s / real.completions_per_s);
    if (real.server_cpu_us >= 0) {
      std::printf("CPU per completion: service (server + client) %.1f us, baseline (echo + client) %.1f us\n",
                  real.server_cpu_us + real.client_cpu_us, base.client_cpu_us);
    }
  }
  if (child > 0) {
    kill(child, SIGTERM);
    waitpid(child, nullptr, 0);
  }
  return real.failed == 0 && base.failed == 0 ? 0 : 1;
}
