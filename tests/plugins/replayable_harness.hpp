// Which requests a built carrier module declares replayable
// (CGW_REQUEST_REPLAYABLE in cgw_step_v1.request_flags, ABI 1.1), read the
// way the gateway's host reads them: the real module is dlopen()ed, created
// through its cgw_plugin_entry table with the SDK's fake host
// (<cgw/testing.hpp>: fixed clock, counting "random" bytes, an in-memory
// cache), and each operation is run
// step by step with canned carrier replies. Used by the
// tests/plugins/<carrier>/<carrier>_replayable_test.cpp files.
#pragma once

#include <cgw/abi.h>
#include <cgw/testing.hpp>

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cgw::test::replayable {

inline const cgw_host_v1& kHost = *FakeHost::table();

// One request the module asked the host to send.
struct Sent {
  std::string method, url, body;
  bool replayable = false;
};

// A canned carrier reply: HTTP 200 with this body.
using Reply = std::string;

class Module {
 public:
  Module(const char* path, const std::string& config_yaml) {
    lib_ = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib_) {
      ADD_FAILURE() << ::dlerror();
      return;
    }
    auto entry = reinterpret_cast<cgw_plugin_entry_v1_fn>(::dlsym(lib_, CGW_PLUGIN_ENTRY_SYMBOL));
    table_ = entry ? entry(&kHost) : nullptr;
    if (!table_) {
      ADD_FAILURE() << "no plugin table in " << path;
      return;
    }
    cgw_step_v1* err = nullptr;
    inst_ = table_->create(&host_, cs(config_yaml), &err);
    if (err) {
      ADD_FAILURE() << "create: " << sv(err->error.message);
      table_->free_step(err);
    }
  }
  ~Module() {
    if (inst_) table_->destroy(inst_);
    if (lib_) ::dlclose(lib_);
  }
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  FakeHost& host() { return host_; }

  // Runs `op` with `input` and returns every request it sends: each one
  // is answered with the next of `replies` (HTTP 200), and the run stops at
  // the first request no reply is left for, or when the operation ends.
  std::vector<Sent> run(const std::string& op, const std::string& input_json,
                        const std::vector<Reply>& replies = {}) {
    std::vector<Sent> sent;
    if (!inst_) return sent;
    cgw_step_v1* step = table_->start(inst_, cs(op), cs(input_json));
    while (step && step->kind == CGW_STEP_SEND) {
      // A 1.1 step has request_flags; these modules are 1.1.
      EXPECT_GE(step->struct_size, sizeof(cgw_step_v1)) << op;
      sent.push_back({sv(step->request.method), sv(step->request.url), sv(step->request.body),
                      (step->request_flags & CGW_REQUEST_REPLAYABLE) != 0});
      if (sent.size() > replies.size()) break;
      const cgw_http_response_v1 resp{CGW_TRANSPORT_OK, 200, nullptr, 0,
                                      cs(replies[sent.size() - 1])};
      cgw_step_v1* next = table_->resume(inst_, step->state, &resp);
      table_->free_step(step);
      step = next;
    }
    if (step) {
      if (step->kind != CGW_STEP_SEND) {
        EXPECT_EQ(step->kind, CGW_STEP_DONE)
            << op << ": " << sv(step->error.code) << " " << sv(step->error.message);
      }
      table_->free_step(step);
    }
    return sent;
  }

  // Where answering the first request of `op` with `reply` leads.
  struct Outcome {
    int kind = 0;  // enum cgw_step_kind
    std::string code;
    bool retryable = false, outcome_unknown = false;
  };
  Outcome answer_first(const std::string& op, const std::string& input_json, const Reply& reply) {
    Outcome out;
    if (!inst_) return out;
    cgw_step_v1* step = table_->start(inst_, cs(op), cs(input_json));
    if (!step || step->kind != CGW_STEP_SEND) {
      ADD_FAILURE() << op << ": no request sent";
    } else {
      const cgw_http_response_v1 resp{CGW_TRANSPORT_OK, 200, nullptr, 0, cs(reply)};
      cgw_step_v1* next = table_->resume(inst_, step->state, &resp);
      out = {next->kind, sv(next->error.code), next->error.retryable != 0,
             next->error.outcome_unknown != 0};
      table_->free_step(next);
    }
    if (step) table_->free_step(step);
    return out;
  }

 private:
  void* lib_ = nullptr;
  const cgw_plugin_v1* table_ = nullptr;
  cgw_instance* inst_ = nullptr;
  FakeHost host_;
};

}  // namespace cgw::test::replayable
