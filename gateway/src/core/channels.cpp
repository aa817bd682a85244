#include "core/channels.hpp"

#include "cgw/common/secret_ref.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace cgw::gw {

std::string channel_id(std::string_view carrier, std::string_view tenant) {
  std::string id(carrier);
  id += kChannelSeparator;
  id += tenant;
  return id;
}

std::string_view public_carrier_id(std::string_view id) {
  return id.substr(0, id.find(kChannelSeparator));
}

namespace {
const TenantConfig* find_tenant(const Config& cfg, std::string_view tenant) {
  for (const auto& t : cfg.tenants)
    if (t.id == tenant) return &t;
  return nullptr;
}
}  // namespace

std::string carrier_for_tenant(const Config& cfg, std::string_view tenant,
                               std::string_view carrier) {
  if (carrier.find(kChannelSeparator) != std::string_view::npos) return {};
  if (const TenantConfig* t = find_tenant(cfg, tenant))
    if (auto it = t->channels.find(std::string(carrier)); it != t->channels.end())
      return it->second;
  return std::string(carrier);
}

bool serves_tenant(const Config& cfg, std::string_view tenant, std::string_view id) {
  const auto base = public_carrier_id(id);
  if (base.size() != id.size()) return id.substr(base.size() + 1) == tenant;
  const TenantConfig* t = find_tenant(cfg, tenant);
  return !t || !t->channels.count(std::string(base));
}

namespace {

struct Invalid {
  YAML::Node at;
  std::string message;
};

// Safe on a node that does not exist (a key the carrier does not set).
bool is_secret_ref(const YAML::Node& n) {
  return n.IsDefined() && n.IsMap() && n.size() == 1 && (n["file"] || n["env"]);
}

// A tenant id names its channels, and a channel's id travels in URL paths
// (/v1/callbacks/mobile.qa1) and metric labels: the carrier ids' alphabet.
void check_tenant_id(const YAML::Node& at, const std::string& id) {
  for (unsigned char ch : id)
    if (!(std::islower(ch) || std::isdigit(ch) || ch == '_' || ch == '-'))
      throw Invalid{at, "tenant '" + id +
                            "' has carrier settings of its own: its id names the channel (" +
                            channel_id("mobile", id) + ") and may use only a-z, 0-9, '-' and '_'"};
}

YAML::Node find_carrier_node(const YAML::Node& carrier_nodes, const std::string& id) {
  for (const auto& c : carrier_nodes)
    if (c.IsMap() && c["id"] && c["id"].IsScalar() && c["id"].as<std::string>() == id) return c;
  return YAML::Node();
}

std::string configured_ids(const Config& cfg) {
  std::string ids;
  for (const auto& c : cfg.carriers)
    if (c.channel_of.empty()) ids += (ids.empty() ? "" : ", ") + c.id;
  return ids;
}

// The override's settings merged key by key over the carrier's (resolved)
// settings. A key that is a secret reference in the carrier's settings must
// be one here too: a secret is never a value in a config file.
YAML::Node merged_settings(const CarrierConfig& carrier, const YAML::Node& carrier_node,
                           const YAML::Node& over, const std::string& where,
                           const std::filesystem::path& base) {
  YAML::Node merged = YAML::Clone(carrier.settings);
  if (!over) return merged;
  if (!over.IsMap()) throw Invalid{over, where + ".settings must be a mapping"};
  const YAML::Node theirs = carrier_node["settings"];
  for (auto it = over.begin(); it != over.end(); ++it) {
    const auto key = it->first.as<std::string>();
    const bool secret = theirs && theirs.IsMap() && is_secret_ref(theirs[key]);
    if (secret && !is_secret_ref(it->second))
      throw Invalid{it->second, where + ".settings." + key + " is a secret (carrier " + carrier.id +
                                    " gives it as a reference): give it as {file: ...} or "
                                    "{env: ...}, never as a value"};
  }
  YAML::Node resolved = YAML::Clone(over);
  if (auto err = resolve_secret_refs(resolved, base); !err.empty()) {
    // The clone has no marks ("line 1: ..."): the error names the
    // settings' own line instead.
    if (err.rfind("line ", 0) == 0 && err.find(": ") != std::string::npos)
      err = err.substr(err.find(": ") + 2);
    throw Invalid{over, where + ".settings: " + err};
  }
  for (auto it = resolved.begin(); it != resolved.end(); ++it)
    merged[it->first.as<std::string>()] = it->second;
  return merged;
}

CarrierConfig make_channel(const CarrierConfig& carrier, const YAML::Node& carrier_node,
                           const std::string& tenant, const YAML::Node& node,
                           const std::filesystem::path& base) {
  const std::string where = "tenant " + tenant + " carriers." + carrier.id;
  if (!node.IsMap())
    throw Invalid{node, where + " must be a mapping with base_url and/or settings"};
  for (auto it = node.begin(); it != node.end(); ++it) {
    const auto key = it->first.as<std::string>();
    if (key != "base_url" && key != "settings")
      throw Invalid{it->first, "unknown key '" + key + "' in " + where +
                                   " (a tenant may set base_url and settings; everything else "
                                   "is the carrier's)"};
  }
  const YAML::Node url = node["base_url"], settings = node["settings"];
  if (!url && !settings) throw Invalid{node, where + " sets neither base_url nor settings"};
  CarrierConfig ch = carrier;
  ch.id = channel_id(carrier.id, tenant);
  ch.channel_of = carrier.id;
  ch.channel_tenant = tenant;
  // reset, not =: assigning a YAML::Node writes through to the node it
  // shares with the carrier's config (the copy above), changing the carrier.
  ch.settings.reset(merged_settings(carrier, carrier_node, settings, where, base));
  // A callback_url of the carrier's would send the channel's callbacks to
  // the carrier's instance, which cannot verify them: the channel gets its
  // own (/v1/callbacks/<channel>) unless the tenant names one.
  if (!(settings && settings.IsMap() && settings["callback_url"]))
    ch.settings.remove("callback_url");
  if (url) {
    if (!url.IsScalar()) throw Invalid{url, where + ".base_url must be a URL"};
    ch.base_url = url.as<std::string>();
    auto parsed = boost::urls::parse_absolute_uri(ch.base_url);
    if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
        parsed->host().empty())
      throw Invalid{url, where + ".base_url must be an absolute http(s) URL"};
    // The carrier's own settings.base_url would win over the channel's.
    if (!(settings && settings.IsMap() && settings["base_url"])) ch.settings.remove("base_url");
  }
  return ch;
}

}  // namespace

