#include "server/http_face.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"
#include "rewards/utf8.h"
#include "server/trainer_protocols.h"

namespace server {

using reward::v1::ScoreRequest;
using reward::v1::ScoreResponse;

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kUnimplemented:
      return 501;
    default:
      return 500;
  }
}

namespace {

constexpr char kJson[] = "application/json";

void Reply(httplib::Response &res, const std::string &json) {
  res.status = 200;
  res.set_content(json, kJson);
}

void ReplyError(httplib::Response &res, const absl::Status &status) {
  google::protobuf::Struct error;
  auto &fields = *(*error.mutable_fields())["error"].mutable_struct_value()->mutable_fields();
  fields["code"].set_string_value(absl::StatusCodeToString(status.code()));
  // The message may quote the client's bytes: valid UTF-8, cut to a sane
  // length.
  fields["message"].set_string_value(rewards::CleanUtf8(status.message(), rewards::kMaxMessageBytes));
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(error, &json);
  res.status = HttpStatusOf(status.code());
  res.set_content(json, kJson);
}

std::string ToJson(const google::protobuf::Message &message) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out);
  return out;
}

}  // namespace

HttpFace::HttpFace(RewardServiceImpl *service, size_t max_body_bytes, absl::Duration deadline)
    : service_(service), deadline_(deadline), http_(std::make_unique<httplib::Server>()) {
  http_->set_payload_max_length(max_body_bytes);
  // A thread per connection in use: trainers keep many connections open
  // (slime's pool holds 64); the scoring itself queues on the worker pool.
  http_->new_task_queue = [] { return new httplib::ThreadPool(64); };
  // Every route but /healthz needs a token when the server has them.
  auto authorized = [this](const httplib::Request &req, httplib::Response &res) {
    absl::Status st = service_->Authorize(req.get_header_value("Authorization"));
    if (st.ok()) return true;
    ReplyError(res, st);
    res.set_header("WWW-Authenticate", "Bearer");
    return false;
  };
  auto score = [this](std::shared_ptr<const ScoreRequest> request, const httplib::Request &req,
                      httplib::Response &res) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++in_flight_;
    }
    CallInfo call{absl::StrCat(req.method, " ", req.path), absl::StrCat(req.remote_addr, ":", req.remote_port),
                  absl::ZeroDuration()};
    // HTTP has no deadline or cancellation of its own: the configured bound.
    auto scored =
        service_->ScoreDecoded(std::move(request), {}, absl::Now() + deadline_, [] { return false; }, &call);
    if (call.retry_after > absl::ZeroDuration()) {
      // Retry-After is in whole seconds; at least 1.
      res.set_header("Retry-After",
                     std::to_string(std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(call.retry_after, absl::Seconds(1))))));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--in_flight_ == 0) idle_cv_.notify_all();
    }
    return scored;
  };
  // The profile of the trainer routes: ?profile=NAME, else the default.
  auto profile_of = [](const httplib::Request &req) {
    return req.has_param("profile") ? req.get_param_value("profile") : std::string();
  };

  http_->Post("/v1/score", [score, authorized](const httplib::Request &req, httplib::Response &res) {
    if (!authorized(req, res)) return;
    auto request = std::make_shared<ScoreRequest>();
    google::protobuf::util::JsonParseOptions options;
    auto st = google::protobuf::util::JsonStringToMessage(req.body, request.get(), options);
    if (!st.ok()) {
      return ReplyError(
          res, absl::InvalidArgumentError(absl::StrCat("request: not a reward.v1.ScoreRequest in JSON: ",
                                                       std::string(st.message().data(), st.message().size()))));
    }
    absl::StatusOr<ScoreResponse> scored = score(std::move(request), req, res);
    if (!scored.ok()) return ReplyError(res, scored.status());
    Reply(res, ToJson(*scored));
  });

  http_->Get("/v1/verifiers", [this, authorized](const httplib::Request &req, httplib::Response &res) {
    if (!authorized(req, res)) return;
    reward::v1::ListVerifiersRequest request;
    reward::v1::ListVerifiersResponse response;
    service_->ListVerifiers(nullptr, &request, &response);
    Reply(res, ToJson(response));
  });

  http_->Get("/healthz", [this](const httplib::Request &, httplib::Response &res) {
    Reply(res, serving_ ? R"({"status":"SERVING"})" : R"({"status":"NOT_SERVING"})");
    if (!serving_) res.status = 503;
  });

  http_->Post("/openrlhf", [score, profile_of, authorized](const httplib::Request &req, httplib::Response &res) {
    if (!authorized(req, res)) return;
    absl::StatusOr<ScoreRequest> request = OpenRlhfRequest(req.body, profile_of(req));
    if (!request.ok()) return ReplyError(res, request.status());
    absl::StatusOr<ScoreResponse> scored = score(std::make_shared<ScoreRequest>(std::move(*request)), req, res);
    if (!scored.ok()) return ReplyError(res, scored.status());
    absl::StatusOr<std::string> json = OpenRlhfResponse(*scored);
    if (!json.ok()) return ReplyError(res, json.status());
    Reply(res, *json);
  });

  http_->Post("/slime", [score, profile_of, authorized](const httplib::Request &req, httplib::Response &res) {
    if (!authorized(req, res)) return;
    absl::StatusOr<ScoreRequest> request = SlimeRequest(req.body, profile_of(req));
    if (!request.ok()) return ReplyError(res, request.status());
    absl::StatusOr<ScoreResponse> scored = score(std::make_shared<ScoreRequest>(std::move(*request)), req, res);
    if (!scored.ok()) return ReplyError(res, scored.status());
    absl::StatusOr<std::string> json = SlimeResponse(*scored);
    if (!json.ok()) return ReplyError(res, json.status());
    Reply(res, *json);
  });

  // Unknown routes and wrong methods: a JSON error naming the path.
  http_->set_error_handler([](const httplib::Request &req, httplib::Response &res) {
    if (!res.body.empty()) return;  // a handler's own error
    if (res.status == 413) {
      ReplyError(res, absl::ResourceExhaustedError("request: the body is over max_request_bytes"));
      res.status = 413;
      return;
    }
    int status = res.status;
    ReplyError(res, absl::NotFoundError(absl::StrCat(req.method, " ", req.path,
                                                     ": no such route (POST /v1/score, GET /v1/verifiers, "
                                                     "GET /healthz, POST /openrlhf, POST /slime)")));
    if (status != 404) res.status = status;
  });
  http_->set_exception_handler([](const httplib::Request &, httplib::Response &res, std::exception_ptr) {
    ReplyError(res, absl::InternalError("the request could not be handled"));
  });
}

HttpFace::~HttpFace() { Stop(); }

absl::StatusOr<int> HttpFace::Start(const std::string &address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("http_listen_address: '", address, "' is not host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (port == 0) {
    port = http_->bind_to_any_port(host);
  } else if (!http_->bind_to_port(host, port)) {
    port = -1;
  }
  if (port <= 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", address, " (HTTP)"));
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  return port;
}

void HttpFace::WaitIdle(absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  auto idle = [this] { return in_flight_ == 0; };
  if (deadline == absl::InfiniteFuture()) {
    idle_cv_.wait(lock, idle);
  } else {
    idle_cv_.wait_until(lock, absl::ToChronoTime(deadline), idle);
  }
}

void HttpFace::Stop() {
  if (thread_.joinable()) {
    http_->stop();
    thread_.join();
  }
}

}  // namespace server
