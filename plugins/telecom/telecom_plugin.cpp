#include "telecom_plugin.hpp"

#include "token.hpp"

namespace cgw::telecom {

TelecomPlugin::TelecomPlugin(HostApi host, const json::object& settings)
    : CarrierPlugin(host), settings_(Settings::from_settings(settings)), ops_("telecom") {
  // Error mapping follows each stage's traits (CallTraits), not the
  // operation's: an operation's traits here only name it.
  for (auto ops : {catalogue_operations(), order_operations(), aftersales_operations()})
    for (const Operation& op : ops)
      ops_.on<json::value, Chain>(
          {op.name, false, false, false},
          [this, &op](const json::value& input) { return first_call(op, input); },
          [this, &op](const Chain& chain, const HttpResponse& r) {
            return on_reply(op.name, chain, r);
          });
}

Next<Chain> TelecomPlugin::first_call(const Operation& op, const json::value& input) const {
  Prepared prepared;
  try {
    prepared = op.prepare(input, settings_);
  } catch (const std::exception&) {
    // Boost.JSON's messages name no values, but a fixed text is safer still.
    return Step::fail(code::kInvalidArgument,
                      "telecom " + std::string(op.name) + ": input does not match the schema");
  }
  if (auto* e = std::get_if<Error>(&prepared)) return Step::fail(std::move(*e));
  Begin& begin = std::get<Begin>(prepared);
  const Stage* stage = find_stage(begin.stage);
  if (!stage) return Step::fail(code::kPluginError, "telecom: unknown stage");
  return begin_call(*stage, std::move(begin.ctx), false);
}

Next<Chain> TelecomPlugin::begin_call(const Stage& stage, json::object ctx, bool refresh) const {
  Chain chain{std::string(stage.name), "token", refresh, std::move(ctx)};
  if (!refresh)
    if (auto token = host().cache_get(kTokenCacheKey); token && !token->empty())
      return send_call(std::move(chain), stage, *token);
  return Send<Chain>{token_request(settings_), std::move(chain)};
}

Next<Chain> TelecomPlugin::send_call(Chain chain, const Stage& stage,
                                     const std::string& token) const {
  chain.phase = "call";
  HttpRequest req;
  req.method = "POST";
  req.url = settings_.url_for(stage.path);
  req.body = stage.request(chain.ctx, settings_);
  req.timeout_ms = settings_.timeout_ms;
  req.replayable = stage.replayable;
  req.headers = {{"Authorization", "Bearer " + token},
                 {"Content-Type", "application/xml; charset=utf-8"},
                 {"Accept", "application/xml"}};
  return Send<Chain>{std::move(req), std::move(chain)};
}

Next<Chain> TelecomPlugin::on_reply(std::string_view op, Chain chain,
                                    const HttpResponse& response) const {
  const Stage* stage = find_stage(chain.stage);
  if (!stage || (chain.phase != "call" && chain.phase != "token"))
    return Step::fail(code::kPluginError, "telecom: unknown continuation state");
  if (chain.phase == "call")
    return after_call(op, *stage, std::move(chain.ctx), chain.refreshed, response);

  const CallTraits traits{op, stage->name, stage->writes, stage->unknown_on_5xx};
  auto grant = parse_token_reply(response, traits);
  if (auto* e = std::get_if<Error>(&grant)) return Step::fail(std::move(*e));
  const TokenGrant& g = std::get<TokenGrant>(grant);
  // Several threads may fetch a token at once: the last put wins, and every
  // one of those tokens stays valid at the carrier until it expires.
  host().cache_put(kTokenCacheKey, g.access_token, cache_ttl_ms(g.expires_in_s));
  host().info("telecom: new access token, expires in " + std::to_string(g.expires_in_s) + " s");
  return send_call(std::move(chain), *stage, g.access_token);
}

Next<Chain> TelecomPlugin::after_call(std::string_view op, const Stage& stage, json::object ctx,
                                      bool refreshed, const HttpResponse& response) const {
  const CallTraits traits{op, stage.name, stage.writes, stage.unknown_on_5xx};
  pugi::xml_document doc;
  Unwrapped reply = unwrap_reply(response, traits, doc);
  if (reply.token_rejected && !refreshed) {
    // The carrier refused the token before doing anything: the same call is
    // safe to send again, once, with a new token.
    host().info("telecom: access token refused (" + reply.error->carrier_code +
                "), fetching a new one");
    return begin_call(stage, std::move(ctx), true);
  }
  if (reply.error) {
    // Only a business <Error> (it has a code) can be a verdict; transport
    // and shape errors keep their meaning.
    if (!reply.error->carrier_code.empty() && !reply.token_rejected)
      if (auto verdict = stage_verdict(stage.name, *reply.error))
        return Step::done(std::move(*verdict));
    return Step::fail(std::move(*reply.error));
  }
  StageResult next;
  try {
    next = stage.finish(reply.data, ctx);
  } catch (const BadReply& e) {
    return Step::fail(bad_response(traits, e.what()));
  }
  if (auto* e = std::get_if<Error>(&next)) return Step::fail(std::move(*e));
  if (auto* done = std::get_if<json::value>(&next)) return Step::done(std::move(*done));
  const Stage* following = find_stage(std::get<NextStage>(next).stage);
  if (!following) return Step::fail(code::kPluginError, "telecom: unknown stage");
  return begin_call(*following, std::move(ctx), false);
}

}  // namespace cgw::telecom
