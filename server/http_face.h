// The HTTP face of the server, for trainers that speak HTTP and JSON
// (cpp-httplib from Debian's libcpp-httplib-dev; JSON through protobuf's
// JSON mapping). Every route scores through the same RewardServiceImpl as
// gRPC:
//   POST /v1/score     a ScoreRequest in protobuf's JSON shape -> ScoreResponse
//   GET  /v1/verifiers ListVerifiersResponse
//   GET  /healthz      {"status": "SERVING"} (503 "NOT_SERVING" once draining)
//   POST /openrlhf     OpenRLHF's remote reward model protocol
//   POST /slime        slime's remote_rm protocol
// /openrlhf and /slime score with the profile named by ?profile=NAME, else the
// server's default. Errors are {"error": {"code": "INVALID_ARGUMENT",
// "message": "..."}} with the HTTP status of the gRPC code (400 for a bad
// request, naming the field; 413 for a body over max_request_bytes).
#ifndef SERVER_HTTP_FACE_H_
#define SERVER_HTTP_FACE_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/reward_service.h"

namespace httplib {
class Server;
}

namespace server {

class HttpFace {
 public:
  HttpFace(RewardServiceImpl *service, size_t max_body_bytes, absl::Duration deadline);
  ~HttpFace();

  // Binds `address` (host:port; port 0 picks a free one) and serves on a
  // thread of its own. Returns the port.
  absl::StatusOr<int> Start(const std::string &address);
  // /healthz answers 503 from now on.
  void SetNotServing() { serving_ = false; }
  // Waits until no scoring call is in flight, or until `deadline`. The
  // listener keeps answering meanwhile (/healthz with 503).
  void WaitIdle(absl::Time deadline);
  // Stops accepting connections and waits for the calls in flight.
  void Stop();

 private:
  RewardServiceImpl *service_;
  absl::Duration deadline_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::atomic<bool> serving_{true};
  // std::mutex rather than absl::Mutex: Debian's absl is not built with
  // ThreadSanitizer, which cannot see its locking (docs/testing.md).
  std::mutex mu_;
  std::condition_variable idle_cv_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

// The HTTP status of a gRPC/absl status code (as grpc-gateway maps them).
int HttpStatusOf(absl::StatusCode code);

}  // namespace server

#endif  // SERVER_HTTP_FACE_H_
