// The one translation unit that compiles Boost.Asio, Boost.Asio.SSL and
// Boost.Beast implementations (BOOST_*_SEPARATE_COMPILATION is set for
// every target that links cgw_common).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
