// The HTTP edge's life cycle: a stopped server gives its port back, whether it ever served or not
// (the harness starts and stops a mock per scenario, so a leaked listener would pile up).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

// Whether something still accepts TCP connections on 127.0.0.1:port.
bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return connected;
}

std::unique_ptr<Mock> QuietMock(Options& options) {
  options.port = 0;
  options.quiet = true;
  auto mock = Mock::Create(options);
  EXPECT_TRUE(mock.ok());
  return std::move(mock).value();
}

TEST(HttpServer, BoundButNeverServedReleasesThePort) {
  Options options;
  auto mock = QuietMock(options);
  int port = 0;
  {
    HttpServer server(*mock, options);
    auto bound = server.Bind();
    ASSERT_TRUE(bound.ok());
    port = *bound;
    ASSERT_TRUE(Accepts(port));  // the kernel completes handshakes once it listens
  }
  EXPECT_FALSE(Accepts(port));
}

TEST(HttpServer, StoppedAfterServingReleasesThePort) {
  Options options;
  auto mock = QuietMock(options);
  int port = 0;
  {
    HttpServer server(*mock, options);
    auto bound = server.Bind();
    ASSERT_TRUE(bound.ok());
    port = *bound;
    std::thread serving([&] { server.Serve(); });
    httplib::Client client("127.0.0.1", port);
    auto res = client.Get("/healthz");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    server.Stop();
    serving.join();
  }
  EXPECT_FALSE(Accepts(port));
}

}  // namespace
}  // namespace chronapilot::testing
