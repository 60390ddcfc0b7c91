// The flags every component takes to reach the apiserver, in one place: the gRPC target,
// a bearer token, and TLS files named as kubectl's (--certificate-authority,
// --client-certificate, --client-key).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "client/channel.h"

namespace pk::client {

inline void AddApiFlags(CLI::App& app, std::string* target, std::string* token,
                        ApiCredentials* credentials, bool required = true) {
  auto* option = app.add_option("--apiserver", *target, "gRPC address: unix:PATH or HOST:PORT");
  if (required) option->required();
  if (token != nullptr) app.add_option("--token", *token, "Bearer token for the apiserver");
  app.add_option("--certificate-authority", credentials->certificate_authority,
                 "CA of the apiserver's certificate (PEM): talk TLS and verify it");
  app.add_option("--client-certificate", credentials->client_certificate,
                 "This component's client certificate (PEM): its identity");
  app.add_option("--client-key", credentials->client_key, "The key of --client-certificate");
}

// The channel the flags name, for a main() right after parsing; null (after printing
// "COMPONENT: <what is wrong>") when a TLS file cannot be used.
inline std::shared_ptr<grpc::Channel> DialFromFlags(const char* component,
                                                    const std::string& target,
                                                    const ApiCredentials& credentials) {
  Status status = CheckApiCredentials(credentials);
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", component, status.message().c_str());
    return nullptr;
  }
  return NewApiChannel(target, credentials);
}

}  // namespace pk::client
