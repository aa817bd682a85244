// Which requests a built carrier module declares replayable
// (CGW_REQUEST_REPLAYABLE in cgw_step_v1.request_flags, ABI 1.1), read the
// way the gateway's host reads them: the real module is dlopen()ed and run
// through its cgw_plugin_entry table on the SDK's fake host
// (<cgw/testing.hpp>, ModuleHarness), each operation step by step with
// canned carrier replies. Used by the
// tests/plugins/<carrier>/<carrier>_replayable_test.cpp files.
#pragma once

#include <cgw/abi.h>
#include <cgw/testing.hpp>

#include "cgw/common/yaml_json.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cgw::test::replayable {

using Sent = test::Sent;

// A canned carrier reply: HTTP 200 with this body.
using Reply = std::string;

class Module {
 public:
  // The module is declared first: it is unloaded after the instance goes.
  Module(const char* path, const std::string& config_yaml)
      : module_(path),
        harness_(cgw::settings_json_of_yaml(config_yaml), PluginInfo{}, module_.table()) {}

  FakeHost& host() { return harness_.host; }

  // Runs `op` with `input_json` and returns every request it sends: each
  // one is answered with the next of `replies`, and the run stops at the
  // first request no reply is left for, or when the operation ends (DONE).
  std::vector<Sent> run(const std::string& op, const std::string& input_json,
                        const std::vector<Reply>& replies = {}) {
    if (!harness_.created()) return {};
    std::vector<test::Reply> canned;
    for (const Reply& r : replies) canned.push_back(test::Reply::with(200, r));
    const Run r = harness_.drive(op, input(input_json), canned);
    if (r.kind != 0) {
      EXPECT_EQ(r.kind, CGW_STEP_DONE) << op << ": " << r.error.code;
    }
    return r.sent;
  }

  // Where answering the first request of `op` with `reply` leads.
  struct Outcome {
    int kind = 0;  // enum cgw_step_kind
    std::string code;
    bool retryable = false, outcome_unknown = false;
  };
  Outcome answer_first(const std::string& op, const std::string& input_json, const Reply& reply) {
    if (!harness_.created()) return {};
    const Run r = harness_.drive(op, input(input_json), {test::Reply::with(200, reply)});
    if (r.sent.empty()) ADD_FAILURE() << op << ": no request sent";
    return {r.kind, r.error.code, r.error.retryable, r.error.outcome_unknown};
  }

 private:
  static json::value input(const std::string& text) {
    return text.empty() ? json::value() : json::parse(text);
  }

  LoadedModule module_;
  ModuleHarness harness_;
};

}  // namespace cgw::test::replayable
