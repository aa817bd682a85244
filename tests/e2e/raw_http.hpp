// A raw HTTP/1.1 client for tests of the HTTP layer itself: it writes exact
// bytes on a plain TCP socket (so it can send what no well-behaved client
// library would: conflicting framing, duplicate fields, control bytes) and
// parses the answers by hand.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::test {

struct RawResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // lower-case names
  std::string body;
  // The first value of a field, or "" (`name` in lower case).
  std::string header(const std::string& name) const;
};

class RawConnection {
 public:
  explicit RawConnection(uint16_t port);  // 127.0.0.1; reads time out after 10 s
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // The next response (one with Content-Length, as all of ours); for the
  // answer to a HEAD request, no body is read. nullopt when the connection
  // ended or timed out before a whole response.
  std::optional<RawResponse> read_response(bool head = false);
  // True when the peer has closed (end of stream or reset) with nothing more
  // to read; false when more bytes arrive or the read times out.
  bool closed_by_peer();

 private:
  bool fill();  // one recv into buf_; false on end, reset or timeout
  int fd_ = -1;
  std::string buf_;
};

}  // namespace cgw::test
