"""Smoke test of a P/D serving graph (python3 stdlib only; runs in the vLLM image).

Checks, through the frontend Service the endpoint uses:
  1. the model is listed at /v1/models (retried until the cold start is over);
  2. a chat completion returns text;
  3. a completion with a prompt of at least MIN_PROMPT_TOKENS tokens returns (prefill runs on a
     prefill worker and its KV cache moves to a decode worker);
  4. on the decode workers, the NIXL transfer counter rose and the failed-transfer counter did not;
  5. with REQUIRE_BACKEND set (EFA on), every worker's log shows NIXL instantiated that backend and
     none shows UCX, so a silent fallback to UCX over TCP fails the test.
Prints one line per check; on failure writes "SMOKE TEST FAILED: <check>: <why>" to stdout and to
the container's termination message, and exits 1.
"""

import json
import os
import ssl
import sys
import time
import urllib.parse
import urllib.request
import uuid

BASE_URL = os.environ["BASE_URL"].rstrip("/")
MODEL = os.environ["MODEL"]
API_KEY = os.environ.get("OPENAI_API_KEY", "")
NAMESPACE = os.environ["NAMESPACE"]
DECODE_TARGETS = json.loads(os.environ["DECODE_METRICS"])
LOG_TARGETS = json.loads(os.environ["LOG_TARGETS"])
XFER_COUNT = os.environ["XFER_COUNT_METRIC"]
FAILED_TRANSFERS = os.environ["FAILED_TRANSFERS_METRIC"]
REQUIRE_BACKEND = os.environ.get("REQUIRE_BACKEND", "")
MIN_PROMPT_TOKENS = int(os.environ["MIN_PROMPT_TOKENS"])
READY_TIMEOUT = int(os.environ["READY_TIMEOUT_SECONDS"])
REQUEST_TIMEOUT = int(os.environ["REQUEST_TIMEOUT_SECONDS"])
RETRY_INTERVAL = float(os.environ.get("RETRY_INTERVAL_SECONDS", "10"))
BACKEND_LINE = "Backend %s was instantiated"
SA_DIR = os.environ.get("SA_DIR", "/var/run/secrets/kubernetes.io/serviceaccount")
TERMINATION_LOG = os.environ.get("TERMINATION_LOG", "/dev/termination-log")


class CheckFailed(Exception):
    pass


def fail(check, why):
    message = "SMOKE TEST FAILED: %s: %s" % (check, why)
    print(message, flush=True)
    try:
        with open(TERMINATION_LOG, "w") as log:
            log.write(message[:4000])
    except OSError:
        pass
    sys.exit(1)


