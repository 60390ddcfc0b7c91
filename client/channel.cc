#include "client/channel.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pk::client {
namespace {

// The reconnect back-off (ms): the apiserver is local, so retry soon (see channel.h).
constexpr int kReconnectInitial = 100;
constexpr int kReconnectMax = 1000;

// gRPC reads its backup poll interval once, when it initialises: set before main, so before
// any channel or server of the process exists. A value the user set stands (overwrite = 0).
const bool kBackupPollSet = [] {
  return setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", kBackupPollIntervalMs,
                /*overwrite=*/0) == 0;
}();

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  if (in) text << in.rdbuf();
  return text.str();
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const ApiCredentials& credentials) {
  if (!credentials.tls()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(credentials.certificate_authority);
  if (!credentials.client_certificate.empty()) {
    ssl.pem_cert_chain = ReadFile(credentials.client_certificate);
    ssl.pem_private_key = ReadFile(credentials.client_key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

Status CheckApiCredentials(const ApiCredentials& credentials) {
  const std::pair<const char*, const std::string*> files[] = {
      {"--certificate-authority", &credentials.certificate_authority},
      {"--client-certificate", &credentials.client_certificate},
      {"--client-key", &credentials.client_key}};
  for (const auto& [flag, file] : files) {
    if (!file->empty() && ReadFile(*file).empty()) {
      return Status::BadRequest(fmt::format("{} {}: cannot read the file", flag, *file));
    }
  }
  if (credentials.client_certificate.empty() != credentials.client_key.empty()) {
    return Status::BadRequest("--client-certificate and --client-key go together");
  }
  if (!credentials.client_certificate.empty() && !credentials.tls()) {
    return Status::BadRequest("--client-certificate needs --certificate-authority (TLS)");
  }
  return Status::OK();
}

grpc::ChannelArguments LocalChannelArguments() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kReconnectInitial);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kReconnectMax);
  // Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC takes it as the least time one connection
  // attempt gets (default 20 s), and a TLS handshake with an apiserver that is just starting
  // on a busy machine takes longer than the 100 ms to 1 s of the back-off above. With it, every
  // attempt was cut off mid-handshake ("Handshake read failed") for as long as the load lasted.
  args.SetMaxReceiveMessageSize(-1);  // lists of thousands of objects
  return args;
}

std::shared_ptr<grpc::Channel> NewApiChannel(const std::string& target,
                                             const ApiCredentials& credentials) {
  grpc::ChannelArguments args = LocalChannelArguments();
  // A unix socket's authority is "localhost", which the apiserver's certificate names.
  return grpc::CreateCustomChannel(target, ChannelCredentials(credentials), args);
}

}  // namespace pk::client
