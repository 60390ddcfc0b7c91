// Status and Result<T>: the one error type of picokube. A Status is either OK or a Kubernetes
// API error carrying its StatusReason, HTTP code, message and details, so any layer can fail
// with exactly what kubectl will show. No exception crosses a folder boundary; fallible calls
// return Status or Result<T>.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "apimachinery/gvk.h"

namespace pk {

// metav1.StatusReason. Each reason has one HTTP code (see CodeOf).
enum class Reason {
  kUnknown,                // 500 unless a code is given
  kNotFound,               // 404
  kAlreadyExists,          // 409
  kConflict,               // 409
  kInvalid,                // 422, with field causes
  kBadRequest,             // 400
  kMethodNotAllowed,       // 405
  kNotAcceptable,          // 406
  kUnsupportedMediaType,   // 415
  kRequestEntityTooLarge,  // 413
  kGone,                   // 410
  kExpired,                // 410: a resourceVersion or continue token older than the window
  kForbidden,              // 403
  kUnauthorized,           // 401
  kTooManyRequests,        // 429, with retryAfterSeconds
  kTimeout,                // 504
  kServerTimeout,          // 500
  kServiceUnavailable,     // 503
  kInternalError,          // 500
};

std::string_view ReasonName(Reason reason);  // "NotFound"; "" for kUnknown
Reason ReasonFromName(std::string_view name);  // kUnknown if not a known reason
int CodeOf(Reason reason);

// metav1.StatusCause: one field-level problem ("FieldValueRequired", "spec.containers[0].image").
struct StatusCause {
  std::string reason;
  std::string message;
  std::string field;
  bool operator==(const StatusCause&) const = default;
};

// metav1.StatusDetails.
struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;  // the resource ("pods") for most errors, the Kind ("Pod") for Invalid
  std::string uid;
  std::vector<StatusCause> causes;
  int32_t retry_after_seconds = 0;
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Reason reason, std::string message, int code = 0);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  // Constructors with Kubernetes' exact wording (k8s.io/apimachinery/pkg/api/errors).
  static Status NotFound(const GroupResource& resource, std::string_view name);
  static Status AlreadyExists(const GroupResource& resource, std::string_view name);
  // `Operation cannot be fulfilled on pods "x": <why>`.
  static Status Conflict(const GroupResource& resource, std::string_view name,
                         std::string_view why);
  // The optimistic-concurrency conflict of an update with a stale resourceVersion.
  static Status ObjectModified(const GroupResource& resource, std::string_view name);
  // `Pod "x" is invalid: <causes>`; kind is the Kind ("Pod").
  static Status Invalid(const GroupVersionKind& kind, std::string_view name,
                        std::vector<StatusCause> causes);
  static Status BadRequest(std::string message);
  static Status Expired(std::string message);
  static Status Gone(std::string message);
  static Status Forbidden(std::string message);
  static Status Unauthorized(std::string message);
  static Status TooManyRequests(std::string message, int32_t retry_after_seconds);
  static Status Timeout(std::string message);
  static Status InternalError(std::string message);
  static Status MethodNotAllowed(std::string message);
  static Status UnsupportedMediaType(std::string message);

  bool ok() const { return state_ == nullptr; }
  Reason reason() const;
  int code() const;  // 200 when OK
  const std::string& message() const;
  const StatusDetails& details() const;
  StatusDetails& mutable_details();  // requires !ok()

  // Adds context in front of the message: "opening store: <message>".
  Status& Prefix(std::string_view context);
  // "NotFound: pods \"x\" not found" (or "OK"), for logs.
  std::string ToString() const;

 private:
  struct State {
    Reason reason;
    int code;
    std::string message;
    StatusDetails details;
  };
  std::unique_ptr<State> state_;
};

// A value or the Status saying why there is none.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}             // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}      // NOLINT: must not be OK
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  Status take_status() { return ok() ? Status() : std::move(std::get<Status>(v_)); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define PK_RETURN_IF_ERROR(expr)         \
  do {                                   \
    ::pk::Status pk_status_ = (expr);    \
    if (!pk_status_.ok()) return pk_status_; \
  } while (0)

}  // namespace pk
