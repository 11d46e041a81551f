#include "server/request_log.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "rewards/utf8.h"

namespace server {
namespace {

// A JSON string literal of `s` (valid UTF-8 by then).
std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string Clean(absl::string_view s) { return Quote(rewards::CleanUtf8(s, 256)); }

}  // namespace

void CountResponse(const reward::v1::ScoreResponse& response, RequestRecord* record) {
  record->groups = static_cast<size_t>(response.groups_size());
  record->samples = 0;
  for (const auto& g : response.groups()) {
    record->samples += static_cast<size_t>(g.samples_size());
    for (const auto& s : g.samples()) ++record->statuses[s.status()];
  }
}

std::string FormatRecord(const RequestRecord& r, absl::Time when) {
  std::string line = absl::StrCat(
      "{\"time\":", Quote(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", when, absl::UTCTimeZone())),
      ",\"method\":", Quote(r.method), ",\"request_id\":", Clean(r.request_id), ",\"peer\":", Clean(r.peer),
      ",\"profile\":", Clean(r.profile), ",\"groups\":", r.groups, ",\"samples\":", r.samples,
      ",\"ms\":", absl::StrFormat("%.1f", absl::ToDoubleMilliseconds(r.took)),
      ",\"code\":", Quote(absl::StatusCodeToString(r.code)));
  if (r.code != absl::StatusCode::kOk) absl::StrAppend(&line, ",\"message\":", Clean(r.message));
  if (!r.statuses.empty()) {
    line += ",\"statuses\":{";
    bool first = true;
    for (const auto& [status, n] : r.statuses) {
      absl::StrAppend(&line, first ? "" : ",", Clean(status), ":", n);
      first = false;
    }
    line += "}";
  }
  line += "}";
  return line;
}

RequestLog::RequestLog(FILE* out, size_t max_queued, std::function<void()> on_drop)
    : out_(out), max_queued_(max_queued), on_drop_(std::move(on_drop)), writer_([this] { Loop(); }) {}

RequestLog::~RequestLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  writer_.join();
}

void RequestLog::Add(RequestRecord record) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= max_queued_) {
      if (on_drop_) on_drop_();
      return;
    }
    queue_.emplace_back(absl::Now(), std::move(record));
  }
  cv_.notify_one();
}

void RequestLog::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) return;
    std::deque<std::pair<absl::Time, RequestRecord>> batch;
    batch.swap(queue_);
    lock.unlock();
    for (const auto& [when, record] : batch) {
      std::string line = FormatRecord(record, when);
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), out_);
    }
    std::fflush(out_);
    lock.lock();
  }
}

}  // namespace server
