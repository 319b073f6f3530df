/**
 * The accuracy Job's script: lm_eval gsm8k against the endpoint the way the seed's run-eval.sh
 * does (local-completions, num_concurrent=1, max_retries=3, tokenized_requests=False), then the
 * upload beside the benchmark's results. Flags: lm_eval/_cli (../shared/reference/flags/lm-eval@0.4.12.json).
 */
import { RESULTS_MOUNT, shellLine } from "./job";
import { ProofTarget, uploadLines } from "./benchmark";

/**
 * lm-eval has no official image: pip install into the vLLM image at run time (it brings
 * transformers for the tokenizer). `api` extra = requests, aiohttp, tenacity, tqdm, tiktoken
 * (pyproject.toml at tag v0.4.12, EleutherAI/lm-evaluation-harness@6d642546).
 */
export const LM_EVAL_REQUIREMENT = "lm-eval[api]==0.4.12";
/** lm_eval --output_path: it writes `<dir>/<model, / as __>/results_<date>.json` there. */
export const EVAL_RESULTS_DIR = `${RESULTS_MOUNT}/lm_eval`;

/** argv of the gsm8k run (gsm8k.yaml: 5-shot, strict-match and flexible-extract). OPENAI_API_KEY is sent if set. */
export function lmEvalArgv(target: ProofTarget): string[] {
    const modelArgs = [
        `model=${target.model}`,
        `base_url=${target.baseUrl}/v1/completions`,
        "num_concurrent=1",
        "max_retries=3",
        "tokenized_requests=False",
    ].join(",");
    return ["lm_eval", "--model", "local-completions", "--tasks", "gsm8k", "--model_args", modelArgs, "--output_path", EVAL_RESULTS_DIR];
}

/** The accuracy Job's bash script: install, evaluate, upload; exits 1 if any step failed. */
export function accuracyScript(target: ProofTarget): string {
    return [
        "set -u",
        'RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"',
        "status=0",
        shellLine(["python3", "-m", "pip", "install", "--quiet", "--no-cache-dir", LM_EVAL_REQUIREMENT]) + " || exit 1",
        `${shellLine(lmEvalArgv(target))} || { echo "FAILED: lm_eval gsm8k"; status=1; }`,
        ...uploadLines(),
        'exit "$status"',
    ].join("\n");
}
