#include "apimachinery/status.h"

#include <fmt/format.h>

#include <array>

namespace pk {
namespace {

struct ReasonInfo {
  Reason reason;
  std::string_view name;
  int code;
};

constexpr std::array<ReasonInfo, 19> kReasons = {{
    {Reason::kUnknown, "", 500},
    {Reason::kNotFound, "NotFound", 404},
    {Reason::kAlreadyExists, "AlreadyExists", 409},
    {Reason::kConflict, "Conflict", 409},
    {Reason::kInvalid, "Invalid", 422},
    {Reason::kBadRequest, "BadRequest", 400},
    {Reason::kMethodNotAllowed, "MethodNotAllowed", 405},
    {Reason::kNotAcceptable, "NotAcceptable", 406},
    {Reason::kUnsupportedMediaType, "UnsupportedMediaType", 415},
    {Reason::kRequestEntityTooLarge, "RequestEntityTooLarge", 413},
    {Reason::kGone, "Gone", 410},
    {Reason::kExpired, "Expired", 410},
    {Reason::kForbidden, "Forbidden", 403},
    {Reason::kUnauthorized, "Unauthorized", 401},
    {Reason::kTooManyRequests, "TooManyRequests", 429},
    {Reason::kTimeout, "Timeout", 504},
    {Reason::kServerTimeout, "ServerTimeout", 500},
    {Reason::kServiceUnavailable, "ServiceUnavailable", 503},
    {Reason::kInternalError, "InternalError", 500},
}};

const ReasonInfo& InfoOf(Reason reason) {
  for (const auto& info : kReasons) {
    if (info.reason == reason) return info;
  }
  return kReasons[0];
}

// Kubernetes joins several field errors as "[a, b]" and prints one alone.
std::string JoinCauses(const std::vector<StatusCause>& causes) {
  std::vector<std::string> parts;
  for (const auto& c : causes) {
    parts.push_back(c.field.empty() ? c.message : c.field + ": " + c.message);
  }
  if (parts.size() == 1) return parts[0];
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

}  // namespace

std::string_view ReasonName(Reason reason) { return InfoOf(reason).name; }

Reason ReasonFromName(std::string_view name) {
  for (const auto& info : kReasons) {
    if (!name.empty() && info.name == name) return info.reason;
  }
  return Reason::kUnknown;
}

int CodeOf(Reason reason) { return InfoOf(reason).code; }

Status::Status(Reason reason, std::string message, int code)
    : state_(std::make_unique<State>(
          State{reason, code != 0 ? code : CodeOf(reason), std::move(message), {}})) {}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  return *this;
}

Status Status::NotFound(const GroupResource& resource, std::string_view name) {
  Status s(Reason::kNotFound, fmt::format("{} \"{}\" not found", resource.String(), name));
  s.state_->details.name = name;
  s.state_->details.group = resource.group;
  s.state_->details.kind = resource.resource;
  return s;
}

Status Status::AlreadyExists(const GroupResource& resource, std::string_view name) {
  Status s(Reason::kAlreadyExists,
           fmt::format("{} \"{}\" already exists", resource.String(), name));
  s.state_->details.name = name;
  s.state_->details.group = resource.group;
  s.state_->details.kind = resource.resource;
  return s;
}

Status Status::Conflict(const GroupResource& resource, std::string_view name,
                        std::string_view why) {
  Status s(Reason::kConflict, fmt::format("Operation cannot be fulfilled on {} \"{}\": {}",
                                          resource.String(), name, why));
  s.state_->details.name = name;
  s.state_->details.group = resource.group;
  s.state_->details.kind = resource.resource;
  return s;
}

Status Status::ObjectModified(const GroupResource& resource, std::string_view name) {
  return Conflict(resource, name,
                  "the object has been modified; please apply your changes to the latest "
                  "version and try again");
}

Status Status::Invalid(const GroupVersionKind& kind, std::string_view name,
                       std::vector<StatusCause> causes) {
  Status s(Reason::kInvalid,
           fmt::format("{} \"{}\" is invalid: {}", kind.kind, name, JoinCauses(causes)));
  s.state_->details.name = name;
  s.state_->details.group = kind.group;
  s.state_->details.kind = kind.kind;
  s.state_->details.causes = std::move(causes);
  return s;
}

Status Status::BadRequest(std::string message) {
  return Status(Reason::kBadRequest, std::move(message));
}
Status Status::Expired(std::string message) { return Status(Reason::kExpired, std::move(message)); }
Status Status::Gone(std::string message) { return Status(Reason::kGone, std::move(message)); }
Status Status::Forbidden(std::string message) {
  return Status(Reason::kForbidden, std::move(message));
}
Status Status::Unauthorized(std::string message) {
  return Status(Reason::kUnauthorized, std::move(message));
}
Status Status::TooManyRequests(std::string message, int32_t retry_after_seconds) {
  Status s(Reason::kTooManyRequests, std::move(message));
  s.state_->details.retry_after_seconds = retry_after_seconds;
  return s;
}
Status Status::Timeout(std::string message) { return Status(Reason::kTimeout, std::move(message)); }
Status Status::InternalError(std::string message) {
  return Status(Reason::kInternalError, std::move(message));
}
Status Status::MethodNotAllowed(std::string message) {
  return Status(Reason::kMethodNotAllowed, std::move(message));
}
Status Status::UnsupportedMediaType(std::string message) {
  return Status(Reason::kUnsupportedMediaType, std::move(message));
}

Reason Status::reason() const { return state_ ? state_->reason : Reason::kUnknown; }
int Status::code() const { return state_ ? state_->code : 200; }

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

const StatusDetails& Status::details() const {
  static const StatusDetails kEmpty;
  return state_ ? state_->details : kEmpty;
}

StatusDetails& Status::mutable_details() { return state_->details; }

Status& Status::Prefix(std::string_view context) {
  if (state_) state_->message = fmt::format("{}: {}", context, state_->message);
  return *this;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string_view name = ReasonName(state_->reason);
  return fmt::format("{}: {}", name.empty() ? "Error" : name, state_->message);
}

}  // namespace pk
