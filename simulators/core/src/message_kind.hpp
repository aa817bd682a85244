// The body formats the kit reads and masks (message_fields.cpp,
// journal_masking.cpp). Private to cgw_sim_core.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace cgw::sim {

enum class MessageKind { kJson, kForm, kXml, kOther };
// By the media type of a Content-Type header (parameters ignored); without
// one (or with another type) by the body's first character: `{` or `[`
// JSON, `<` XML, otherwise a body of name=value pairs is a form. Carriers
// read their own format whatever the header says, so the kit must too.
MessageKind message_kind(std::string_view content_type, std::string_view body);
// A JSON string, number or boolean as text; nullopt for objects, arrays, null.
std::optional<std::string> scalar_text(const boost::json::value& v);

}  // namespace cgw::sim
