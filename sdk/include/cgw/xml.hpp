// XML in and out for carrier protocols, header-only over pugixml (cgw::sdk
// links it). Carrier replies and callbacks are untrusted input: the readers
// check that every element is present exactly once and has the promised
// type, and throw BadReply otherwise, like the JSON readers of
// <cgw/reply.hpp> (the dispatcher turns it into CARRIER_BAD_RESPONSE). The
// message names the element, never its value, which may be personal data.
//
//   pugi::xml_document doc;
//   if (!xml::parse(reply.body, doc)) return bad_reply(prefix, op, "not XML");
//   const pugi::xml_node data = xml::req_child(xml::root_element(doc), "Data");
//   const int64_t fee = xml::req_int(data, "MonthlyFee");
#pragma once

#include <cgw/reply.hpp>

#include <pugixml.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::xml {

namespace detail {
inline std::string element_problem(std::string_view name, std::string_view problem) {
  std::string s = "element '";
  s.append(name).append("' ").append(problem);
  return s;
}
// The concatenated text of a leaf element (no element children).
inline std::string leaf_text(pugi::xml_node n, std::string_view name) {
  std::string text;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_element)
      throw BadReply(element_problem(name, "is not a text field"));
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  }
  return text;
}
}  // namespace detail

// Parses UTF-8 XML. False for anything that is not a well-formed document
// with exactly one top-level element. DTDs and external entities are never
// processed (pugixml does not implement them; DOCTYPE is skipped).
inline bool parse(std::string_view text, pugi::xml_document& doc) {
  // parse_default: CDATA, entity and character references, EOL
  // normalization. parse_fragment keeps text beside the root as nodes
  // (pugixml drops it otherwise), so that it can be refused below.
  const pugi::xml_parse_result r = doc.load_buffer(
      text.data(), text.size(), pugi::parse_default | pugi::parse_fragment, pugi::encoding_utf8);
  if (!r) return false;
  int elements = 0;
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_element) ++elements;
    // Stray text beside the root is not a document.
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) return false;
  }
  return elements == 1;
}
// The one top-level element of a document parse() accepted.
inline pugi::xml_node root_element(const pugi::xml_document& doc) {
  return doc.document_element();
}

// The child element `name`: opt_child gives an empty node when it is absent,
// req_child throws; both throw when it occurs more than once.
inline pugi::xml_node opt_child(pugi::xml_node parent, std::string_view name) {
  pugi::xml_node found;
  for (pugi::xml_node c : parent.children()) {
    if (c.type() != pugi::node_element || name != c.name()) continue;
    if (found) throw BadReply(detail::element_problem(name, "occurs more than once"));
    found = c;
  }
  return found;
}
inline pugi::xml_node req_child(pugi::xml_node parent, std::string_view name) {
  pugi::xml_node n = opt_child(parent, name);
  if (!n) throw BadReply(detail::element_problem(name, "is missing"));
  return n;
}
// Every child element of `parent`, which must all be named `name`.
inline std::vector<pugi::xml_node> list_of(pugi::xml_node parent, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c : parent.children()) {
    if (c.type() != pugi::node_element) continue;
    if (name != c.name()) throw BadReply(detail::element_problem(c.name(), "is not expected here"));
    out.push_back(c);
  }
  return out;
}

// Text of a leaf element: req_ needs the element, opt_ gives "" when absent.
inline std::string req_text(pugi::xml_node parent, std::string_view name) {
  return detail::leaf_text(req_child(parent, name), name);
}
inline std::string opt_text(pugi::xml_node parent, std::string_view name) {
  pugi::xml_node n = opt_child(parent, name);
  return n ? detail::leaf_text(n, name) : std::string();
}
// An identifier: a non-empty text.
inline std::string req_id(pugi::xml_node parent, std::string_view name) {
  std::string s = req_text(parent, name);
  if (s.empty()) throw BadReply(detail::element_problem(name, "is empty"));
  return s;
}

// Strict decimal: optional '-', digits, nothing else (no blanks, no '+').
inline std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}
inline int64_t req_int(pugi::xml_node parent, std::string_view name) {
  auto v = parse_int(req_text(parent, name));
  if (!v) throw BadReply(detail::element_problem(name, "is not an integer"));
  return *v;
}
inline std::optional<int64_t> opt_int(pugi::xml_node parent, std::string_view name) {
  if (!opt_child(parent, name)) return std::nullopt;
  return req_int(parent, name);
}
// "true" or "false".
inline bool req_bool(pugi::xml_node parent, std::string_view name) {
  const std::string s = req_text(parent, name);
  if (s == "true") return true;
  if (s == "false") return false;
  throw BadReply(detail::element_problem(name, "is not a boolean"));
}

// Whether `s` can go into an XML 1.0 text node: no control characters other
// than tab, CR and LF (pugixml would write them as they are). Check request
// values with it; the error should name the field, never the value.
inline bool safe(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](unsigned char c) {
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
  });
}

// Building requests: a document with an XML declaration (UTF-8) and one
// root element.
class Builder {
 public:
  explicit Builder(const char* root) {
    pugi::xml_node decl = doc_.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    root_ = doc_.append_child(root);
  }
  pugi::xml_node root() const { return root_; }
  // Appends <name>value</name> to `parent` and returns the new element.
  static pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view value) {
    pugi::xml_node n = parent.append_child(name);
    n.text().set(value.data(), value.size());
    return n;
  }
  std::string str() const {
    struct Writer final : pugi::xml_writer {
      std::string out;
      void write(const void* data, size_t size) override {
        out.append(static_cast<const char*>(data), size);
      }
    } w;
    doc_.save(w, "", pugi::format_raw, pugi::encoding_utf8);
    return std::move(w.out);
  }

 private:
  pugi::xml_document doc_;
  pugi::xml_node root_;
};

}  // namespace cgw::xml
