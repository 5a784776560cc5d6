#include "tests/test_support.h"

#include <csignal>
#include <regex>

#include "mock/crypto.h"
#include "mock/text.h"

namespace chronapilot::testing {

MockServer::MockServer(Options options, std::FILE* log) {
  // As in main.cc: a receiver or client that hangs up must not kill the test process.
  signal(SIGPIPE, SIG_IGN);
  options.port = 0;
  options.host = "127.0.0.1";
  // Request lines only clutter test output; CHRONAPILOT_TEST_LOG=1 shows them.
  const char* env = std::getenv("CHRONAPILOT_TEST_LOG");
  if (!log) options.quiet = options.quiet || !(env && std::string(env) == "1");
  auto mock = Mock::Create(options, log ? log : stderr);
  if (!mock.ok()) {
    ADD_FAILURE() << "mock did not start: " << mock.status().ToString();
    std::abort();
  }
  mock_ = std::move(mock).value();
  server_ = std::make_unique<HttpServer>(*mock_, options);
  auto port = server_->Bind();
  if (!port.ok()) {
    ADD_FAILURE() << "mock did not bind: " << port.status().ToString();
    std::abort();
  }
  port_ = *port;
  thread_ = std::thread([this] { server_->Serve(); });
}

MockServer::~MockServer() {
  server_->Stop();
  thread_.join();
}

std::unique_ptr<httplib::Client> MockServer::Client() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
  client->set_follow_location(false);
  client->set_url_encode(false);  // paths are sent exactly as the test wrote them
  client->set_connection_timeout(5);
  client->set_read_timeout(10);
  return client;
}

Pkce Pkce::Make() {
  Pkce p;
  p.verifier = Base64UrlEncode(RandomBytes(32));
  p.challenge = S256Challenge(p.verifier);
  return p;
}

std::string QueryParam(const std::string& url, const std::string& name) {
  const size_t q = url.find('?');
  if (q == std::string::npos) return "";
  auto form = Form::Parse(url.substr(q + 1), "query");
  if (!form.ok()) return "";
  for (const auto& [k, v] : form->pairs()) {
    if (k == name) return v;
  }
  return "";
}

std::string ConsentIdFrom(const std::string& html) {
  std::smatch m;
  static const std::regex re("name=\"consent_id\" value=\"([^\"]+)\"");
  return std::regex_search(html, m, re) ? m[1].str() : "";
}

httplib::Result PostForm(httplib::Client& client, const std::string& path, const Form::Pairs& form,
                         const httplib::Headers& headers) {
  return client.Post(path.c_str(), headers, Form::Encode(form),
                     "application/x-www-form-urlencoded");
}

httplib::Headers BasicAuth(const std::string& id, const std::string& secret) {
  return {{"Authorization",
           "Basic " + Base64Encode(PercentEncode(id, true) + ":" + PercentEncode(secret, true))}};
}

Json ParseJson(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << body;
  return j;
}

Form::Pairs AuthorizeParams(const Pkce& pkce, Form::Pairs overrides) {
  Form::Pairs params = {{"client_id", kPublicClient},     {"redirect_uri", kRedirect},
                        {"response_type", "code"},        {"scope", kAllScopes},
                        {"state", "state-123"},           {"code_challenge", pkce.challenge},
                        {"code_challenge_method", "S256"}};
  for (auto& [name, value] : overrides) {
    bool replaced = false;
    for (auto& [n, v] : params) {
      if (n == name) {
        v = value;
        replaced = true;
      }
    }
    if (!replaced) params.emplace_back(name, value);
  }
  return params;
}

Form::Pairs Without(Form::Pairs params, const std::string& name) {
  Form::Pairs out;
  for (auto& p : params) {
    if (p.first != name) out.push_back(std::move(p));
  }
  return out;
}

std::string AuthorizeAndApprove(httplib::Client& client, const Form::Pairs& params,
                                const std::string& login, const std::vector<std::string>& scopes) {
  auto page = client.Get(("/oauth/authorize?" + Form::Encode(params)).c_str());
  if (!page) return "";
  if (page->status == 302) return page->get_header_value("Location");
  if (page->status != 200) return "";
  Form::Pairs decision = {
      {"consent_id", ConsentIdFrom(page->body)}, {"login", login}, {"decision", "allow"}};
  if (scopes.empty()) {
    for (const auto& [name, value] : params) {
      if (name != "scope") continue;
      for (const std::string& s : Split(value, ' ')) {
        if (!s.empty()) decision.emplace_back("scope", s);
      }
    }
  } else {
    for (const std::string& s : scopes) decision.emplace_back("scope", s);
  }
  auto res = PostForm(client, "/oauth/authorize/decision", decision);
  if (!res || res->status != 302) return "";
  return res->get_header_value("Location");
}

TokenResult PostToken(httplib::Client& client, const Form::Pairs& form,
                      const httplib::Headers& headers) {
  auto res = PostForm(client, "/oauth/token", form, headers);
  if (!res) return {0, Json()};
  return {res->status, ParseJson(res->body)};
}

TokenResult PublicClientTokens(httplib::Client& client, const std::string& login,
                               const std::string& scope) {
  Pkce pkce = Pkce::Make();
  const std::string location =
      AuthorizeAndApprove(client, AuthorizeParams(pkce, {{"scope", scope}}), login);
  const std::string code = QueryParam(location, "code");
  EXPECT_FALSE(code.empty()) << "no code in " << location;
  return PostToken(client, {{"grant_type", "authorization_code"},
                            {"code", code},
                            {"redirect_uri", kRedirect},
                            {"code_verifier", pkce.verifier},
                            {"client_id", kPublicClient}});
}

TokenResult ConfidentialClientTokens(httplib::Client& client, const std::string& login) {
  const std::string location = AuthorizeAndApprove(client,
                                                   {{"client_id", kConfidentialClient},
                                                    {"redirect_uri", kRedirect},
                                                    {"response_type", "code"},
                                                    {"scope", kAllScopes},
                                                    {"state", "s"}},
                                                   login);
  const std::string code = QueryParam(location, "code");
  EXPECT_FALSE(code.empty()) << "no code in " << location;
  return PostToken(
      client, {{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", kRedirect}},
      BasicAuth(kConfidentialClient, kConfidentialSecret));
}

httplib::Headers Bearer(const std::string& credential, const std::string& account) {
  httplib::Headers headers = {{"Authorization", "Bearer " + credential}};
  if (!account.empty()) headers.emplace("Chronapilot-Account", account);
  return headers;
}

std::string ApiResult::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

ApiResult Raw(httplib::Client& client, const std::string& method, const std::string& path,
              const httplib::Headers& headers, const std::string& body,
              const std::string& content_type) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers = headers;
  req.body = body;
  if (!content_type.empty()) req.set_header("Content-Type", content_type);
  auto res = client.send(req);
  ApiResult out;
  if (!res) return out;
  out.status = res->status;
  out.headers = res->headers;
  out.body = Json::parse(res->body, nullptr, false);
  if (out.body.is_discarded()) out.body = Json();
  return out;
}

ApiResult Api(httplib::Client& client, const std::string& method, const std::string& path,
              const httplib::Headers& headers, const std::string& json_body) {
  return Raw(client, method, path, headers, json_body, json_body.empty() ? "" : "application/json");
}

}  // namespace chronapilot::testing
