// XML in and out with pugixml. Carrier replies and callbacks are untrusted
// input: the readers check that every element is present exactly once and
// has the promised type, and throw BadReply otherwise (naming the element,
// never its value, which may be personal data).
#pragma once

#include <cgw/reply.hpp>

#include <pugixml.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::telecom {

// The SDK's BadReply (<cgw/reply.hpp>), shared with the JSON readers.
using cgw::BadReply;

// Parses UTF-8 XML. False for anything that is not a well-formed document
// with exactly one top-level element. No DTDs or external entities are ever
// processed (pugixml does not implement them).
bool parse_xml(std::string_view text, pugi::xml_document& doc);
// The one top-level element of a document parse_xml accepted.
pugi::xml_node root_element(const pugi::xml_document& doc);

// The child element `name`: req_ throws when it is absent, opt_ returns an
// empty node; both throw when it occurs more than once.
pugi::xml_node req_child(pugi::xml_node parent, std::string_view name);
pugi::xml_node opt_child(pugi::xml_node parent, std::string_view name);
// Every child element of `parent`, which must all be named `name`.
std::vector<pugi::xml_node> list_of(pugi::xml_node parent, std::string_view name);

// Text of a leaf element (no element children). req_ needs the element,
// opt_ gives "" when absent.
std::string req_text(pugi::xml_node parent, std::string_view name);
std::string opt_text(pugi::xml_node parent, std::string_view name);
// A non-empty text (identifiers).
std::string req_id(pugi::xml_node parent, std::string_view name);
// A decimal integer: optional '-', digits, nothing else.
int64_t req_int(pugi::xml_node parent, std::string_view name);
std::optional<int64_t> opt_int(pugi::xml_node parent, std::string_view name);
// "true" or "false".
bool req_bool(pugi::xml_node parent, std::string_view name);

// Strict decimal parsing shared by the readers and the callback headers.
std::optional<int64_t> parse_int(std::string_view s);

// Building requests: a document with an XML declaration (UTF-8) and one
// root element.
class XmlBuilder {
 public:
  explicit XmlBuilder(const char* root);
  pugi::xml_node root() const { return root_; }
  // Appends <name>value</name> to `parent` and returns the new element.
  static pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view value);
  std::string str() const;

 private:
  pugi::xml_document doc_;
  pugi::xml_node root_;
};

// Whether `s` can go into an XML 1.0 text node: no control characters other
// than tab, CR and LF (pugixml would write them as they are).
bool xml_safe(std::string_view s);

}  // namespace cgw::telecom
