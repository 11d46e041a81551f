#include "server/server.h"

#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/auth.h"
#include "server/http_face.h"
#include "server/reward_service.h"
#include "server/worker_pool.h"

namespace server {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("config: ", field, " ", path, ": cannot open"));
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("config: ", field, " ", path, ": not a PEM file"));
  }
  return text.str();
}

// Plaintext, TLS, or mutual TLS (client certificates signed by
// client_ca_file required and verified).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(const reward::v1::Tls& tls) {
  if (tls.cert_file().empty()) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert = ReadPem(tls.cert_file(), "tls.cert_file");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(tls.key_file(), "tls.key_file");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!tls.client_ca_file().empty()) {
    absl::StatusOr<std::string> ca = ReadPem(tls.client_ca_file(), "tls.client_ca_file");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

}  // namespace

absl::Status RunServer(const reward::v1::Config& config) {
  // Signals are taken by one thread with sigwait; block them everywhere else.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<TokenAuth> auth;
  if (!config.token_file().empty()) {
    absl::StatusOr<std::unique_ptr<TokenAuth>> loaded = TokenAuth::Load(config.token_file());
    if (!loaded.ok()) return loaded.status();
    auth = std::move(*loaded);
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = ServerCredentials(config.tls());
  if (!credentials.ok()) return credentials.status();

  WorkerPool pool(static_cast<int>(config.threads()), 4 * static_cast<int>(config.threads()));
  RewardServiceImpl service(config, &pool, std::move(auth));
  if (!config.metrics_listen_address().empty()) {
    absl::StatusOr<int> metrics_port = service.metrics().Serve(config.metrics_listen_address());
    if (!metrics_port.ok()) return metrics_port.status();
    std::fprintf(stderr, "reward-server metrics on %s (metrics port %d)\n", config.metrics_listen_address().c_str(),
                 *metrics_port);
  }
  for (const auto& p : service.profiles().profiles()) {
    auto plan = service.profiles().Find(p.name());
    if (!plan.ok()) std::fprintf(stderr, "warning: %s\n", std::string(plan.status().message()).c_str());
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen_address(), *credentials, &port);
  builder.RegisterService(&service);
  const auto max_bytes = config.limits().max_request_bytes();
  builder.SetMaxReceiveMessageSize(max_bytes > INT32_MAX ? INT32_MAX : static_cast<int>(max_bytes));
  builder.SetMaxSendMessageSize(INT32_MAX);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen_address()));
  }
  std::unique_ptr<HttpFace> http;
  if (!config.http_listen_address().empty()) {
    http = std::make_unique<HttpFace>(&service, max_bytes, absl::Seconds(config.http_deadline_seconds()));
    absl::StatusOr<int> http_port = http->Start(config.http_listen_address());
    if (!http_port.ok()) {
      server->Shutdown();
      return http_port.status();
    }
    std::fprintf(stderr, "reward-server HTTP on %s (http port %d)\n", config.http_listen_address().c_str(),
                 *http_port);
  }
  std::fprintf(stderr, "reward-server listening on %s (port %d)%s%s, %u worker threads, admission bound %u samples\n",
               config.listen_address().c_str(), port, config.tls().cert_file().empty() ? "" : ", TLS",
               config.token_file().empty() ? "" : ", bearer tokens", config.threads(),
               config.admission().max_pending_samples());
  std::fflush(stderr);

  absl::Time drain_deadline = absl::InfiniteFuture();
  // Set once every call has ended; the canceller waits for it or the drain
  // deadline, whichever comes first, and is joined below (no detached thread
  // holds a reference into this frame).
  std::mutex drained_mu;
  std::condition_variable drained_cv;
  bool drained = false;
  std::thread canceller;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    drain_deadline = absl::Now() + absl::Seconds(config.drain_seconds());
    std::fprintf(stderr, "reward-server: signal %d, draining requests in flight (up to %u s)\n",
                 sig, config.drain_seconds());
    server->GetHealthCheckService()->SetServingStatus(false);
    if (http) http->SetNotServing();
    // Calls still running at the deadline are cancelled; tell ours to stop too.
    canceller = std::thread([&] {
      std::unique_lock<std::mutex> lock(drained_mu);
      if (!drained_cv.wait_for(lock, std::chrono::seconds(config.drain_seconds()), [&] { return drained; })) {
        lock.unlock();
        service.CancelAll();
      }
    });
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(config.drain_seconds()));
  });
  server->Wait();
  waiter.join();
  if (http) {
    // HTTP calls in flight get the same drain deadline (then CancelAll ends
    // them); /healthz keeps answering 503 until they are done.
    http->WaitIdle(drain_deadline);
    http->Stop();
  }
  {
    std::lock_guard<std::mutex> lock(drained_mu);
    drained = true;
  }
  drained_cv.notify_all();
  if (canceller.joinable()) canceller.join();
  // The server's connections are closed in order (the last responses on the
  // wire, what the clients sent read), not torn down by the exit below: a
  // process that exits with unread bytes on a socket resets it, and the
  // client can lose an answer it was already sent. Every call has returned
  // (answered, or cancelled at the drain deadline), so this does not wait
  // for work.
  server.reset();
  // gRPC's transports can still be writing the last bytes of a response
  // from their own threads after the server object is gone; the exit below
  // closes every socket at once (and resets those with frames unread). A
  // short linger lets them finish: a drained call's answer was lost to a
  // reset once under heavy load without it.
  absl::SleepFor(absl::Milliseconds(250));
  std::fprintf(stderr, "reward-server: stopped\n");
  std::fflush(stderr);
  // Every call has ended by now (answered, or cancelled at the drain
  // deadline), but a worker may still be inside a verifier that does not
  // look at cancellation (a sandbox run of up to a minute). Nothing of it
  // is owed to anyone, and waiting would break the drain bound: end the
  // process here. Its sandbox runners see their stdin close, kill their
  // runs and exit.
  std::_Exit(0);
}

}  // namespace server
