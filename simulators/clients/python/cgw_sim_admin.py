"""A client of the cgw-sim admin API (docs/simulators-admin.yaml).

Standard library only (urllib, json): copy this one file into a test suite,
or put this folder on PYTHONPATH. Python 3.8 or later.

    from cgw_sim_admin import SimAdmin
    sim = SimAdmin("http://127.0.0.1:9101")          # one carrier's port
    qa1 = sim.create_namespace("qa1", seed=7)          # a SimAdmin for /ns/qa1
    qa1.add_fault(operation="/open/v1/numbers/lock", kind="http_status", status=503, first=1)

Every method returns the decoded JSON answer. An answer other than 2xx
raises AdminError with the HTTP status and the server's "error" text.
"""

import json
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["AdminError", "SimAdmin", "advance_both_clocks", "gateway_advance_clock"]


class AdminError(Exception):
    """The admin API (or the gateway) answered with an error."""

    def __init__(self, method, url, status, message, body=None):
        super().__init__(f"{method} {url}: {status} {message}")
        self.method = method
        self.url = url
        self.status = status
        self.message = message
        self.body = body


def _request(method, url, body=None, headers=None, timeout=10.0):
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            raw = res.read()
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            parsed = json.loads(raw)
            message = parsed.get("error") if isinstance(parsed, dict) else None
        except ValueError:
            parsed, message = None, None
        if message is None:
            message = raw.decode("utf-8", "replace")[:200] or e.reason
        raise AdminError(method, url, e.code, message, parsed) from None
    return json.loads(raw) if raw else None


