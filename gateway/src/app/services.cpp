#include "app/services.hpp"

#include "orders/activation_engine.hpp"

namespace cgw::gw {

Services::Services(Config c, boost::asio::io_context& io) : config(std::move(c)), ioc(io) {}
Services::~Services() = default;

}  // namespace cgw::gw
