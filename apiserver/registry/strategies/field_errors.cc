#include "apiserver/registry/strategies/field_errors.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "apimachinery/validation.h"

namespace pk::registry {
namespace {

// "<type>" or "<type>: <detail>", as ErrorBody appends a detail.
std::string Body(std::string_view type, std::string_view detail) {
  std::string out(type);
  if (!detail.empty()) out += ": " + std::string(detail);
  return out;
}

StatusCause Cause(std::string_view reason, std::string message, std::string_view path) {
  return StatusCause{std::string(reason), std::move(message), std::string(path)};
}

}  // namespace

BadValue BadValue::String(std::string_view s) { return {validation::GoQuote(s)}; }
BadValue BadValue::Int(int64_t v) { return {std::to_string(v)}; }
BadValue BadValue::Bool(bool v) { return {v ? "true" : "false"}; }

StatusCause Required(std::string_view path, std::string_view detail) {
  return Cause("FieldValueRequired", Body("Required value", detail), path);
}

StatusCause Invalid(std::string_view path, const BadValue& value, std::string_view detail) {
  return Cause("FieldValueInvalid", Body("Invalid value: " + value.text, detail), path);
}

StatusCause Duplicate(std::string_view path, const BadValue& value) {
  return Cause("FieldValueDuplicate", "Duplicate value: " + value.text, path);
}

StatusCause Forbidden(std::string_view path, std::string_view detail) {
  return Cause("FieldValueForbidden", Body("Forbidden", detail), path);
}

StatusCause NotFound(std::string_view path, const BadValue& value) {
  return Cause("FieldValueNotFound", "Not found: " + value.text, path);
}

StatusCause TooLong(std::string_view path, int64_t max_bytes) {
  const std::string unit = max_bytes == 1 ? " byte" : " bytes";
  return Cause("FieldValueTooLong",
               Body("Too long", "may not be more than " + std::to_string(max_bytes) + unit), path);
}

StatusCause NotSupported(std::string_view path, const BadValue& value,
                         const std::vector<std::string>& supported) {
  std::string detail;
  for (size_t i = 0; i < supported.size(); ++i) {
    detail += (i == 0 ? "supported values: " : ", ") + BadValue::String(supported[i]).text;
  }
  return Cause("FieldValueNotSupported", Body("Unsupported value: " + value.text, detail), path);
}

StatusCause Immutable(std::string_view path, const BadValue& value) {
  return Invalid(path, value, "field is immutable");
}

void AddInvalid(Causes* causes, std::string_view path, const BadValue& value,
                const std::vector<std::string>& messages) {
  for (const std::string& m : messages) causes->push_back(Invalid(path, value, m));
}

void Append(Causes* causes, Causes more) {
  for (StatusCause& c : more) causes->push_back(std::move(c));
}

std::string Index(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

std::string Key(std::string_view path, std::string_view key) {
  return std::string(path) + "[" + std::string(key) + "]";
}

void ValidateNonnegative(Causes* causes, std::string_view path, int64_t value) {
  if (value < 0) {
    causes->push_back(Invalid(path, BadValue::Int(value), "must be greater than or equal to 0"));
  }
}

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return DeterministicBytes(a) == DeterministicBytes(b);
}

}  // namespace pk::registry
