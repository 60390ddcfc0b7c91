// Tokens: the keys (loaded, or made once in the data directory) and the bound-token claims
// Kubernetes issues (pkg/serviceaccount/claims.go).
#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apimachinery/object.h"
#include "apiserver/registry/names.h"
#include "apiserver/serviceaccount/serviceaccount.h"

namespace pk::apiserver::serviceaccount {
namespace {

Result<std::string> ReadFile(const std::string& path, const std::string& flag) {
  std::ifstream in(path);
  if (!in) return Status::BadRequest(fmt::format("{} {}: cannot read the file", flag, path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The key signing tokens when no --service-account-signing-key-file is given. Made at the
// first start and kept: picokube's test clusters start without any PKI, and tokens issued
// before a restart must still verify after it.
Result<Key> DataDirKey(const std::string& data_dir) {
  std::string path = (std::filesystem::path(data_dir) / "service-account.key").string();
  if (std::filesystem::exists(path)) {
    auto pem = ReadFile(path, "service account key");
    if (!pem.ok()) return pem.take_status();
    return Key::FromPem(*pem);
  }
  auto key = Key::GenerateEcP256();
  if (!key.ok()) return key.take_status();
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    ::chmod(tmp.c_str(), 0600);
    out << key->PrivatePem();
    if (!out.flush()) return Status::InternalError("writing " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::InternalError(fmt::format("writing {}: {}", path, ec.message()));
  return key;
}

Result<Key> SigningKey(const Options& options) {
  if (options.signing_key_file.empty()) return DataDirKey(options.data_dir);
  auto pem = ReadFile(options.signing_key_file, "--service-account-signing-key-file");
  if (!pem.ok()) return pem.take_status();
  auto key = Key::FromPem(*pem);
  if (!key.ok() || !key->is_private()) {
    return Status::BadRequest(
        fmt::format("--service-account-signing-key-file {}: failed to parse service-account-issuer-"
                    "key-file: data does not contain a valid RSA or ECDSA private key",
                    options.signing_key_file));
  }
  return key;
}

nlohmann::json RefJson(const Ref& ref) { return {{"name", ref.name}, {"uid", ref.uid}}; }

}  // namespace

Result<std::unique_ptr<Tokens>> Tokens::New(const Options& options, storage::Store* store) {
  std::unique_ptr<Tokens> tokens(new Tokens());
  tokens->store_ = store;
  auto signer = SigningKey(options);
  if (!signer.ok()) return signer.take_status();
  tokens->signer_ = std::move(signer).value();
  tokens->keys_.push_back(tokens->signer_);
  for (const std::string& file : options.key_files) {
    auto pem = ReadFile(file, "--service-account-key-file");
    if (!pem.ok()) return pem.take_status();
    auto keys = Key::AllFromPem(*pem);
    if (!keys.ok()) return Status(keys.status()).Prefix("--service-account-key-file " + file);
    tokens->keys_.insert(tokens->keys_.end(), keys->begin(), keys->end());
  }
  tokens->issuers_ = options.issuers;
  if (tokens->issuers_.empty()) tokens->issuers_ = {kDefaultIssuer};
  tokens->audiences_ = options.api_audiences;
  if (tokens->audiences_.empty()) tokens->audiences_ = tokens->issuers_;
  tokens->extend_ = options.extend_token_expiration;
  tokens->now_ = options.now;
  return tokens;
}

int64_t Tokens::Now() const {
  if (now_) return now_();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json Tokens::Claims(const google::protobuf::Message& sa, const Binding& binding,
                              const std::vector<std::string>& audiences, int64_t expiration_seconds,
                              int64_t warn_after_seconds) const {
  const auto& meta = *GetObjectMeta(sa);
  const int64_t now = Now();
  nlohmann::json k8s = {{"namespace", meta.namespace_()},
                        {"serviceaccount", RefJson({meta.name(), meta.uid()})}};
  if (!binding.pod.name.empty()) k8s["pod"] = RefJson(binding.pod);
  if (!binding.secret.name.empty()) k8s["secret"] = RefJson(binding.secret);
  if (!binding.node.name.empty()) k8s["node"] = RefJson(binding.node);
  if (warn_after_seconds > 0) k8s["warnafter"] = now + warn_after_seconds;
  return {{"aud", audiences},
          {"exp", now + expiration_seconds},
          {"iat", now},
          {"iss", issuers_.front()},
          {"jti", registry::NewUid()},
          {"kubernetes.io", std::move(k8s)},
          {"nbf", now},
          {"sub", fmt::format("system:serviceaccount:{}:{}", meta.namespace_(), meta.name())}};
}

}  // namespace pk::apiserver::serviceaccount