class SimAdmin:
    """The admin API of one carrier simulator, or of one of its namespaces.

    `base_url` is the carrier's listener (e.g. http://127.0.0.1:9101);
    `namespace` (optional) selects /ns/<name>. Namespaces are listed,
    created and deleted on the default instance (namespace None).
    """

    def __init__(self, base_url, namespace=None, timeout=10.0):
        self.base_url = base_url.rstrip("/")
        self.namespace = namespace
        self.timeout = timeout

    # -- plumbing -----------------------------------------------------------

    @property
    def prefix(self):
        """The URL prefix of this instance's admin and carrier paths."""
        if self.namespace is None:
            return self.base_url
        return self.base_url + "/ns/" + urllib.parse.quote(self.namespace, safe="")

    def _call(self, method, path, body=None, query=None, root=False):
        url = (self.base_url if root else self.prefix) + path
        if query:
            pairs = [(k, v) for k, v in query.items() if v is not None]
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        return _request(method, url, body, timeout=self.timeout)

    def healthz(self):
        return self._call("GET", "/healthz")

    def console_url(self):
        """The web console of this instance (open it in a browser)."""
        return self.prefix + "/admin/console"

    # -- namespaces (default instance only) ---------------------------------

    def namespaces(self):
        """{"namespaces": [{"name", "seed", "basePath", "persist"}], "max": N}"""
        return self._call("GET", "/admin/namespaces", root=True)

    def create_namespace(self, name, persist=False, **overrides):
        """Creates /ns/<name> (seed, pool_size, faults, callback_chaos, ...)
        and returns a SimAdmin bound to it. persist=True saves it to a file
        in cgw-sim's state_dir, restored when cgw-sim starts again."""
        body = dict(name=name, **overrides)
        if persist:
            body["persist"] = True
        self._call("POST", "/admin/namespaces", body, root=True)
        return SimAdmin(self.base_url, name, self.timeout)

    def delete_namespace(self, name=None):
        """Deletes one namespace, or every namespace when name is None."""
        path = "/admin/namespaces" + ("" if name is None else "/" + urllib.parse.quote(name, safe=""))
        return self._call("DELETE", path, root=True)

    def use(self, namespace):
        """A SimAdmin for another namespace of the same carrier (None: default)."""
        return SimAdmin(self.base_url, namespace, self.timeout)

    # -- faults -------------------------------------------------------------

    def faults(self):
        """{"faults": [...with seen/fired...], "operations": [...]}"""
        return self._call("GET", "/admin/faults")

    def add_fault(self, rule=None, **fields):
        """Adds one rule (a dict, or keyword fields), or a list of rules.
        Returns the answer, whose "added" lists the new ids."""
        body = rule if rule is not None else fields
        return self._call("POST", "/admin/faults", body)

    def remove_fault(self, fault_id):
        return self._call("DELETE", "/admin/faults/" + urllib.parse.quote(fault_id, safe=""))

    def clear_faults(self):
        return self._call("DELETE", "/admin/faults")

    # -- callback chaos -----------------------------------------------------

    def callback_chaos(self):
        return self._call("GET", "/admin/callback-chaos")

    def set_callback_chaos(self, chaos=None, **fields):
        """e.g. set_callback_chaos(duplicate={"every": 2}, delay={"ms": 5000})"""
        return self._call("POST", "/admin/callback-chaos", chaos if chaos is not None else fields)

    def clear_callback_chaos(self):
        return self._call("DELETE", "/admin/callback-chaos")

    # -- clock --------------------------------------------------------------

    def clock(self):
        return self._call("GET", "/admin/clock")

    def advance_clock(self, ms, freeze=None):
        """Moves the simulated clock forward, running the due work in order."""
        body = {"advance_ms": int(ms)}
        if freeze is not None:
            body["freeze"] = bool(freeze)
        return self._call("POST", "/admin/clock", body)

    def set_clock(self, unix_ms, freeze=None):
        body = {"set_ms": int(unix_ms)}
        if freeze is not None:
            body["freeze"] = bool(freeze)
        return self._call("POST", "/admin/clock", body)

    def freeze_clock(self, frozen=True):
        return self._call("POST", "/admin/clock", {"freeze": bool(frozen)})

    # -- journal ------------------------------------------------------------

    def requests(self, **filters):
        """The journal of carrier requests, oldest first; filters as the
        server takes them (limit, operation, msisdn, order_id, ...)."""
        return self._call("GET", "/admin/requests", query=filters)

    def count_requests(self, **filters):
        """GET /admin/requests/count with the same filters."""
        return self._call("GET", "/admin/requests/count", query=filters)

    def clear_requests(self):
        """DELETE /admin/requests: empties the journal."""
        return self._call("DELETE", "/admin/requests")

    # -- state --------------------------------------------------------------

    def reset(self):
        """POST /admin/reset: pool, ledger, faults, chaos, journal and clock
        start over as configured."""
        return self._call("POST", "/admin/reset", {})

    def save_namespace(self):
        """POST /ns/<name>/admin/state/save: writes this saved namespace's
        file now (e.g. before a planned kill); {"saved", "file"}."""
        if self.namespace is None:
            raise ValueError("save_namespace() needs a SimAdmin bound to a namespace")
        return self._call("POST", "/admin/state/save", {})

    def state(self):
        """Orders, reservations, callbacks and the clock."""
        return self._call("GET", "/admin/state")

    def callbacks(self, limit=None):
        """Every callback with every attempt."""
        return self._call("GET", "/admin/callbacks", query={"limit": limit})

    def orders(self):
        """Every order with its lifecycle (stages done and planned)."""
        return self._call("GET", "/admin/orders")

    def pool(self, after=None, limit=None):
        """A page of the number pool with each number's state, and counts."""
        return self._call("GET", "/admin/pool", query={"after": after, "limit": limit})

    def sell_number(self, number):
        """An idle number sold through another channel (inventory churn)."""
        return self._call("POST", "/admin/numbers/" + number + "/sell", {})


def gateway_advance_clock(gateway_url, ms, api_key=None, timeout=10.0):
    """POST /v1/test/clock {"advance_ms": N} on a gateway whose test clock is
    on (a test-mode config only; see docs/simulators.md)."""
    headers = {"Authorization": "Bearer " + api_key} if api_key else {}
    return _request("POST", gateway_url.rstrip("/") + "/v1/test/clock",
                    {"advance_ms": int(ms)}, headers=headers, timeout=timeout)


def advance_both_clocks(sim, gateway_url, ms, api_key=None):
    """Moves the simulator's clock (SimAdmin `sim`) and then the gateway's
    test clock by the same `ms`, so reservation expiry, polling and webhook
    retries on both sides see the same time pass. Returns both answers."""
    return {"simulator": sim.advance_clock(ms),
            "gateway": gateway_advance_clock(gateway_url, ms, api_key, sim.timeout)}
