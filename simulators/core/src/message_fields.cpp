#include "cgw/sim/correlation.hpp"
#include "message_kind.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <pugixml.hpp>

namespace cgw::sim {

namespace json = boost::json;

MessageKind message_kind(std::string_view content_type, std::string_view body) {
  const std::string_view type = content_type.substr(0, content_type.find(';'));
  auto has = [&](std::string_view s) { return type.find(s) != std::string_view::npos; };
  if (has("json")) return MessageKind::kJson;
  if (has("x-www-form-urlencoded")) return MessageKind::kForm;
  if (has("xml")) return MessageKind::kXml;
  const size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return MessageKind::kOther;
  if (body[start] == '{' || body[start] == '[') return MessageKind::kJson;
  if (body[start] == '<') return MessageKind::kXml;
  const bool form_chars = body.find_first_of(" \t\r\n\"") == std::string_view::npos;
  if (form_chars && body.find('=') != std::string_view::npos) return MessageKind::kForm;
  return MessageKind::kOther;
}

std::optional<std::string> scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64() || v.is_uint64() || v.is_double() || v.is_bool()) return json::serialize(v);
  return std::nullopt;
}

namespace {

std::optional<std::string> json_field(std::string_view body, std::string_view field) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return std::nullopt;
  const json::value* at = &v;
  for (size_t start = 0; start <= field.size();) {
    const size_t dot = std::min(field.find('.', start), field.size());
    const std::string_view key = field.substr(start, dot - start);
    if (!at->is_object()) return std::nullopt;
    at = at->as_object().if_contains(key);
    if (!at) return std::nullopt;
    start = dot + 1;
  }
  return scalar_text(*at);
}

std::optional<std::string> form_field(std::string_view body, std::string_view field) {
  auto params = boost::urls::parse_query(body);
  if (!params) return std::nullopt;
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (auto p : *params)
    if (p.key.decode(opts) == field) return p.has_value ? p.value.decode(opts) : std::string();
  return std::nullopt;
}

std::string xml_text(pugi::xml_node n) {
  std::string text;
  for (pugi::xml_node c : n.children())
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  return text;
}

std::optional<std::string> xml_field(std::string_view body, std::string_view field) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8))
    return std::nullopt;
  pugi::xml_node at = doc.document_element();
  if (field.find('.') == std::string_view::npos) {
    const std::string name(field);
    pugi::xml_node found = at.find_node(
        [&](pugi::xml_node n) { return n.type() == pugi::node_element && name == n.name(); });
    if (!found) return std::nullopt;
    return xml_text(found);
  }
  for (size_t start = 0; start <= field.size();) {
    const size_t dot = std::min(field.find('.', start), field.size());
    at = at.child(std::string(field.substr(start, dot - start)).c_str());
    if (!at) return std::nullopt;
    start = dot + 1;
  }
  return xml_text(at);
}

std::optional<std::string> first_of(const std::vector<std::string>& names, const net::Request& req,
                                    const net::Response* res) {
  for (const auto& name : names)
    if (auto v = request_field(req, name); v && !v->empty()) return v;
  if (res)
    for (const auto& name : names)
      if (auto v = body_field((*res)[net::http::field::content_type], res->body(), name);
          v && !v->empty())
        return v;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> body_field(std::string_view content_type, std::string_view body,
                                      std::string_view field) {
  if (field.empty() || body.empty()) return std::nullopt;
  switch (message_kind(content_type, body)) {
    case MessageKind::kJson:
      return json_field(body, field);
    case MessageKind::kForm:
      return form_field(body, field);
    case MessageKind::kXml:
      return xml_field(body, field);
    case MessageKind::kOther:
      break;
  }
  return std::nullopt;
}

std::optional<std::string> query_field(std::string_view target, std::string_view field) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  for (auto p : url->params())
    if (p.key == field) return std::string(p.value);
  return std::nullopt;
}

std::optional<std::string> request_field(const net::Request& req, std::string_view field) {
  if (auto v = body_field(req[net::http::field::content_type], req.body(), field)) return v;
  return query_field(req.target(), field);
}

Correlation correlate_by_fields(const CorrelationFields& fields, const net::Request& req,
                                const net::Response* res) {
  Correlation c;
  c.msisdn = first_of(fields.msisdn, req, res).value_or("");
  c.partner_order_id = first_of(fields.partner_order_id, req, res).value_or("");
  c.carrier_order_id = first_of(fields.carrier_order_id, req, res).value_or("");
  c.lock_id = first_of(fields.lock_id, req, res).value_or("");
  return c;
}

}  // namespace cgw::sim
