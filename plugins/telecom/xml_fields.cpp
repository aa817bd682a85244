#include "xml_fields.hpp"

#include <algorithm>
#include <charconv>

namespace cgw::telecom {
namespace {

std::string field_error(std::string_view name, std::string_view problem) {
  std::string s = "element '";
  s.append(name).append("' ").append(problem);
  return s;
}

struct StringWriter final : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

}  // namespace

bool parse_xml(std::string_view text, pugi::xml_document& doc) {
  // parse_default: CDATA, entity and character references, EOL
  // normalization. DOCTYPE declarations are skipped, never interpreted.
  const pugi::xml_parse_result r =
      doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) return false;
  int elements = 0;
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_element) ++elements;
    // Stray text beside the root is not a document.
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) return false;
  }
  return elements == 1;
}

pugi::xml_node root_element(const pugi::xml_document& doc) {
  return doc.document_element();
}

pugi::xml_node opt_child(pugi::xml_node parent, std::string_view name) {
  pugi::xml_node found;
  for (pugi::xml_node c : parent.children()) {
    if (c.type() != pugi::node_element || name != c.name()) continue;
    if (found) throw BadReply(field_error(name, "occurs more than once"));
    found = c;
  }
  return found;
}

pugi::xml_node req_child(pugi::xml_node parent, std::string_view name) {
  pugi::xml_node n = opt_child(parent, name);
  if (!n) throw BadReply(field_error(name, "is missing"));
  return n;
}

std::vector<pugi::xml_node> list_of(pugi::xml_node parent, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c : parent.children()) {
    if (c.type() != pugi::node_element) continue;
    if (name != c.name()) throw BadReply(field_error(c.name(), "is not expected here"));
    out.push_back(c);
  }
  return out;
}

namespace {
std::string leaf_text(pugi::xml_node n, std::string_view name) {
  std::string text;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_element) throw BadReply(field_error(name, "is not a text field"));
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  }
  return text;
}
}  // namespace

std::string req_text(pugi::xml_node parent, std::string_view name) {
  return leaf_text(req_child(parent, name), name);
}

std::string opt_text(pugi::xml_node parent, std::string_view name) {
  pugi::xml_node n = opt_child(parent, name);
  return n ? leaf_text(n, name) : std::string();
}

std::string req_id(pugi::xml_node parent, std::string_view name) {
  std::string s = req_text(parent, name);
  if (s.empty()) throw BadReply(field_error(name, "is empty"));
  return s;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

int64_t req_int(pugi::xml_node parent, std::string_view name) {
  auto v = parse_int(req_text(parent, name));
  if (!v) throw BadReply(field_error(name, "is not an integer"));
  return *v;
}

std::optional<int64_t> opt_int(pugi::xml_node parent, std::string_view name) {
  if (!opt_child(parent, name)) return std::nullopt;
  return req_int(parent, name);
}

bool req_bool(pugi::xml_node parent, std::string_view name) {
  const std::string s = req_text(parent, name);
  if (s == "true") return true;
  if (s == "false") return false;
  throw BadReply(field_error(name, "is not a boolean"));
}

XmlBuilder::XmlBuilder(const char* root) {
  pugi::xml_node decl = doc_.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  root_ = doc_.append_child(root);
}

pugi::xml_node XmlBuilder::add(pugi::xml_node parent, const char* name, std::string_view value) {
  pugi::xml_node n = parent.append_child(name);
  n.text().set(value.data(), value.size());
  return n;
}

std::string XmlBuilder::str() const {
  StringWriter w;
  doc_.save(w, "", pugi::format_raw, pugi::encoding_utf8);
  return std::move(w.out);
}

bool xml_safe(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](unsigned char c) {
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
  });
}

}  // namespace cgw::telecom
