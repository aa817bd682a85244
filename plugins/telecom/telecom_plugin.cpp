#include "telecom_plugin.hpp"

#include "token.hpp"

namespace cgw::telecom {

TelecomPlugin::TelecomPlugin(HostApi host, const YAML::Node& settings)
    : CarrierPlugin(host), settings_(Settings::from_yaml(settings)) {}

Step TelecomPlugin::start(std::string_view operation, const json::value& input) {
  const Operation* op = find_operation(operation);
  if (!op) return unsupported(operation);
  Prepared prepared;
  try {
    prepared = op->prepare(input, settings_);
  } catch (const std::exception&) {
    // Boost.JSON's messages name no values, but a fixed text is safer still.
    return Step::fail(code::kInvalidArgument,
                      "telecom " + std::string(operation) + ": input does not match the schema");
  }
  if (auto* e = std::get_if<Error>(&prepared)) return Step::fail(std::move(*e));
  Begin& begin = std::get<Begin>(prepared);
  const Stage* stage = find_stage(begin.stage);
  if (!stage) return Step::fail(code::kPluginError, "telecom: unknown stage");
  return begin_call(op->name, *stage, std::move(begin.ctx), false);
}

Step TelecomPlugin::begin_call(std::string_view op, const Stage& stage, json::object ctx,
                               bool refresh) const {
  json::object state{{"op", op}, {"stage", stage.name}, {"refreshed", refresh}};
  state["ctx"] = std::move(ctx);
  if (!refresh)
    if (auto token = host().cache_get(kTokenCacheKey); token && !token->empty())
      return send_call(std::move(state), stage, *token);
  state["phase"] = "token";
  return Step::send(token_request(settings_), std::move(state));
}

Step TelecomPlugin::send_call(json::object state, const Stage& stage,
                              const std::string& token) const {
  state["phase"] = "call";
  HttpRequest req;
  req.method = "POST";
  req.url = settings_.url_for(stage.path);
  req.body = stage.request(state.at("ctx").as_object(), settings_);
  req.timeout_ms = settings_.timeout_ms;
  req.replayable = stage.replayable;
  req.headers = {{"Authorization", "Bearer " + token},
                 {"Content-Type", "application/xml; charset=utf-8"},
                 {"Accept", "application/xml"}};
  return Step::send(std::move(req), std::move(state));
}

Step TelecomPlugin::resume(const json::value& state, const HttpResponse& response) {
  const json::object* st = state.if_object();
  auto member = [&](const char* key) { return st ? st->if_contains(key) : nullptr; };
  const json::value* op = member("op");
  const json::value* stage_name = member("stage");
  const json::value* phase = member("phase");
  const json::value* refreshed = member("refreshed");
  const json::value* ctx = member("ctx");
  const Stage* stage =
      stage_name && stage_name->is_string() ? find_stage(stage_name->get_string()) : nullptr;
  const Operation* operation = op && op->is_string() ? find_operation(op->get_string()) : nullptr;
  if (!stage || !operation || !phase || !phase->is_string() || !refreshed ||
      !refreshed->is_bool() || !ctx || !ctx->is_object())
    return Step::fail(code::kPluginError, "telecom: unknown continuation state");

  if (phase->get_string() == "call")
    return after_call(operation->name, *stage, ctx->get_object(), refreshed->get_bool(), response);
  if (phase->get_string() != "token")
    return Step::fail(code::kPluginError, "telecom: unknown continuation state");

  const CallTraits traits{operation->name, stage->name, stage->writes, stage->unknown_on_5xx};
  auto grant = parse_token_reply(response, traits);
  if (auto* e = std::get_if<Error>(&grant)) return Step::fail(std::move(*e));
  const TokenGrant& g = std::get<TokenGrant>(grant);
  // Several threads may fetch a token at once: the last put wins, and every
  // one of those tokens stays valid at the carrier until it expires.
  host().cache_put(kTokenCacheKey, g.access_token, cache_ttl_ms(g.expires_in_s));
  host().info("telecom: new access token, expires in " + std::to_string(g.expires_in_s) + " s");
  return send_call(*st, *stage, g.access_token);
}

Step TelecomPlugin::after_call(std::string_view op, const Stage& stage, json::object ctx,
                               bool refreshed, const HttpResponse& response) const {
  const CallTraits traits{op, stage.name, stage.writes, stage.unknown_on_5xx};
  pugi::xml_document doc;
  Unwrapped reply = unwrap_reply(response, traits, doc);
  if (reply.token_rejected && !refreshed) {
    // The carrier refused the token before doing anything: the same call is
    // safe to send again, once, with a new token.
    host().info("telecom: access token refused (" + reply.error->carrier_code +
                "), fetching a new one");
    return begin_call(op, stage, std::move(ctx), true);
  }
  if (reply.error) return Step::fail(std::move(*reply.error));
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
  return begin_call(op, *following, std::move(ctx), false);
}

}  // namespace cgw::telecom
