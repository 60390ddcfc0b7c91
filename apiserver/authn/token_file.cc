// kube-apiserver's --token-auth-file (k8s.io/apiserver/plugin/pkg/authenticator/token/
// tokenfile): CSV, at least token,user,uid; a fourth column of comma-separated groups.
#include <fmt/format.h>

#include <sstream>

#include "apiserver/authn/authn.h"

namespace pk::apiserver::authn {
namespace {

// One CSV record as encoding/csv reads it: fields split on commas, a field in double quotes
// may hold commas, "" is a quote inside one. False when a quote is left open.
bool SplitCsv(const std::string& line, std::vector<std::string>* fields) {
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields->push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields->push_back(std::move(field));
  return !quoted;
}

std::vector<std::string> Groups(const std::string& column) {
  std::vector<std::string> out;
  std::stringstream in(column);
  for (std::string g; std::getline(in, g, ',');) {
    if (!g.empty()) out.push_back(g);
  }
  return out;
}

}  // namespace

Result<std::map<std::string, UserInfo>> ParseTokenFile(const std::string& text,
                                                       const std::string& file) {
  std::map<std::string, UserInfo> tokens;
  std::stringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    if (!SplitCsv(line, &f)) {
      return Status::BadRequest(fmt::format("{}:{}: a quoted field is not closed", file, number));
    }
    if (f.size() < 3 || f[0].empty() || f[1].empty()) {
      return Status::BadRequest(fmt::format(
          "{}:{}: want token,user,uid[,\"group1,group2\"] (at least 3 columns, token and user "
          "not empty), got {} columns",
          file, number, f.size()));
    }
    if (tokens.count(f[0]) > 0) {
      return Status::BadRequest(
          fmt::format("{}:{}: duplicate token (user {})", file, number, f[1]));
    }
    UserInfo user{f[1], f[2], f.size() > 3 ? Groups(f[3]) : std::vector<std::string>{}};
    tokens.emplace(f[0], std::move(user));
  }
  return tokens;
}

}  // namespace pk::apiserver::authn
