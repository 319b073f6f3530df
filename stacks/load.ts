/** The one reader of `pulumi.Config`: the running stack's raw config, resolved and validated. */
import * as pulumi from "@pulumi/pulumi";
import { resolveStackConfig, StackConfig } from "./resolve";

/** The raw strings of this project's config namespace, as `pulumi up` passes them. */
export function projectConfigStrings(project: string): Record<string, string> {
    const prefix = `${project}:`;
    const raw: Record<string, string> = {};
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (fullKey.startsWith(prefix)) {
            raw[fullKey.slice(prefix.length)] = value;
        }
    }
    return raw;
}

/** Reads and validates the running stack's config. The only place that reads pulumi.Config. */
export function loadStackConfig(): { config: StackConfig; hfToken: pulumi.Output<string> | undefined } {
    const project = pulumi.getProject();
    const config = resolveStackConfig(projectConfigStrings(project), {
        project,
        stack: pulumi.getStack(),
        region: new pulumi.Config("aws").get("region"),
    });
    const hfToken = config.hfTokenSet ? new pulumi.Config().requireSecret("hfToken") : undefined;
    return { config, hfToken };
}
