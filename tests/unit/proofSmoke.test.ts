/**
 * components/serving/proof/smoke.py, run with python3 against a fake endpoint, fake worker
 * /metrics and a fake Kubernetes API (pods and pods/log), all on one local HTTP server. It must
 * pass a healthy P/D graph after a cold start and fail, saying what failed, when no KV moved over
 * NIXL, a transfer failed, NIXL fell back to UCX with EFA on, the prompt was short, or the model
 * never showed up.
 */
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { NIXL_FAILED_TRANSFERS_METRIC, NIXL_XFER_COUNT_METRIC } from "../../components/serving/proof/smoke";

const SCRIPT = path.resolve(__dirname, "..", "..", "components", "serving", "proof", "smoke.py");
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";

interface Fake {
    /** /v1/models answers 503 this many times first (cold start). */
    coldStarts: number;
    listsModel: boolean;
    /** Per long completion: how much the transfer and failure counters rise. */
    transfersPerRequest: number;
    failuresPerRequest: number;
    promptTokens: number;
    exposesMetrics: boolean;
    log: string;
}

const HEALTHY: Fake = {
    coldStarts: 2,
    listsModel: true,
    transfersPerRequest: 1,
    failuresPerRequest: 0,
    promptTokens: 2345,
    exposesMetrics: true,
    log: "INFO ... NIXL INFO _api.py:405 Backend LIBFABRIC was instantiated\nINFO serving\n",
};

interface Seen {
    authorization: string[];
    logQueries: string[];
}

function startServer(fake: Fake, seen: Seen): Promise<http.Server> {
    let transfers = 0;
    let failures = 0;
    let modelCalls = 0;
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const json = (status: number, body: unknown) => {
            res.writeHead(status, { "Content-Type": "application/json" });
            res.end(JSON.stringify(body));
        };
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            if (url.pathname.startsWith("/v1/")) {
                seen.authorization.push(req.headers.authorization ?? "");
            }
            if (url.pathname === "/v1/models") {
                modelCalls++;
                return modelCalls <= fake.coldStarts
                    ? json(503, { error: "loading" })
                    : json(200, { data: fake.listsModel ? [{ id: MODEL }] : [{ id: "other" }] });
            }
            if (url.pathname === "/v1/chat/completions") {
                return json(200, { choices: [{ message: { content: "Hello!" } }] });
            }
            if (url.pathname === "/v1/completions") {
                const prompt = (JSON.parse(body) as { prompt: string }).prompt;
                assert.ok(prompt.split(" ").length >= 2000);
                transfers += fake.transfersPerRequest;
                failures += fake.failuresPerRequest;
                return json(200, { choices: [{ text: "ok" }], usage: { prompt_tokens: fake.promptTokens } });
            }
            if (url.pathname === "/metrics") {
                res.writeHead(200, { "Content-Type": "text/plain" });
                const lines = [
                    `# HELP ${NIXL_XFER_COUNT_METRIC} x`,
                    `vllm:generation_tokens_total{engine="0",model_name="${MODEL}"} 12.0`,
                    ...(fake.exposesMetrics
                        ? [
                              `${NIXL_XFER_COUNT_METRIC}{engine="0",model_name="${MODEL}"} ${transfers}.0`,
                              `${NIXL_FAILED_TRANSFERS_METRIC}{engine="0",model_name="${MODEL}"} ${failures}.0`,
                          ]
                        : []),
                ];
                return res.end(lines.join("\n") + "\n");
            }
            const pods = /^\/api\/v1\/namespaces\/serving\/pods$/.exec(url.pathname);
            if (pods) {
                const role = /component=(\w+)/.exec(url.searchParams.get("labelSelector") ?? "")?.[1];
                return json(200, { items: [{ metadata: { name: `${role}-0` }, status: { phase: "Running", podIP: "127.0.0.1" } }] });
            }
            if (/^\/api\/v1\/namespaces\/serving\/pods\/[\w-]+\/log$/.test(url.pathname)) {
                seen.logQueries.push(`${url.pathname}?${url.searchParams.toString()}`);
                res.writeHead(200, { "Content-Type": "text/plain" });
                return res.end(fake.log);
            }
            json(404, { path: url.pathname });
        });
    });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

interface Outcome {
    code: number;
    stdout: string;
    termination: string;
    seen: Seen;
}

