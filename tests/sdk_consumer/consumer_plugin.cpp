// The smallest plugin: proves the installed SDK compiles and exports.
#include <cgw/plugin.hpp>

class ConsumerPlugin : public cgw::CarrierPlugin {
 public:
  ConsumerPlugin(cgw::HostApi host, const YAML::Node&) : CarrierPlugin(host) {}
  cgw::Step start(std::string_view operation, const cgw::json::value&) override {
    return unsupported(operation);
  }
  cgw::Step resume(const cgw::json::value&, const cgw::HttpResponse&) override {
    return cgw::Step::fail(cgw::code::kPluginError, "no requests are sent");
  }
};

CGW_EXPORT_PLUGIN(ConsumerPlugin, "consumer", "0.1.0", CGW_CARRIER_MVNO, 0)
