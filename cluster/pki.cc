#include "cluster/pki.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

#include "cluster/process.h"

namespace pk::cluster {
namespace fs = std::filesystem;
namespace {

constexpr auto kOpensslTimeout = std::chrono::seconds(30);
constexpr char kOpenssl[] = "/usr/bin/openssl";  // Debian's openssl package

// `openssl req -x509 -new`: a fresh P-256 key and a certificate in one call; signed by the
// CA when `ca` is given, else self-signed.
std::vector<std::string> RequestArgs(const Pki& pki, const std::string& file,
                                     const std::string& subject, bool ca, int days) {
  std::vector<std::string> args = {kOpenssl,
                                   "req",
                                   "-x509",
                                   "-new",
                                   "-nodes",
                                   "-newkey",
                                   "ec",
                                   "-pkeyopt",
                                   "ec_paramgen_curve:prime256v1",
                                   "-keyout",
                                   pki.key(file).string(),
                                   "-out",
                                   pki.cert(file).string(),
                                   "-days",
                                   std::to_string(days),
                                   "-subj",
                                   subject};
  if (!ca) {
    args.insert(args.end(), {"-CA", pki.ca().string(), "-CAkey", pki.key("ca").string(), "-addext",
                             "basicConstraints=critical,CA:FALSE", "-addext",
                             "keyUsage=critical,digitalSignature,keyEncipherment"});
  }
  return args;
}

// "/CN=user/O=g1/O=g2", with '/' and '\' in names escaped as openssl -subj wants.
std::string Subject(const std::string& user, const std::vector<std::string>& groups) {
  auto escape = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '/' || c == '\\' || c == '+' || c == '=') out += '\\';
      out += c;
    }
    return out;
  };
  std::string out = "/CN=" + escape(user);
  for (const auto& g : groups) out += "/O=" + escape(g);
  return out;
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

std::vector<std::string> ServerArgs(const Pki& pki) {
  std::string sans =
      "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
      "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:::1";
  std::string host = HostName();
  if (!host.empty() && host != "localhost") sans += ",DNS:" + host;
  auto args = RequestArgs(pki, "apiserver", "/CN=kube-apiserver", false, 365);
  args.insert(args.end(), {"-addext", sans, "-addext", "extendedKeyUsage=serverAuth"});
  return args;
}

// Runs the commands at once, each logging to FILE.log; an error names the first that failed.
Status RunAll(const fs::path& dir,
              const std::vector<std::pair<std::string, std::vector<std::string>>>& jobs,
              const Pki& pki) {
  std::vector<std::unique_ptr<Process>> running;
  for (const auto& [file, args] : jobs) {
    auto process = Process::Spawn({args, dir / (file + ".log")});
    if (!process.ok()) return Status(process.status()).Prefix("running openssl");
    running.push_back(std::move(process).value());
  }
  auto deadline = std::chrono::steady_clock::now() + kOpensslTimeout;
  for (auto& process : running) {
    while (process->Running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  for (const auto& [file, args] : jobs) {
    std::error_code ec;
    if (fs::file_size(pki.cert(file), ec) == 0 || ec) {
      return Status::InternalError(fmt::format("openssl could not make {}: {}",
                                               pki.cert(file).string(),
                                               LogTail(dir / (file + ".log"), 5)));
    }
    fs::remove(dir / (file + ".log"), ec);
  }
  return Status::OK();
}

bool Exists(const Pki& pki, const std::string& file) {
  std::error_code ec;
  return fs::exists(pki.cert(file), ec) && fs::exists(pki.key(file), ec);
}

}  // namespace

Result<Pki> EnsurePki(const fs::path& dir, const std::vector<ClientIdentity>& identities) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::InternalError(fmt::format("creating {}: {}", dir.string(), ec.message()));
  fs::permissions(dir, fs::perms::owner_all, ec);  // keys inside
  Pki pki(dir);
  if (!fs::exists(kOpenssl, ec)) {
    return Status::InternalError(fmt::format(
        "{} is missing: the cluster's certificates are made with it (apt-get install openssl)",
        kOpenssl));
  }
  if (!Exists(pki, "ca")) {
    PK_RETURN_IF_ERROR(
        RunAll(dir, {{"ca", RequestArgs(pki, "ca", "/CN=picokube-ca", true, 3650)}}, pki));
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> jobs;
  if (!Exists(pki, "apiserver")) jobs.push_back({"apiserver", ServerArgs(pki)});
  for (const ClientIdentity& id : identities) {
    if (Exists(pki, id.file)) continue;
    auto args = RequestArgs(pki, id.file, Subject(id.user, id.groups), false, 365);
    args.insert(args.end(), {"-addext", "extendedKeyUsage=clientAuth"});
    jobs.push_back({id.file, std::move(args)});
  }
  PK_RETURN_IF_ERROR(RunAll(dir, jobs, pki));
  return pki;
}

}  // namespace pk::cluster
