#include "cgw/sim/journal_masking.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/common/id_number.hpp"
#include "message_kind.hpp"

#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/url.hpp>
#include <pugixml.hpp>

#include <algorithm>
#include <cctype>

namespace cgw::sim {

namespace json = boost::json;

namespace {

bool listed(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The masked form of `value` in field `name`, or nullopt to keep it.
std::optional<std::string> masked(const JournalMasking& m, std::string_view name,
                                  std::string_view value) {
  if (listed(m.id_numbers, name) || listed(m.phones, name)) return id::mask_id_number(value);
  if (listed(m.names, name)) return value.empty() ? std::string() : id::mask_name(value);
  if (listed(m.images, name))
    return "[image " + std::to_string(value.size()) + " bytes sha256:" + crypto::sha256_hex(value) +
           "]";
  if (listed(m.secrets, name)) return std::string("***");
  return std::nullopt;
}

void mask_json(json::value& v, const JournalMasking& m) {
  if (v.is_array()) {
    for (auto& item : v.as_array()) mask_json(item, m);
    return;
  }
  if (!v.is_object()) return;
  for (auto& [key, value] : v.as_object()) {
    if (auto text = scalar_text(value))
      if (auto out = masked(m, key, *text)) {
        value = json::string(*out);
        continue;
      }
    mask_json(value, m);
  }
}

std::optional<std::string> mask_form(std::string_view body, const JournalMasking& m) {
  auto params = boost::urls::parse_query(body);
  if (!params) return std::nullopt;
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  boost::urls::url out;
  for (auto p : *params) {
    const std::string key = p.key.decode(opts);
    std::string value = p.has_value ? p.value.decode(opts) : std::string();
    if (auto replaced = masked(m, key, value)) value = std::move(*replaced);
    out.params().append({key, value});
  }
  return std::string(out.encoded_query());
}

struct StringWriter final : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

std::optional<std::string> mask_xml(std::string_view body, const JournalMasking& m) {
  pugi::xml_document doc;
  constexpr unsigned kParse = pugi::parse_default | pugi::parse_declaration;
  if (!doc.load_buffer(body.data(), body.size(), kParse, pugi::encoding_utf8)) return std::nullopt;
  struct Walker final : pugi::xml_tree_walker {
    const JournalMasking& m;
    explicit Walker(const JournalMasking& masking) : m(masking) {}
    bool for_each(pugi::xml_node& n) override {
      if (n.type() != pugi::node_element) return true;
      std::string text;
      for (pugi::xml_node c : n.children())
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
      if (auto out = masked(m, n.name(), text)) {
        while (n.first_child()) n.remove_child(n.first_child());
        n.text().set(out->c_str());
      }
      return true;
    }
  } walker(m);
  doc.traverse(walker);
  StringWriter w;
  doc.save(w, "", pugi::format_raw, pugi::encoding_utf8);
  return std::move(w.out);
}

std::string opaque(std::string_view content_type, std::string_view body) {
  return "[body " + std::to_string(body.size()) + " bytes sha256:" + crypto::sha256_hex(body) +
         " content-type " +
         (content_type.empty() ? std::string("none") : std::string(content_type)) + "]";
}

// Cut at kJournalBodyCap, never inside a UTF-8 sequence.
void cap(JournalMessage& msg) {
  if (msg.body.size() <= kJournalBodyCap) return;
  size_t end = kJournalBodyCap;
  while (end > 0 && (static_cast<unsigned char>(msg.body[end]) & 0xC0) == 0x80) --end;
  msg.body.resize(end);
  msg.truncated = true;
}

template <class Message>
JournalMessage message_of(const Message& msg, const JournalMasking& m) {
  JournalMessage out;
  for (const auto& field : msg) {
    const std::string name(field.name_string());
    if (lower(name).starts_with("x-cgw-sim-")) continue;
    out.headers.emplace_back(name, is_secret_header(name, m) ? "***" : std::string(field.value()));
  }
  out.body_bytes = msg.body().size();
  out.body = mask_body(msg[net::http::field::content_type], msg.body(), m);
  cap(out);
  return out;
}

}  // namespace

bool is_secret_header(std::string_view name, const JournalMasking& masking) {
  const std::string n = lower(name);
  for (const char* exact : {"authorization", "proxy-authorization", "cookie", "set-cookie"})
    if (n == exact) return true;
  for (const char* part : {"signature", "token", "secret", "password", "api-key"})
    if (n.find(part) != std::string::npos) return true;
  return std::any_of(masking.secret_headers.begin(), masking.secret_headers.end(),
                     [&](const std::string& h) { return lower(h) == n; });
}

std::string mask_body(std::string_view content_type, std::string_view body,
                      const JournalMasking& m) {
  if (body.empty()) return {};
  std::optional<std::string> out;
  switch (message_kind(content_type, body)) {
    case MessageKind::kJson: {
      boost::system::error_code ec;
      json::value v = json::parse(body, ec);
      if (!ec) {
        mask_json(v, m);
        out = json::serialize(v);
      }
      break;
    }
    case MessageKind::kForm:
      out = mask_form(body, m);
      break;
    case MessageKind::kXml:
      out = mask_xml(body, m);
      break;
    case MessageKind::kOther:
      break;
  }
  return out ? std::move(*out) : opaque(content_type, body);
}

JournalMessage journal_message(const net::Request& req, const JournalMasking& masking) {
  return message_of(req, masking);
}

JournalMessage journal_message(const net::Response& res, const JournalMasking& masking) {
  return message_of(res, masking);
}

}  // namespace cgw::sim