def http(url, body=None, headers=None, timeout=REQUEST_TIMEOUT, context=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
        return response.read().decode("utf-8", "replace")


def api(path, body=None):
    headers = {"Authorization": "Bearer " + API_KEY} if API_KEY else {}
    return json.loads(http(BASE_URL + path, body, headers))


def retry(check, attempt, deadline):
    """Runs attempt() until it returns, or fails the check at the deadline with the last error."""
    last = "no attempt"
    while True:
        try:
            return attempt()
        except Exception as error:  # cold start: connection refused, 5xx, model not yet listed
            last = "%s: %s" % (type(error).__name__, error)
        if time.time() > deadline:
            fail(check, "still failing after %ds: %s" % (READY_TIMEOUT, last))
        print("waiting (%s): %s" % (check, last), flush=True)
        time.sleep(RETRY_INTERVAL)


def kube(path):
    """GET on the Kubernetes API with the pod's service account (KUBE_API: a plain-HTTP API, for tests)."""
    with open(SA_DIR + "/token") as token:
        headers = {"Authorization": "Bearer " + token.read().strip()}
    if os.environ.get("KUBE_API"):
        return http(os.environ["KUBE_API"] + path, headers=headers, timeout=60)
    context = ssl.create_default_context(cafile=SA_DIR + "/ca.crt")
    host = os.environ["KUBERNETES_SERVICE_HOST"]
    port = os.environ["KUBERNETES_SERVICE_PORT"]
    return http("https://%s:%s%s" % (host, port, path), headers=headers, timeout=60, context=context)


def pods(selector):
    query = urllib.parse.urlencode({"labelSelector": ",".join("%s=%s" % kv for kv in selector.items())})
    items = json.loads(kube("/api/v1/namespaces/%s/pods?%s" % (NAMESPACE, query)))["items"]
    return [p for p in items if p.get("status", {}).get("phase") == "Running" and p["status"].get("podIP")]


def metric_sum(text, name):
    """Sum of every sample of a metric (all label sets) in Prometheus text format; None if absent."""
    total = None
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            value = line.rsplit("}", 1)[1].split()[0] if "}" in line else line.split()[1]
            total = (total or 0.0) + float(value)
    return total


def decode_counters(require=True):
    """{pod: (transfers, failed)} over every running decode pod; a missing metric counts 0 unless required."""
    counters = {}
    for target in DECODE_TARGETS:
        found = pods(target["selector"])
        if not found:
            raise CheckFailed("no running pod matches %s" % target["selector"])
        for pod in found:
            url = "http://%s:%d%s" % (pod["status"]["podIP"], target["port"], target["path"])
            text = http(url, timeout=30)
            transfers = metric_sum(text, XFER_COUNT)
            failed = metric_sum(text, FAILED_TRANSFERS)
            if require and (transfers is None or failed is None):
                missing = XFER_COUNT if transfers is None else FAILED_TRANSFERS
                raise CheckFailed("%s does not expose %s (is the NIXL connector on?)" % (url, missing))
            counters[pod["metadata"]["name"]] = (transfers or 0.0, failed or 0.0)
    return counters


def long_prompt(nonce):
    # A fresh nonce first: no prefix-cache hit on either side, so the KV cache must move.
    # Each item is at least 4 tokens, so the prompt is 2-4x MIN_PROMPT_TOKENS (checked against usage).
    items = ["item %d is %s." % (i, "ok" if i % 2 else "fine") for i in range(MIN_PROMPT_TOKENS // 2)]
    return "Request %s. %s Summarise the list in one sentence." % (nonce, " ".join(items))


def check_backend():
    for target in LOG_TARGETS:
        found = pods(target["selector"])
        if not found:
            fail("NIXL backend", "no running %s pod matches %s" % (target["role"], target["selector"]))
        for pod in found:
            name = pod["metadata"]["name"]
            query = urllib.parse.urlencode({"container": target["container"], "limitBytes": 50000000})
            log = kube("/api/v1/namespaces/%s/pods/%s/log?%s" % (NAMESPACE, name, query))
            if BACKEND_LINE % "UCX" in log:
                fail("NIXL backend", "%s instantiated NIXL's UCX backend, not %s: KV moves over TCP" % (name, REQUIRE_BACKEND))
            if BACKEND_LINE % REQUIRE_BACKEND not in log:
                fail("NIXL backend", "%s's log has no '%s'" % (name, BACKEND_LINE % REQUIRE_BACKEND))
            print("ok: %s: %s" % (name, BACKEND_LINE % REQUIRE_BACKEND), flush=True)


def main():
    deadline = time.time() + READY_TIMEOUT

    def listed():
        ids = [m["id"] for m in api("/v1/models")["data"]]
        if MODEL not in ids:
            raise CheckFailed("%s not in %s" % (MODEL, ids))
        return ids

    print("ok: /v1/models lists", ", ".join(retry("model listed", listed, deadline)), flush=True)

    def chat():
        body = {"model": MODEL, "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 16, "temperature": 0}
        text = api("/v1/chat/completions", body)["choices"][0]["message"]["content"]
        if not text:
            raise CheckFailed("empty chat completion")
        return text

    print("ok: chat completion:", repr(retry("chat completion", chat, deadline)), flush=True)

    before = retry("decode metrics", lambda: decode_counters(require=False), deadline)
    started = time.time()
    try:
        body = {"model": MODEL, "prompt": long_prompt(uuid.uuid4().hex), "max_tokens": 16, "temperature": 0}
        response = api("/v1/completions", body)
    except Exception as error:
        fail("long completion", "%s: %s" % (type(error).__name__, error))
    prompt_tokens = response.get("usage", {}).get("prompt_tokens", 0)
    if prompt_tokens < MIN_PROMPT_TOKENS:
        fail("long completion", "the prompt was %d tokens, fewer than %d" % (prompt_tokens, MIN_PROMPT_TOKENS))
    print("ok: completion of a %d-token prompt in %.2fs" % (prompt_tokens, time.time() - started), flush=True)

    try:
        after = decode_counters()
    except Exception as error:
        fail("NIXL transfers", "%s: %s" % (type(error).__name__, error))
    rose = sum(after[p][0] - before.get(p, (0, 0))[0] for p in after)
    failed = sum(after[p][1] - before.get(p, (0, 0))[1] for p in after)
    if rose <= 0:
        fail("NIXL transfers", "%s did not rise on any decode pod (%s): the KV cache did not move over NIXL" % (XFER_COUNT, after))
    if failed > 0:
        fail("NIXL transfers", "%s rose by %d (%s)" % (FAILED_TRANSFERS, failed, after))
    print("ok: %s rose by %d, %s did not rise" % (XFER_COUNT, rose, FAILED_TRANSFERS), flush=True)
    if any(after[p][1] > 0 for p in after):
        print("warning: earlier failed transfers on decode pods: %s" % after, flush=True)

    if REQUIRE_BACKEND:
        check_backend()
    print("SMOKE TEST PASSED", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # e.g. the Kubernetes API refused the pod list: still one clear line
        fail("unexpected error", "%s: %s" % (type(error).__name__, error))
