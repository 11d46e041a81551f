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

RewardServiceImpl::RewardServiceImpl(const reward::v1::Config& config, WorkerPool* pool,
                                     std::unique_ptr<TokenAuth> auth)
    : context_(MakeVerifierContext()),
      metrics_(std::make_unique<Metrics>(context_)),
      profiles_(AllProfiles(config), config.default_profile(), TimeoutsOf(config), context_),
      limits_(LimitsOf(config)),
      scheduler_(pool, absl::Milliseconds(100),
                 [metrics = metrics_.get()](const std::string& verifier, absl::Duration took) {
                   metrics->VerifierCall(verifier, took);
                 }),
      stream_pool_(std::max(4, static_cast<int>(config.threads())), /*max_extra=*/0),
      admission_(config.admission().max_pending_samples()),
      auth_(std::move(auth)) {
  metrics_->SetPending(0, admission_.max_pending());
  if (!config.request_log_off()) {
    log_ = std::make_unique<RequestLog>(stderr, /*max_queued=*/10000, [m = metrics_.get()] { m->LogDropped(); });
  }
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

RewardServiceImpl::~RewardServiceImpl() = default;

absl::Status RewardServiceImpl::Authorize(absl::string_view authorization) {
  if (auth_ == nullptr) return absl::OkStatus();
  absl::Status st = auth_->Check(authorization);
  if (!st.ok()) metrics_->Unauthenticated();
  return st;
}

grpc::Status RewardServiceImpl::AuthorizeGrpc(grpc::ServerContext* context) {
  if (auth_ == nullptr) return grpc::Status::OK;
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  absl::string_view value = it == metadata.end() ? absl::string_view()
                                                 : absl::string_view(it->second.data(), it->second.size());
  return ToGrpcStatus(Authorize(value));
}

std::string RewardServiceImpl::ProfileLabel(const ScoreRequest& request) const {
  if (request.reward_size() > 0) return "inline";
  const std::string& name = request.profile().empty() ? profiles_.default_profile() : request.profile();
  // Only configured names become label values (a bounded set).
  return profiles_.Find(name).ok() ? name : "unknown";
}

void RewardServiceImpl::Record(const CallInfo& call, const ScoreRequest* request, const absl::Status& status,
                               const ScoreResponse* response, absl::Duration took) {
  const std::string profile = request != nullptr ? ProfileLabel(*request) : "unknown";
  metrics_->CallDone(call.method, profile, status.code(), took, response);
  if (log_ == nullptr) return;
  RequestRecord record;
  record.method = call.method;
  record.peer = call.peer;
  record.profile = profile;
  record.code = status.code();
  record.message = std::string(status.message());
  record.took = took;
  if (request != nullptr) {
    record.request_id = request->request_id();
    record.groups = static_cast<size_t>(request->groups_size());
    for (const auto& g : request->groups()) record.samples += static_cast<size_t>(g.completions_size());
  }
  if (response != nullptr) CountResponse(*response, &record);
  log_->Add(std::move(record));
}

absl::StatusOr<ScoreResponse> RewardServiceImpl::ScoreDecoded(std::shared_ptr<const ScoreRequest> request,
                                                              const rewards::GroupErrors& group_errors,
                                                              absl::Time deadline,
                                                              const std::function<bool()>& cancelled,
                                                              CallInfo* call) {
  const absl::Time start = absl::Now();
  // A request's own time budget (ScoreStream's per-request deadline) counts
  // from here and can only shorten the call's deadline.
  if (request->timeout_ms() > 0) {
    deadline = std::min(deadline, start + absl::Milliseconds(request->timeout_ms()));
  }
  uint64_t samples = 0;
  for (const auto& g : request->groups()) samples += static_cast<uint64_t>(g.completions_size());
  Admission::Ticket ticket;
  if (absl::Status st = admission_.TryAdmit(samples, &ticket, &call->retry_after); !st.ok()) {
    metrics_->Refused();
    Record(*call, request.get(), st, nullptr, absl::Now() - start);
    return st;
  }
  metrics_->SetPending(admission_.pending(), admission_.max_pending());
  metrics_->InFlight(1);
  absl::StatusOr<ScoreResponse> scored = ScoreAdmitted(request, group_errors, deadline, cancelled);
  metrics_->InFlight(-1);
  // Logged while still admitted: a log line's span lies within the call's
  // admission (operations_test counts calls at once from the log).
  Record(*call, request.get(), scored.status(), scored.ok() ? &*scored : nullptr, absl::Now() - start);
  ticket.Release();
  metrics_->SetPending(admission_.pending(), admission_.max_pending());
  return scored;
}

absl::StatusOr<ScoreResponse> RewardServiceImpl::ScoreAdmitted(std::shared_ptr<const ScoreRequest> request,
                                                               const rewards::GroupErrors& group_errors,
                                                               absl::Time deadline,
                                                               const std::function<bool()>& cancelled) {
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

  absl::Duration waited;
  absl::StatusOr<rewards::VerdictGrid> grid =
      scheduler_.Run(prepared, deadline, [&] { return cancel_all_.load() || cancelled(); }, &waited);
  if (!grid.ok()) return grid.status();
  metrics_->QueueWait(waited);
  return rewards::AssembleResponse(*prepared, std::move(*grid));
}

grpc::Status RewardServiceImpl::ScoreOne(grpc::ServerContext* context, grpc::ByteBuffer* bytes,
                                         ScoreResponse* response, std::string* request_id, CallInfo* call) {
  const absl::Time start = absl::Now();
  DecodedRequest decoded = Decode(bytes);
  bytes->Clear();
  *request_id = decoded.request->request_id();
  if (!decoded.status.ok()) {
    Record(*call, decoded.request.get(), decoded.status, nullptr, absl::Now() - start);
    return ToGrpcStatus(decoded.status);
  }
  absl::StatusOr<ScoreResponse> scored =
      ScoreDecoded(std::move(decoded.request), decoded.group_errors, absl::FromChrono(context->deadline()),
                   [context] { return context->IsCancelled(); }, call);
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
  if (grpc::Status auth = AuthorizeGrpc(context); !auth.ok()) return auth;
  ScoreResponse response;
  std::string request_id;
  CallInfo call{"Score", context->peer(), absl::ZeroDuration()};
  grpc::Status st = ScoreOne(context, &bytes, &response, &request_id, &call);
  if (st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && call.retry_after > absl::ZeroDuration()) {
    // gRPC's own retry policy reads this; other clients can too.
    context->AddTrailingMetadata("grpc-retry-pushback-ms",
                                 std::to_string(absl::ToInt64Milliseconds(call.retry_after)));
  }
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
  if (grpc::Status auth = AuthorizeGrpc(context); !auth.ok()) return auth;
  const std::string peer = context->peer();

  auto bytes = std::make_shared<grpc::ByteBuffer>();
  while (stream->Read(bytes.get())) {
    {
      std::unique_lock<std::mutex> lock(shared->mu);
      shared->cv.wait(lock, [&] { return shared->in_flight < kMaxInFlight; });
      ++shared->in_flight;
    }
    auto work = [this, context, stream, shared, bytes, peer] {
      ScoreResponse response;
      std::string request_id;
      CallInfo call{"ScoreStream", peer, absl::ZeroDuration()};
      grpc::Status st = ScoreOne(context, bytes.get(), &response, &request_id, &call);
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

grpc::Status RewardServiceImpl::ListVerifiers(grpc::ServerContext* context,
                                              const reward::v1::ListVerifiersRequest*,
                                              reward::v1::ListVerifiersResponse* response) {
  // The HTTP face calls with no context, having checked its header itself.
  if (context != nullptr) {
    if (grpc::Status auth = AuthorizeGrpc(context); !auth.ok()) return auth;
  }
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
