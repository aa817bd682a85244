"""The simulator's web console, end to end in headless Chromium.

Starts the real cgw-sim (mobile) and cgw-gateway on 127.0.0.1 ephemeral
ports, opens http://<sim>/admin/console, adds a fault THROUGH THE PAGE
(http_status 503 on the mobile lock operation), then reserves a number
through the gateway and checks that the reservation fails as the fault says
and that the simulator answered the lock with the injected 503. The admin
client (simulators/clients/python) does the setup and the checks. Saves a
screenshot as <work dir>/console.png.

    console_test.py --sim BIN --gateway BIN --plugin SO --source DIR --work DIR
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

API_KEY = "console-test-key"
LOCK = "/open/v1/numbers/lock"


def parse_args():
    p = argparse.ArgumentParser()
    for name in ("sim", "gateway", "plugin", "source", "work"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    a = p.parse_args()
    for name in ("sim", "gateway", "plugin", "source", "work"):
        setattr(a, name, os.path.abspath(getattr(a, name)))
    return a


def wait_for(what, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def start(cmd, log_path, ready_file):
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)

    def ready():
        if proc.poll() is not None:
            raise AssertionError(f"{cmd[0]} exited with {proc.returncode}; see {log_path}")
        try:
            with open(ready_file) as f:
                return f.read().strip() or None
        except FileNotFoundError:
            return None

    return proc, wait_for(cmd[0] + " to listen", ready)


def gateway_call(port, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Authorization": "Bearer " + API_KEY}
    if body is not None:
        hdrs["Content-Type"] = "application/json"
    hdrs.update(headers or {})
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=20) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def write_configs(a):
    secrets = os.path.join(a.source, "config", "secrets")
    with open(os.path.join(a.work, "simulators.yaml"), "w") as f:
        f.write(f"""threads: 2
simulators:
  - carrier: mobile
    listen: "127.0.0.1:0"
    seed: 42
    pool_size: 200
    app_id: demo-mobile-app
    secret: {{file: {secrets}/mobile-demo.secret}}
""")
    with open(os.path.join(a.work, "pii.key"), "w") as f:
        f.write("c" * 64)
    key_hash = hashlib.sha256(API_KEY.encode()).hexdigest()

    def gateway(sim_port):
        with open(os.path.join(a.work, "gateway.yaml"), "w") as f:
            f.write(f"""listen: {{address: 127.0.0.1, port: 0}}
threads: 2
store: {{path: cgw.db}}
log: {{level: info}}
security: {{pii_key: {{file: pii.key}}}}
tenants:
  - id: console
    api_keys:
      - sha256: {key_hash}
carriers:
  - id: mobile
    plugin: {a.plugin}
    required: true
    base_url: http://127.0.0.1:{sim_port}
    settings:
      app_id: demo-mobile-app
      secret: {{file: {secrets}/mobile-demo.secret}}
""")
    return gateway


def browser(a):
    opts = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1800", "--no-first-run", "--disable-extensions"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if os.path.exists("/usr/bin/chromium"):
        opts.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service(a.chromedriver), options=opts)


def add_fault_through_page(driver, url):
    """Loads the console and adds http_status 503 on the lock operation."""
    driver.get(url)
    wait = WebDriverWait(driver, 15)
    # The operation list comes from GET /admin/faults: the page has loaded.
    wait.until(lambda d: LOCK in [o.get_attribute("value")
                                  for o in d.find_elements(By.CSS_SELECTOR, "#fault-op option")])
    Select(driver.find_element(By.ID, "fault-op")).select_by_value(LOCK)
    Select(driver.find_element(By.ID, "fault-kind")).select_by_value("http_status")
    value = driver.find_element(By.ID, "fault-value")
    value.clear()
    value.send_keys("503")
    driver.find_element(By.ID, "fault-add").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, "message"), "added"))
    assert driver.find_element(By.ID, "message").text == "fault f1 added", \
        driver.find_element(By.ID, "message").text
    wait.until(EC.text_to_be_present_in_element((By.ID, "faults"), LOCK))


def check_page_is_clean(driver):
    """No CSP violation or script error reached the browser's console."""
    problems = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not problems, problems


def run(a, sim, gw_port, driver):
    console = sim.console_url()
    add_fault_through_page(driver, console)
    faults = sim.faults()["faults"]
    assert len(faults) == 1, faults
    assert (faults[0]["operation"], faults[0]["kind"], faults[0]["status"]) == \
        (LOCK, "http_status", 503), faults[0]

    status, found = gateway_call(gw_port, "GET", "/v1/numbers?carrier=mobile&limit=1")
    assert status == 200 and found["numbers"], (status, found)
    msisdn = found["numbers"][0]["msisdn"]
    sim.clear_requests()
    status, body = gateway_call(gw_port, "POST", "/v1/reservations",
                                {"carrier": "mobile", "msisdn": msisdn},
                                {"Idempotency-Key": "console-res-1"})
    # The carrier's 503 is the gateway's CARRIER_UNAVAILABLE (docs/openapi.yaml).
    assert status == 503 and body["error"]["code"] == "CARRIER_UNAVAILABLE", (status, body)
    locks = [e for e in sim.requests(limit=100)["requests"] if e["operation"] == LOCK]
    assert locks and all(e["http_status"] == 503 and e["fault"] == "http_status" for e in locks), locks
    assert sim.faults()["faults"][0]["fired"] == len(locks)
    assert not sim.state()["reservations"], "the faulted lock must not hold the number"

    # The page shows the faulted request in its journal.
    driver.find_element(By.ID, "refresh").click()
    WebDriverWait(driver, 10).until(EC.text_to_be_present_in_element((By.ID, "journal"), LOCK))
    check_page_is_clean(driver)


def main():
    a = parse_args()
    sys.path.insert(0, os.path.join(a.source, "simulators", "clients", "python"))
    from cgw_sim_admin import SimAdmin

    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    gateway_config = write_configs(a)
    procs, driver = [], None
    try:
        ports_file = os.path.join(a.work, "sim.ports")
        p, ports = start([a.sim, "--config", os.path.join(a.work, "simulators.yaml"),
                          "--ports-file", ports_file], os.path.join(a.work, "sim.log"), ports_file)
        procs.append(p)
        sim = SimAdmin(f"http://127.0.0.1:{json.loads(ports)['mobile']}")
        gateway_config(json.loads(ports)["mobile"])
        port_file = os.path.join(a.work, "gateway.port")
        p, gw_port = start([a.gateway, "--config", os.path.join(a.work, "gateway.yaml"),
                            "--port-file", port_file], os.path.join(a.work, "gateway.log"),
                           port_file)
        procs.append(p)
        gw_port = int(json.loads(gw_port)["port"])
        wait_for("the first inventory sync", lambda: gateway_call(gw_port, "GET", "/v1/carriers")[1]
                 ["carriers"][0]["inventory"]["last_sync_at"])
        driver = browser(a)
        try:
            run(a, sim, gw_port, driver)
        finally:
            driver.save_screenshot(os.path.join(a.work, "console.png"))
        print("console test passed; screenshot:", os.path.join(a.work, "console.png"))
    finally:
        if driver:
            driver.quit()
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
