/*
 * cgw plugin ABI, version 1.
 *
 * This header is the whole binary contract between the cgw gateway (the host)
 * and a carrier plugin (a shared library). It is pure C on purpose: nothing
 * but fixed-width integers, pointers and plain structs crosses the boundary,
 * so a plugin built with another compiler, another standard library or
 * another Boost keeps working.
 *
 * Rules (see docs/sdk.md for the full text):
 *  - Every table starts with struct_size, abi_major, abi_minor. Tables only
 *    ever grow at the end; a reader checks struct_size before touching a
 *    field that a newer minor added.
 *  - Strings are borrowed (ptr, len) views, not NUL-terminated. A view passed
 *    into a function is valid only for the duration of that call.
 *  - Whatever a plugin returns (a step, a callback result) is owned by the
 *    plugin and is handed back through free_step / free_callback, exactly once.
 *  - No exception, C++ object or STL type ever crosses this boundary.
 *  - Plugins never do I/O: they describe HTTP requests in SEND steps and the
 *    host performs them (sans-I/O).
 *  - Structs nested by value or passed without a size (cgw_http_request_v1,
 *    cgw_http_response_v1, cgw_error_v1) are frozen as they are. What they
 *    gain later lives in sized structs reached through pointers appended to
 *    a sized table (cgw_request_v2 and cgw_error_v2 from 1.2 on).
 *  - A plugin says which host it needs in min_host_minor (1.2); the host
 *    loads any plugin of its major whose minimum it meets.
 */
#ifndef CGW_ABI_H
#define CGW_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CGW_ABI_MAJOR 1
#define CGW_ABI_MINOR 3

/* True when a sized table `p` (of type `type`) is large enough to hold
 * `member`: check it before reading a member a later minor added. */
#define CGW_HAS_MEMBER(p, type, member) \
  ((p)->struct_size >= offsetof(type, member) + sizeof(((const type*)0)->member))

/* Name of the single exported symbol every plugin provides. */
#define CGW_PLUGIN_ENTRY_SYMBOL "cgw_plugin_entry_v1"

#if defined(_WIN32)
#define CGW_PLUGIN_EXPORT __declspec(dllexport)
#else
#define CGW_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* The one boolean type of members added from ABI 1.2 on: 0 or 1. (1.0's
 * members keep the types they shipped with: a uint8_t or int32_t 0/1.) */
typedef uint8_t cgw_bool;

/* A borrowed string view. ptr may be NULL only when len is 0. */
typedef struct cgw_str {
  const char* ptr;
  size_t len;
} cgw_str;

typedef struct cgw_header {
  cgw_str name;
  cgw_str value;
} cgw_header;

/* Bytes handed over to the receiver, who releases them with host->free
 * (ABI 1.2). ptr is NULL only when len is 0. */
typedef struct cgw_owned_str {
  char* ptr;
  size_t len;
} cgw_owned_str;

/* ---------------------------------------------------------------- host --- */

enum cgw_log_level {
  CGW_LOG_TRACE = 0,
  CGW_LOG_DEBUG = 1,
  CGW_LOG_INFO = 2,
  CGW_LOG_WARN = 3,
  CGW_LOG_ERROR = 4
};

/*
 * Services the host offers to a plugin. The table is owned by the host and
 * outlives every plugin instance. Every function is thread-safe.
 *
 * `ctx` is the per-instance context the host passed to create(); a plugin
 * passes it back so the host knows which configured carrier is speaking
 * (log lines are tagged with the carrier id, cache keys are per instance).
 * Calls made before create() (there are none in v1) would pass NULL.
 */
