// The library's only exported symbol, cgw_plugin_entry_v1. Kept out of
// cgw_mobile_core so tests can link the core without exporting anything.
#include "mobile_plugin.hpp"

CGW_EXPORT_PLUGIN(cgw::mobile::MobilePlugin, "mobile", "1.0.0", CGW_CARRIER_MNO,
                  CGW_CAP_PLANS | CGW_CAP_INVENTORY_SYNC | CGW_CAP_RESERVE | CGW_CAP_KYC |
                      CGW_CAP_ACTIVATION | CGW_CAP_CALLBACKS | CGW_CAP_FULFILMENT | CGW_CAP_CANCEL |
                      CGW_CAP_SUBSCRIBER_QUERY | CGW_CAP_RECHARGE | CGW_CAP_SIM_REPLACE |
                      CGW_CAP_SUSPEND)
