#include "xml_io.hpp"

#include <charconv>

namespace cgw::sim::telecom {

namespace {
struct StringWriter final : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};
}  // namespace

bool parse_document(std::string_view body, pugi::xml_document& doc, std::string_view root) {
  if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8))
    return false;
  int elements = 0;
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_element) ++elements;
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) return false;
  }
  return elements == 1 && root == doc.document_element().name();
}

pugi::xml_node single_child(pugi::xml_node parent, std::string_view name, bool& duplicate) {
  pugi::xml_node found;
  duplicate = false;
  for (pugi::xml_node c : parent.children()) {
    if (c.type() != pugi::node_element || name != c.name()) continue;
    if (found) duplicate = true;
    found = c;
  }
  return found;
}

Field read_text(pugi::xml_node parent, std::string_view name, std::string& out, size_t max_len) {
  bool duplicate = false;
  pugi::xml_node n = single_child(parent, name, duplicate);
  if (duplicate) return Field::kBad;
  if (!n) return Field::kMissing;
  std::string text;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_element) return Field::kBad;
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  }
  if (text.empty() || text.size() > max_len) return Field::kBad;
  out = std::move(text);
  return Field::kOk;
}

bool required_text(pugi::xml_node parent, std::string_view name, std::string& out, size_t max_len) {
  return read_text(parent, name, out, max_len) == Field::kOk;
}

Field read_int(pugi::xml_node parent, std::string_view name, int64_t& out) {
  std::string s;
  const Field f = read_text(parent, name, s, 20);
  if (f != Field::kOk) return f;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() ? Field::kOk : Field::kBad;
}

bool is_number_format(std::string_view n) {
  if (n.size() != 11) return false;
  for (char c : n)
    if (c < '0' || c > '9') return false;
  return true;
}

pugi::xml_node add_text(pugi::xml_node parent, const char* name, std::string_view value) {
  pugi::xml_node n = parent.append_child(name);
  n.text().set(value.data(), value.size());
  return n;
}

pugi::xml_node start_document(pugi::xml_document& doc, const char* root) {
  // An explicit declaration so the encoding is stated; pugixml's default
  // one names the version only.
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  return doc.append_child(root);
}

std::string serialize(const pugi::xml_document& doc) {
  StringWriter w;
  doc.save(w, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return std::move(w.out);
}

std::string error_document(std::string_view code, std::string_view message,
                           std::string_view request_id) {
  pugi::xml_document doc;
  pugi::xml_node e = start_document(doc, "Error");
  add_text(e, "Code", code);
  add_text(e, "Message", message);
  add_text(e, "RequestId", request_id);
  return serialize(doc);
}

}  // namespace cgw::sim::telecom