typedef struct cgw_host_v1 {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;

  /* Log one line. The host masks nothing: never log PII. */
  void (*log)(void* ctx, int32_t level, cgw_str message);

  /* Memory for the plugin's own use; optional (malloc/free are fine too). */
  void* (*alloc)(void* ctx, size_t size);
  void (*free)(void* ctx, void* ptr);

  /* Current time, Unix epoch milliseconds. Always use this instead of the
   * system clock so tests and simulators can control time. */
  int64_t (*now_unix_ms)(void* ctx);

  /* Fill buf with len cryptographically strong random bytes (nonces). */
  void (*random_bytes)(void* ctx, void* buf, size_t len);

  /* A small per-instance key/value cache shared by every thread of the
   * instance (e.g. an OAuth access token). cache_put stores a copy of value
   * for ttl_ms milliseconds (0 = until replaced). cache_get returns 1 and a
   * copy allocated with host->alloc in *out (the plugin frees it with
   * host->free), or 0 when the key is absent or expired. */
  void (*cache_put)(void* ctx, cgw_str key, cgw_str value, int64_t ttl_ms);
  /* Superseded by cache_take (1.2), whose type says that *out is the
   * caller's to free; kept for plugins built before it. */
  int32_t (*cache_get)(void* ctx, cgw_str key, cgw_str* out);

  /* ---- ABI 1.2 (read only when struct_size covers them) ---- */
  /* As cache_get: 1 and a copy in *out that the plugin frees with
   * host->free, or 0 when the key is absent or expired. */
  cgw_bool (*cache_take)(void* ctx, cgw_str key, cgw_owned_str* out);

  /* New members are appended here by later minor versions. */
} cgw_host_v1;

/* -------------------------------------------------------------- steps --- */

enum cgw_step_kind {
  CGW_STEP_SEND = 1, /* perform `request`, then call resume(state, response) */
  CGW_STEP_DONE = 2, /* operation finished: `result_json` holds the result */
  CGW_STEP_FAIL = 3  /* operation failed: `error` holds a normalized error */
};

typedef struct cgw_http_request_v1 {
  cgw_str method; /* "GET", "POST", ... */
  cgw_str url;    /* absolute: scheme://host:port/path?query */
  const cgw_header* headers;
  size_t header_count;
  cgw_str body;
  uint32_t timeout_ms; /* hint; 0 = the carrier's configured default */
} cgw_http_request_v1;

/* How the host's attempt to perform a SEND step ended. */
enum cgw_transport_result {
  CGW_TRANSPORT_OK = 0,       /* a complete HTTP response was read */
  CGW_TRANSPORT_NOT_SENT = 1, /* failed before any byte left: safe to retry */
  CGW_TRANSPORT_TIMEOUT = 2,  /* request may have reached the carrier */
  CGW_TRANSPORT_BROKEN = 3,   /* connection reset / truncated response */
  CGW_TRANSPORT_RESPONSE_TOO_BIG = 4
};

typedef struct cgw_http_response_v1 {
  int32_t transport; /* enum cgw_transport_result */
  int32_t status;    /* HTTP status, 0 unless transport == CGW_TRANSPORT_OK */
  const cgw_header* headers;
  size_t header_count;
  cgw_str body;
} cgw_http_response_v1;

/* A normalized error. `code` is one of the gateway's error codes
 * (docs/sdk.md lists them), `carrier_code` the carrier's own code if any. */
typedef struct cgw_error_v1 {
  cgw_str code;
  cgw_str message; /* must not contain PII */
  cgw_str carrier_code;
  uint8_t retryable;       /* trying again later may succeed */
  uint8_t outcome_unknown; /* the carrier may already have applied it */
} cgw_error_v1;

/* The request of a SEND step, sized so that it can grow (ABI 1.2). */
typedef struct cgw_request_v2 {
  uint32_t struct_size;
  uint32_t flags; /* CGW_REQUEST_* bits */
  cgw_str method;
  cgw_str url;
  const cgw_header* headers;
  size_t header_count;
  cgw_str body;
  uint32_t timeout_ms;
  /* New members are appended here by later minor versions. */
} cgw_request_v2;

/* A normalized error, sized so that it can grow (ABI 1.2). */
typedef struct cgw_error_v2 {
  uint32_t struct_size;
  cgw_str code;
  cgw_str message; /* must not contain PII */
  cgw_str carrier_code;
  cgw_bool retryable;
  cgw_bool outcome_unknown;
  /* New members are appended here by later minor versions. */
} cgw_error_v2;

/* One step of an operation. Allocated by the plugin, released by the host
 * through cgw_plugin_v1.free_step. Only the members for `kind` are set. */
