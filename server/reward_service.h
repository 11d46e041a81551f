// The gRPC service: converts protos, maps absl::Status to gRPC status codes,
// and hands the work to rewards/ (validation, scoring) through the Scheduler.
#ifndef SERVER_REWARD_SERVICE_H_
#define SERVER_REWARD_SERVICE_H_

#include <atomic>
#include <memory>

#include "reward/v1/config.pb.h"
#include "reward/v1/reward.grpc.pb.h"
#include "rewards/batch.h"
#include "server/scheduler.h"

namespace server {

class RewardServiceImpl final : public reward::v1::RewardService::Service {
 public:
  RewardServiceImpl(const reward::v1::Config& config, WorkerPool* pool);

  grpc::Status Score(grpc::ServerContext* context, const reward::v1::ScoreRequest* request,
                     reward::v1::ScoreResponse* response) override;
  grpc::Status ScoreStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<reward::v1::ScoreResponse, reward::v1::ScoreRequest>* stream) override;
  grpc::Status ListVerifiers(grpc::ServerContext* context,
                             const reward::v1::ListVerifiersRequest* request,
                             reward::v1::ListVerifiersResponse* response) override;

  // Makes every request in flight stop and return CANCELLED (after draining
  // has run out of time).
  void CancelAll() { cancel_all_ = true; }

  const rewards::ProfileRegistry& profiles() const { return profiles_; }

 private:
  // Scores one request; the status is what the client sees.
  grpc::Status ScoreOne(grpc::ServerContext* context,
                        std::shared_ptr<const reward::v1::ScoreRequest> request,
                        reward::v1::ScoreResponse* response);

  rewards::ProfileRegistry profiles_;
  rewards::Limits limits_;
  Scheduler scheduler_;
  std::atomic<bool> cancel_all_{false};
};

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace server

#endif  // SERVER_REWARD_SERVICE_H_
