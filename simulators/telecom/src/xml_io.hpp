// XML for the simulated telecom carrier (pugixml): strict readers for
// partner requests (a wrong or repeated element is a parameter error, never
// a silent default) and the reply documents of docs/carriers/telecom.md.
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::sim::telecom {

// A well-formed UTF-8 document whose only top-level element is `root`.
bool parse_document(std::string_view body, pugi::xml_document& doc, std::string_view root);

// The child element `name` when it occurs at most once; an empty node when
// absent. `duplicate` is set when it occurs more than once.
pugi::xml_node single_child(pugi::xml_node parent, std::string_view name, bool& duplicate);

enum class Field { kMissing, kBad, kOk };
// Text of the leaf element `name`: kOk with 1..max_len bytes, kMissing when
// absent, kBad when repeated, not a leaf, empty or too long.
Field read_text(pugi::xml_node parent, std::string_view name, std::string& out,
                size_t max_len = 256);
bool required_text(pugi::xml_node parent, std::string_view name, std::string& out,
                   size_t max_len = 256);
// A decimal integer (digits only, optional leading '-').
Field read_int(pugi::xml_node parent, std::string_view name, int64_t& out);

bool is_number_format(std::string_view n);  // 11 digits

// Appends <name>value</name>.
pugi::xml_node add_text(pugi::xml_node parent, const char* name, std::string_view value);
// Adds <?xml version="1.0" encoding="UTF-8"?> and the root element.
pugi::xml_node start_document(pugi::xml_document& doc, const char* root);
// The document as UTF-8 text, exactly its nodes (no implicit declaration).
std::string serialize(const pugi::xml_document& doc);

// <Error><Code/><Message/><RequestId/></Error>
std::string error_document(std::string_view code, std::string_view message,
                           std::string_view request_id);

}  // namespace cgw::sim::telecom
