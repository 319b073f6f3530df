/**
 * Disaggregated LLM serving on EKS: the composition root. Config, then the cloud, the platform and
 * the serving graph, then the outputs; every detail lives under stacks/ and components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildCloud } from "./components/cloud";
import { stackOutputs } from "./components/outputs";
import { buildPlatform } from "./components/platform";
import { monitorServingGraph } from "./components/platform/monitoring";
import { servingGraph } from "./components/serving";
import { servingProof } from "./components/serving/proof";
import { loadStackConfig } from "./stacks/load";
import { ProgramOptions } from "./stacks/resolve";
import { configWarnings, hfTokenProblem } from "./stacks/validate";

/** Stands in for an unset hfToken in the offline plan (redacted like any secret). */
const OFFLINE_TOKEN_PLACEHOLDER = "<hfToken: set before pulumi up>";

export = async function program(options: ProgramOptions = {}) {
    const { config, hfToken } = loadStackConfig();
    const tokenProblem = hfTokenProblem(config.model, config.hfTokenSet);
    if (tokenProblem && !options.offline && !pulumi.runtime.isDryRun()) {
        throw new pulumi.RunError(tokenProblem);
    }
    configWarnings(config).forEach((warning) => pulumi.log.warn(warning));
    // Offline, a gated model without a token still plans the Secret that pulumi up will need.
    const token = hfToken ?? (tokenProblem && options.offline ? pulumi.secret(OFFLINE_TOKEN_PLACEHOLDER) : undefined);

    const cloud = buildCloud(config);
    const platform = buildPlatform(config, cloud, token);
    const graph = servingGraph(config, cloud, platform);
    monitorServingGraph(platform.monitoring, graph);
    const proof = servingProof(config, cloud, platform, graph);
    return stackOutputs(config, cloud, platform, graph, proof);
};
