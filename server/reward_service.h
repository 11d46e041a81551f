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
#include "server/scheduler.h"
#include "server/worker_pool.h"

namespace server {

// Score and ScoreStream receive each request as bytes and decode it with
// DecodeScoreRequest (server/request_decoder.h), so that a part protobuf
// refuses fails its group, not the call; their generated typed handlers are
// replaced in the constructor and never called.
class RewardServiceImpl final : public reward::v1::RewardService::Service {
 public:
  RewardServiceImpl(const reward::v1::Config& config, WorkerPool* pool);

  grpc::Status ListVerifiers(grpc::ServerContext* context,
                             const reward::v1::ListVerifiersRequest* request,
                             reward::v1::ListVerifiersResponse* response) override;

  // Scores a decoded request until `deadline` (or the request's own
  // timeout_ms, if earlier) or until `cancelled` returns true (polled);
  // errors name the field. The HTTP face's path; Score and
  // ScoreStream decode their bytes and come here too.
  absl::StatusOr<reward::v1::ScoreResponse> ScoreDecoded(std::shared_ptr<const reward::v1::ScoreRequest> request,
                                                         const rewards::GroupErrors& group_errors,
                                                         absl::Time deadline, const std::function<bool()>& cancelled);

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
                        reward::v1::ScoreResponse* response, std::string* request_id);

  rewards::ProfileRegistry profiles_;
  rewards::Limits limits_;
  Scheduler scheduler_;
  // ScoreStream's requests wait for their scores here, a fixed number at a
  // time across all streams (each stream keeps at most 16 in flight): no
  // thread per request, none detached.
  WorkerPool stream_pool_;
  std::atomic<bool> cancel_all_{false};
};

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace server

#endif  // SERVER_REWARD_SERVICE_H_
