/** Monitoring keys that only make sense together. */
import { ConfigError } from "../errors";

/** An AMP workspace is fed by the in-cluster Prometheus, so it needs monitoring on. */
export function validateMonitoring(monitoring: boolean, monitoringAmpWorkspace: boolean): void {
    if (monitoringAmpWorkspace && !monitoring) {
        throw new ConfigError(
            "monitoringAmpWorkspace",
            monitoringAmpWorkspace,
            "needs monitoring=true: the in-cluster Prometheus is what remote-writes to the workspace.",
        );
    }
}