typedef struct cgw_step_v1 {
  uint32_t struct_size;
  int32_t kind;                /* enum cgw_step_kind */
  cgw_http_request_v1 request; /* SEND */
  cgw_str state;               /* SEND: opaque continuation given to resume() */
  cgw_str result_json;         /* DONE */
  cgw_error_v1 error;          /* FAIL */
  /* Added in ABI 1.1 (the host reads it only when struct_size covers it;
   * a 1.0 plugin's steps are treated as 0). SEND: CGW_REQUEST_* bits. */
  uint32_t request_flags;
  /* Added in ABI 1.2: the same request and error as sized structs. A 1.2
   * plugin fills both forms (a 1.0 or 1.1 host reads the ones above); a 1.2
   * host reads these when struct_size covers them and they are not NULL. */
  const cgw_request_v2* request_v2; /* SEND */
  const cgw_error_v2* error_v2;     /* FAIL */
} cgw_step_v1;

/* Bits of cgw_step_v1.request_flags (ABI 1.1). */
enum cgw_request_flag {
  /* The request is safe to send twice: the carrier deduplicates it (e.g. by
   * the partner order id in it) or it changes nothing. The host may then
   * resend it once on a fresh connection when a reused keep-alive
   * connection fails before any byte of the response (GET and HEAD always
   * are). Without it such a failure is reported as CGW_TRANSPORT_BROKEN. */
  CGW_REQUEST_REPLAYABLE = 1u << 0
};

/* Result of parsing an inbound carrier callback. */
typedef struct cgw_callback_v1 {
  uint32_t struct_size;
  int32_t verified;    /* 1: authentic and parsed; 0: refused, see `error` */
  cgw_str events_json; /* JSON array of events (docs/sdk.md) when verified */
  /* The acknowledgement the carrier's protocol expects; the host sends it
   * only after the events are durable. */
  int32_t ack_status;
  cgw_str ack_content_type;
  cgw_str ack_body;
  cgw_error_v1 error; /* when verified == 0 */
  /* Added in ABI 1.2: the error as a sized struct (see cgw_step_v1). */
  const cgw_error_v2* error_v2;
} cgw_callback_v1;

/* ------------------------------------------------------------- plugin --- */

/* KYC outcomes a carrier can report (cgw_plugin_v1.kyc_outcomes, ABI 1.2).
 * The conformance kit reports checks of undeclared outcomes as not
 * applicable. A table without the member declares all of them. */
enum cgw_kyc_outcome {
  CGW_KYC_PASSED = 1u << 0,
  CGW_KYC_REVIEW = 1u << 1,           /* manual review: result "review" */
  CGW_KYC_ID_NAME_MISMATCH = 1u << 2, /* result "rejected", reason ... */
  CGW_KYC_ID_NOT_FOUND = 1u << 3,
  CGW_KYC_ID_INVALIDATED = 1u << 4,
  CGW_KYC_FACE_MISMATCH = 1u << 5,
  CGW_KYC_LIVENESS_FAILED = 1u << 6,
  CGW_KYC_QUOTA_EXCEEDED = 1u << 7,
  CGW_KYC_BLACKLISTED = 1u << 8,
  CGW_KYC_UNDERAGE = 1u << 9
};
#define CGW_KYC_ALL_OUTCOMES ((uint64_t)((1u << 10) - 1u))

/* What the carrier's protocol can do (cgw_plugin_v1.traits, ABI 1.2). A
 * table without the member declares CGW_TRAITS_V1_DEFAULT. */
enum cgw_trait {
  /* The carrier stores the gateway's order id (gateway_order_id) and
   * finds an order by it: a submit whose reply was lost is resolved by
   * activation.query with that id alone. */
  CGW_TRAIT_FINDS_ORDER_BY_GATEWAY_ID = 1u << 0
};
#define CGW_TRAITS_V1_DEFAULT ((uint32_t)CGW_TRAIT_FINDS_ORDER_BY_GATEWAY_ID)

/* The form of the settings passed to create() (cgw_plugin_v1.config_format,
 * ABI 1.2). A table without the member gets YAML. */
enum cgw_config_format { CGW_CONFIG_YAML = 0, CGW_CONFIG_JSON = 1 };

typedef struct cgw_instance cgw_instance; /* opaque, owned by the plugin */

enum cgw_carrier_kind { CGW_CARRIER_MNO = 1u << 0, CGW_CARRIER_MVNO = 1u << 1 };