async function runSmoke(fake: Partial<Fake>, env: Record<string, string> = {}): Promise<Outcome> {
    const seen: Seen = { authorization: [], logQueries: [] };
    const server = await startServer({ ...HEALTHY, ...fake }, seen);
    const port = (server.address() as AddressInfo).port;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-"));
    fs.writeFileSync(path.join(tmp, "token"), "sa-token");
    const target = (role: string) => ({
        role,
        selector: { "app.kubernetes.io/component": role, "pd-serving/graph": "vllm-router" },
        container: role,
        port,
        path: "/metrics",
    });
    const childEnv = {
        PATH: process.env.PATH ?? "",
        BASE_URL: `http://127.0.0.1:${port}`,
        MODEL,
        NAMESPACE: "serving",
        DECODE_METRICS: JSON.stringify([target("decode")]),
        LOG_TARGETS: JSON.stringify([target("prefill"), target("decode")]),
        XFER_COUNT_METRIC: NIXL_XFER_COUNT_METRIC,
        FAILED_TRANSFERS_METRIC: NIXL_FAILED_TRANSFERS_METRIC,
        REQUIRE_BACKEND: "LIBFABRIC",
        MIN_PROMPT_TOKENS: "2000",
        READY_TIMEOUT_SECONDS: "20",
        REQUEST_TIMEOUT_SECONDS: "10",
        RETRY_INTERVAL_SECONDS: "0.05",
        KUBE_API: `http://127.0.0.1:${port}`,
        SA_DIR: tmp,
        TERMINATION_LOG: path.join(tmp, "termination-log"),
        ...env,
    };
    try {
        const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
            execFile("python3", [SCRIPT], { env: childEnv, timeout: 50000 }, (error, out) => {
                resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout: out });
            });
        });
        const file = path.join(tmp, "termination-log");
        return { code, stdout, termination: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "", seen };
    } finally {
        server.close();
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

describe("smoke test script (python3, against fakes)", () => {
    it("passes a healthy graph after a cold start, sending the API key when one is set", async () => {
        const r = await runSmoke({}, { OPENAI_API_KEY: "sk-test" });
        assert.strictEqual(r.code, 0, r.stdout);
        assert.match(r.stdout, /waiting \(model listed\)/);
        assert.match(r.stdout, /ok: completion of a 2345-token prompt/);
        assert.match(r.stdout, /ok: vllm:nixl_xfer_time_seconds_count rose by 1/);
        assert.match(r.stdout, /ok: decode-0: Backend LIBFABRIC was instantiated/);
        assert.match(r.stdout, /SMOKE TEST PASSED\n$/);
        assert.ok(r.seen.authorization.length > 0 && r.seen.authorization.every((h) => h === "Bearer sk-test"));
        assert.deepStrictEqual(
            r.seen.logQueries.map((q) => q.split("?")[0].split("/").slice(-2)[0]),
            ["prefill-0", "decode-0"],
        );
        assert.ok(r.seen.logQueries.every((q) => /container=(prefill|decode)/.test(q)));
    });

    it("sends no Authorization header without a key", async () => {
        const r = await runSmoke({});
        assert.strictEqual(r.code, 0, r.stdout);
        assert.ok(r.seen.authorization.every((h) => h === ""));
    });

    const failures: [string, Partial<Fake>, Record<string, string>, RegExp][] = [
        ["no KV transfer reached decode", { transfersPerRequest: 0 }, {}, /NIXL transfers: vllm:nixl_xfer_time_seconds_count did not rise/],
        ["a transfer failed", { failuresPerRequest: 1 }, {}, /NIXL transfers: vllm:nixl_num_failed_transfers_total rose by 1/],
        [
            "NIXL fell back to UCX with EFA on",
            { log: "NIXL INFO _api.py:405 Backend UCX was instantiated\n" },
            {},
            /NIXL backend: prefill-0 instantiated NIXL's UCX backend, not LIBFABRIC/,
        ],
        [
            "the LIBFABRIC line is missing",
            { log: "INFO serving\n" },
            {},
            /NIXL backend: prefill-0's log has no 'Backend LIBFABRIC was instantiated'/,
        ],
        ["the prompt was short", { promptTokens: 300 }, {}, /long completion: the prompt was 300 tokens, fewer than 2000/],
        ["the decode pods expose no NIXL metrics", { exposesMetrics: false }, {}, /does not expose vllm:nixl_xfer_time_seconds_count/],
        [
            "the model never shows up",
            { listsModel: false },
            { READY_TIMEOUT_SECONDS: "1" },
            /model listed: still failing after 1s: .*not in/,
        ],
    ];
    for (const [what, fake, env, message] of failures) {
        it(`fails, saying what failed, when ${what}`, async () => {
            const r = await runSmoke(fake, env);
            assert.strictEqual(r.code, 1, r.stdout);
            assert.match(r.stdout, /SMOKE TEST FAILED: /);
            assert.match(r.termination, message);
            assert.ok(!r.stdout.includes("SMOKE TEST PASSED"));
        });
    }

    it("without EFA, does not read worker logs", async () => {
        const r = await runSmoke({ log: "Backend UCX was instantiated\n" }, { REQUIRE_BACKEND: "", LOG_TARGETS: "[]" });
        assert.strictEqual(r.code, 0, r.stdout);
        assert.deepStrictEqual(r.seen.logQueries, []);
    });
});