std::optional<ChannelConfigError> add_channels(Config& cfg,
                                               const std::vector<TenantChannelsNode>& tenants,
                                               const YAML::Node& carrier_nodes,
                                               const std::filesystem::path& base) {
  try {
    std::vector<CarrierConfig> channels;
    for (const auto& [index, node] : tenants) {
      TenantConfig& tenant = cfg.tenants.at(index);
      if (!node.IsMap())
        throw Invalid{node, "tenant " + tenant.id +
                                ": carriers must be a mapping of carrier id to this tenant's "
                                "settings, e.g. {mobile: {base_url: ...}}"};
      if (node.size() > 0) check_tenant_id(node, tenant.id);
      for (auto it = node.begin(); it != node.end(); ++it) {
        const auto carrier_id = it->first.as<std::string>();
        auto carrier = std::find_if(cfg.carriers.begin(), cfg.carriers.end(),
                                    [&](const CarrierConfig& c) { return c.id == carrier_id; });
        if (carrier == cfg.carriers.end())
          throw Invalid{it->first, "tenant " + tenant.id + " carriers: unknown carrier '" +
                                       carrier_id + "' (configured: " + configured_ids(cfg) + ")"};
        channels.push_back(make_channel(*carrier, find_carrier_node(carrier_nodes, carrier_id),
                                        tenant.id, it->second, base));
        tenant.channels[carrier_id] = channels.back().id;
      }
    }
    for (auto& ch : channels) cfg.carriers.push_back(std::move(ch));
  } catch (const Invalid& e) {
    return ChannelConfigError{e.at, e.message};
  } catch (const YAML::Exception& e) {
    return ChannelConfigError{YAML::Node(), e.msg};
  }
  return std::nullopt;
}

}  // namespace cgw::gw
