// The gRPC service: converts protos, maps absl::Status to gRPC status codes,
// and hands the work to rewards/ (validation, scoring) through the Scheduler.
#ifndef SERVER_REWARD_SERVICE_H_
#define SERVER_REWARD_SERVICE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "reward/v1/config.pb.h"
#include "reward/v1/reward.grpc.pb.h"
#include "rewards/batch.h"
#include "server/admission.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/request_log.h"
#include "server/scheduler.h"
#include "server/worker_pool.h"

namespace server {

// Score and ScoreStream receive each request as bytes and decode it with
// DecodeScoreRequest (server/request_decoder.h), so that a part protobuf
// refuses fails its group, not the call; their generated typed handlers are
// replaced in the constructor and never called.
// Who is calling, for admission, metrics and the request log.
struct CallInfo {
  std::string method;  // "Score", "ScoreStream", "POST /v1/score", ...
  std::string peer;
  // Set when the call is refused at capacity: when to try again.
  absl::Duration retry_after;
};

class RewardServiceImpl final : public reward::v1::RewardService::Service {
 public:
  // `auth`: bearer tokens every call but health must carry; null: none.
  RewardServiceImpl(const reward::v1::Config& config, WorkerPool* pool, std::unique_ptr<TokenAuth> auth = nullptr);
  ~RewardServiceImpl() override;

  grpc::Status ListVerifiers(grpc::ServerContext* context,
                             const reward::v1::ListVerifiersRequest* request,
                             reward::v1::ListVerifiersResponse* response) override;

  // Scores a decoded request until `deadline` (or the request's own
  // timeout_ms, if earlier) or until `cancelled` returns true (polled);
  // errors name the field. The HTTP face's path; Score and
  // ScoreStream decode their bytes and come here too.
  // Admission (RESOURCE_EXHAUSTED at capacity, with `call->retry_after`),
  // metrics and the request log happen here.
  absl::StatusOr<reward::v1::ScoreResponse> ScoreDecoded(std::shared_ptr<const reward::v1::ScoreRequest> request,
                                                         const rewards::GroupErrors& group_errors,
                                                         absl::Time deadline, const std::function<bool()>& cancelled,
                                                         CallInfo* call);

  // OK when no tokens are configured or `authorization` ("Bearer <token>")
  // carries one of them; else UNAUTHENTICATED (counted).
  absl::Status Authorize(absl::string_view authorization);

  Metrics& metrics() { return *metrics_; }
  const Admission& admission() const { return admission_; }

  // Makes every request in flight stop and return CANCELLED (after draining
  // has run out of time).
  void CancelAll() { cancel_all_ = true; }

  const rewards::ProfileRegistry& profiles() const { return profiles_; }

 private:
  grpc::Status ScoreUnary(grpc::ServerContext* context,
                          grpc::ServerUnaryStreamer<grpc::ByteBuffer, reward::v1::ScoreResponse>* stream);
  grpc::Status ScoreStreamBytes(grpc::ServerContext* context,
                                grpc::ServerReaderWriter<reward::v1::ScoreResponse, grpc::ByteBuffer>* stream);
  // Decodes and scores one request; the status is what the client sees.
  // `request_id` is set to the request's id when it could be read.
  grpc::Status ScoreOne(grpc::ServerContext* context, grpc::ByteBuffer* bytes,
                        reward::v1::ScoreResponse* response, std::string* request_id, CallInfo* call);
  grpc::Status AuthorizeGrpc(grpc::ServerContext* context);
  absl::StatusOr<reward::v1::ScoreResponse> ScoreAdmitted(std::shared_ptr<const reward::v1::ScoreRequest> request,
                                                          const rewards::GroupErrors& group_errors,
                                                          absl::Time deadline,
                                                          const std::function<bool()>& cancelled);
  // Metrics and the request log of a call that ended with `status`.
  void Record(const CallInfo& call, const reward::v1::ScoreRequest* request, const absl::Status& status,
              const reward::v1::ScoreResponse* response, absl::Duration took);
  std::string ProfileLabel(const reward::v1::ScoreRequest& request) const;

  std::shared_ptr<const rewards::VerifierContext> context_;
  std::unique_ptr<Metrics> metrics_;
  rewards::ProfileRegistry profiles_;
  rewards::Limits limits_;
  Scheduler scheduler_;
  // ScoreStream's requests wait for their scores here, a fixed number at a
  // time across all streams (each stream keeps at most 16 in flight): no
  // thread per request, none detached.
  WorkerPool stream_pool_;
  std::atomic<bool> cancel_all_{false};
  Admission admission_;
  std::unique_ptr<TokenAuth> auth_;
  std::unique_ptr<RequestLog> log_;  // null when the config turns it off
};

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace server

#endif  // SERVER_REWARD_SERVICE_H_
