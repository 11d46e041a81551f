#include "server/reward_service.h"

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/config.h"

namespace server {

using reward::v1::ScoreRequest;
using reward::v1::ScoreResponse;

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbers.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

std::string StatusCodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

RewardServiceImpl::RewardServiceImpl(const reward::v1::Config& config, WorkerPool* pool)
    : profiles_(AllProfiles(config), config.default_profile(), TimeoutsOf(config)),
      limits_(LimitsOf(config)),
      scheduler_(pool) {}

grpc::Status RewardServiceImpl::ScoreOne(grpc::ServerContext* context,
                                         std::shared_ptr<const ScoreRequest> request,
                                         ScoreResponse* response) {
  absl::StatusOr<rewards::PreparedBatch> batch =
      rewards::PrepareBatch(std::move(request), profiles_, limits_);
  if (!batch.ok()) return ToGrpcStatus(batch.status());
  auto prepared = std::make_shared<const rewards::PreparedBatch>(std::move(*batch));

  absl::Time deadline = absl::FromChrono(context->deadline());
  absl::StatusOr<rewards::VerdictGrid> grid = scheduler_.Run(
      prepared, deadline, [&] { return cancel_all_.load() || context->IsCancelled(); });
  if (!grid.ok()) return ToGrpcStatus(grid.status());
  *response = rewards::AssembleResponse(*prepared, *grid);
  return grpc::Status::OK;
}

grpc::Status RewardServiceImpl::Score(grpc::ServerContext* context, const ScoreRequest* request,
                                      ScoreResponse* response) {
  // The scheduler may outlive this call for abandoned verifier calls, so the
  // batch owns a copy of the request.
  return ScoreOne(context, std::make_shared<const ScoreRequest>(*request), response);
}

grpc::Status RewardServiceImpl::ScoreStream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<ScoreResponse, ScoreRequest>* stream) {
  // Each request is scored on its own thread and answered when done; at most
  // kMaxInFlight per stream, so a fast writer cannot queue without bound.
  constexpr int kMaxInFlight = 16;
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    int in_flight = 0;
  };
  auto shared = std::make_shared<Shared>();

  auto request = std::make_shared<ScoreRequest>();
  while (stream->Read(request.get())) {
    {
      std::unique_lock<std::mutex> lock(shared->mu);
      shared->cv.wait(lock, [&] { return shared->in_flight < kMaxInFlight; });
      ++shared->in_flight;
    }
    auto work = [this, context, stream, shared, request] {
      ScoreResponse response;
      grpc::Status st = ScoreOne(context, request, &response);
      if (!st.ok()) {
        // A failed request is answered in the stream; the others go on.
        response.Clear();
        response.set_request_id(request->request_id());
        response.set_error_code(StatusCodeName(st.error_code()));
        response.set_error_message(st.error_message());
      }
      std::lock_guard<std::mutex> lock(shared->mu);
      stream->Write(response);
      --shared->in_flight;
      shared->cv.notify_all();
    };
    try {
      std::thread(work).detach();
    } catch (const std::system_error&) {
      work();  // no thread to be had: score it on this one
    }
    request = std::make_shared<ScoreRequest>();
  }
  std::unique_lock<std::mutex> lock(shared->mu);
  shared->cv.wait(lock, [&] { return shared->in_flight == 0; });
  return grpc::Status::OK;
}

grpc::Status RewardServiceImpl::ListVerifiers(grpc::ServerContext*,
                                              const reward::v1::ListVerifiersRequest*,
                                              reward::v1::ListVerifiersResponse* response) {
  for (const rewards::VerifierFactory* f : rewards::AllVerifiers()) {
    auto* v = response->add_verifiers();
    v->set_name(f->Name());
    v->set_description(f->Description());
    auto it = profiles_.timeouts().find(f->Name());
    absl::Duration budget = it != profiles_.timeouts().end() ? it->second : f->DefaultTimeout();
    v->set_timeout_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(budget)));
    for (const rewards::ParamSpec& spec : f->Params()) {
      auto* p = v->add_params();
      p->set_name(spec.name);
      p->set_type(spec.TypeName());
      p->set_default_(spec.DefaultJson());
      p->set_doc(spec.doc);
    }
  }
  for (const auto& p : profiles_.profiles()) *response->add_profiles() = p;
  response->set_default_profile(profiles_.default_profile());
  return grpc::Status::OK;
}

}  // namespace server