enum cgw_capability {
  CGW_CAP_PLANS = 1u << 0,          /* plans.list */
  CGW_CAP_INVENTORY_SYNC = 1u << 1, /* inventory.sync */
  CGW_CAP_RESERVE = 1u << 2,        /* number.reserve, number.release */
  CGW_CAP_KYC = 1u << 3,            /* kyc.verify */
  CGW_CAP_ACTIVATION = 1u << 4,     /* activation.submit, activation.query */
  CGW_CAP_CALLBACKS = 1u << 5,      /* parse_callback */
  /* ABI 1.3: after-sales (docs/sdk.md, "After-sales operations"). A host
   * of 1.2 does not know them; a plugin that declares any of them needs a
   * host of 1.3 (the C++ layer sets min_host_minor to 3 for it). */
  CGW_CAP_FULFILMENT = 1u << 6,       /* order statuses past submitted/activated/failed */
  CGW_CAP_CANCEL = 1u << 7,           /* activation.cancel */
  CGW_CAP_SUBSCRIBER_QUERY = 1u << 8, /* subscriber.query */
  CGW_CAP_RECHARGE = 1u << 9,         /* subscriber.recharge, subscriber.recharge_query */
  CGW_CAP_SIM_REPLACE = 1u << 10,     /* subscriber.sim_replace (tracked by activation.query) */
  CGW_CAP_SUSPEND = 1u << 11          /* subscriber.suspend, subscriber.resume */
};
/* The capabilities added in ABI 1.3. */
#define CGW_CAPS_V1_3                                                                             \
  ((uint64_t)(CGW_CAP_FULFILMENT | CGW_CAP_CANCEL | CGW_CAP_SUBSCRIBER_QUERY | CGW_CAP_RECHARGE | \
              CGW_CAP_SIM_REPLACE | CGW_CAP_SUSPEND))

typedef struct cgw_plugin_v1 {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;

  /* Descriptor. Static strings owned by the plugin. */
  cgw_str name;
  cgw_str version;
  uint32_t carrier_kinds; /* enum cgw_carrier_kind bits */
  uint64_t capabilities;  /* enum cgw_capability bits */

  /* Make an instance for one configured carrier. `ctx` is the host context
   * to pass back to host functions; `config` is the carrier's settings
   * block with secret references already resolved, as YAML text or (when
   * config_format says so, ABI 1.2) a JSON object. On failure returns NULL
   * and sets *error to a FAIL step (released through free_step). */
  cgw_instance* (*create)(void* ctx, cgw_str config, cgw_step_v1** error);
  void (*destroy)(cgw_instance* instance);

  /* Begin `operation` (e.g. "number.reserve") with its input JSON. */
  cgw_step_v1* (*start)(cgw_instance* instance, cgw_str operation, cgw_str input_json);
  /* Continue after a SEND step with the state it carried and the outcome. */
  cgw_step_v1* (*resume)(cgw_instance* instance, cgw_str state,
                         const cgw_http_response_v1* response);
  void (*free_step)(cgw_step_v1* step);

  /* Verify and parse an inbound callback request (`url` holds the path and
   * query the carrier used). Never returns NULL. */
  cgw_callback_v1* (*parse_callback)(cgw_instance* instance, const cgw_http_request_v1* request);
  void (*free_callback)(cgw_callback_v1* result);

  /* ---- ABI 1.2 (the host reads them only when struct_size covers them) */
  /* The oldest host minor (of this major) the plugin works with. A host of
   * an older minor refuses the plugin; a table without the member needs
   * its own abi_minor. */
  uint16_t min_host_minor;
  uint16_t config_format; /* enum cgw_config_format */
  uint32_t traits;        /* enum cgw_trait bits */
  uint64_t kyc_outcomes;  /* enum cgw_kyc_outcome bits */

  /* New members are appended here by later minor versions. */
} cgw_plugin_v1;

/* The one exported entry point. Returns NULL if the plugin cannot work
 * with this host (for example a host older than it needs). A host of an
 * older minor passes a shorter table (its struct_size): check it before
 * using a member added later. The returned
 * table is static and lives as long as the library is loaded. */
typedef const cgw_plugin_v1* (*cgw_plugin_entry_v1_fn)(const cgw_host_v1* host);

#ifdef __cplusplus
}
#endif

#endif /* CGW_ABI_H */
