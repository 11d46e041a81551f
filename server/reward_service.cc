#include "server/reward_service.h"

#include <condition_variable>
#include <mutex>
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/method_handler.h"
#include "rewards/code/code_verifier.h"
#include "rewards/utf8.h"
#include "server/config.h"
#include "server/request_decoder.h"

namespace server {

using reward::v1::ScoreRequest;
using reward::v1::ScoreResponse;

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbers. Messages may quote the
  // client's bytes: made valid UTF-8 and cut to a sane length.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      rewards::CleanUtf8(status.message(), rewards::kMaxMessageBytes));
}

std::string StatusCodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

namespace {

// The verifiers' shared resources, made once at start-up (the code
// verifier's sandbox client and compile cache).
std::shared_ptr<const rewards::VerifierContext> MakeVerifierContext() {
  auto context = std::make_shared<rewards::VerifierContext>();
  rewards::AddCodeResources(context.get());
  return context;
}

}  // namespace

RewardServiceImpl::RewardServiceImpl(const reward::v1::Config& config, WorkerPool* pool)
    : profiles_(AllProfiles(config), config.default_profile(), TimeoutsOf(config), MakeVerifierContext()),
      limits_(LimitsOf(config)),
      scheduler_(pool),
      stream_pool_(std::max(4, static_cast<int>(config.threads())), /*max_extra=*/0) {
  // Score and ScoreStream take their requests as bytes (see the header). The
  // method indices are their order in reward.proto; the handlers are those
  // the generated WithStreamedUnaryMethod_Score and ScoreStream use, with
  // grpc::ByteBuffer (which gRPC passes through undecoded) as the request.
  MarkMethodStreamed(0, new grpc::internal::StreamedUnaryHandler<grpc::ByteBuffer, ScoreResponse>(
                            [this](grpc::ServerContext* context,
                                   grpc::ServerUnaryStreamer<grpc::ByteBuffer, ScoreResponse>* stream) {
                              return ScoreUnary(context, stream);
                            }));
  MarkMethodStreamed(1, new grpc::internal::BidiStreamingHandler<RewardServiceImpl, grpc::ByteBuffer, ScoreResponse>(
                            [](RewardServiceImpl* self, grpc::ServerContext* context,
                               grpc::ServerReaderWriter<ScoreResponse, grpc::ByteBuffer>* stream) {
                              return self->ScoreStreamBytes(context, stream);
                            },
                            this));
}

namespace {

DecodedRequest Decode(grpc::ByteBuffer* bytes) {
  std::vector<grpc::Slice> slices;
  if (!bytes->Dump(&slices).ok()) {
    DecodedRequest out;
    out.status = absl::InternalError("the request's bytes cannot be read");
    return out;
  }
  if (slices.size() == 1) {
    return DecodeScoreRequest(
        absl::string_view(reinterpret_cast<const char*>(slices[0].begin()), slices[0].size()));
  }
  std::string flat;
  flat.reserve(bytes->Length());
  for (const grpc::Slice& s : slices) flat.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return DecodeScoreRequest(flat);
}

}  // namespace

absl::StatusOr<ScoreResponse> RewardServiceImpl::ScoreDecoded(std::shared_ptr<const ScoreRequest> request,
                                                              const rewards::GroupErrors& group_errors,
                                                              absl::Time deadline,
                                                              const std::function<bool()>& cancelled) {
  // A request's own time budget (ScoreStream's per-request deadline) counts
  // from here and can only shorten the call's deadline.
  if (request->timeout_ms() > 0) {
    deadline = std::min(deadline, absl::Now() + absl::Milliseconds(request->timeout_ms()));
  }
  // The scheduler may outlive this call for abandoned verifier calls, so the
  // batch owns the request. Validation runs on the caller's thread, and stops
  // between groups once the call is cancelled or past its deadline.
  absl::StatusOr<rewards::PreparedBatch> batch = rewards::PrepareBatch(
      std::move(request), profiles_, limits_, group_errors, [&]() -> absl::Status {
        if (cancel_all_.load() || cancelled()) return absl::CancelledError("the request was cancelled");
        if (absl::Now() > deadline) {
          return absl::DeadlineExceededError("deadline passed while the request was being validated");
        }
        return absl::OkStatus();
      });
  if (!batch.ok()) return batch.status();
  auto prepared = std::make_shared<const rewards::PreparedBatch>(std::move(*batch));

  absl::StatusOr<rewards::VerdictGrid> grid =
      scheduler_.Run(prepared, deadline, [&] { return cancel_all_.load() || cancelled(); });
  if (!grid.ok()) return grid.status();
  return rewards::AssembleResponse(*prepared, std::move(*grid));
}

grpc::Status RewardServiceImpl::ScoreOne(grpc::ServerContext* context, grpc::ByteBuffer* bytes,
                                         ScoreResponse* response, std::string* request_id) {
  DecodedRequest decoded = Decode(bytes);
  bytes->Clear();
  *request_id = decoded.request->request_id();
  if (!decoded.status.ok()) return ToGrpcStatus(decoded.status);
  absl::StatusOr<ScoreResponse> scored =
      ScoreDecoded(std::move(decoded.request), decoded.group_errors, absl::FromChrono(context->deadline()),
                   [context] { return context->IsCancelled(); });
  if (!scored.ok()) return ToGrpcStatus(scored.status());
  *response = std::move(*scored);
  return grpc::Status::OK;
}

grpc::Status RewardServiceImpl::ScoreUnary(
    grpc::ServerContext* context, grpc::ServerUnaryStreamer<grpc::ByteBuffer, ScoreResponse>* stream) {
  grpc::ByteBuffer bytes;
  // A request over the size limit never gets here: gRPC fails the call with
  // RESOURCE_EXHAUSTED, and this status is not what the client sees.
  if (!stream->Read(&bytes)) return grpc::Status(grpc::StatusCode::INTERNAL, "no request received");
  ScoreResponse response;
  std::string request_id;
  grpc::Status st = ScoreOne(context, &bytes, &response, &request_id);
  if (!st.ok()) return st;
  stream->Write(response);
  return grpc::Status::OK;
}

grpc::Status RewardServiceImpl::ScoreStreamBytes(
    grpc::ServerContext* context, grpc::ServerReaderWriter<ScoreResponse, grpc::ByteBuffer>* stream) {
  // Each request is scored on the stream pool and answered when done; at
  // most kMaxInFlight per stream, so a fast writer cannot queue without bound.
  constexpr int kMaxInFlight = 16;
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    int in_flight = 0;
  };
  auto shared = std::make_shared<Shared>();

  auto bytes = std::make_shared<grpc::ByteBuffer>();
  while (stream->Read(bytes.get())) {
    {
      std::unique_lock<std::mutex> lock(shared->mu);
      shared->cv.wait(lock, [&] { return shared->in_flight < kMaxInFlight; });
      ++shared->in_flight;
    }
    auto work = [this, context, stream, shared, bytes] {
      ScoreResponse response;
      std::string request_id;
      grpc::Status st = ScoreOne(context, bytes.get(), &response, &request_id);
      if (!st.ok()) {
        // A failed request is answered in the stream; the others go on.
        response.Clear();
        response.set_request_id(rewards::CleanUtf8(request_id, rewards::kMaxMessageBytes));
        response.set_error_code(StatusCodeName(st.error_code()));
        response.set_error_message(st.error_message());
      }
      std::lock_guard<std::mutex> lock(shared->mu);
      stream->Write(response);
      --shared->in_flight;
      shared->cv.notify_all();
    };
    stream_pool_.Submit(std::move(work));
    bytes = std::make_shared<grpc::ByteBuffer>();
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
