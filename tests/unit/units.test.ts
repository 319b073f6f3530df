/** The unit helpers turn amounts into what Kubernetes reads, so a duration is never mistaken for minutes or a size for MiB. */
import * as assert from "assert";
import { Cpu, Duration, Memory } from "../../components/k8s/units";
import { awaitTimeout } from "../../components/k8s/pod";

describe("unit: units", () => {
    it("durations in seconds, and the await annotation in seconds", () => {
        assert.strictEqual(Duration.hours(1).seconds, 3600);
        assert.strictEqual(Duration.minutes(15).seconds, 900);
        assert.deepStrictEqual(awaitTimeout(Duration.minutes(15)), { "pulumi.com/timeoutSeconds": "900" });
    });

    it("CPU as millicores or whole cores", () => {
        assert.strictEqual(Cpu.quantity(Cpu.millis(250)), "250m");
        assert.strictEqual(Cpu.quantity(Cpu.cores(2)), "2");
        assert.strictEqual(Cpu.quantity(Cpu.millis(1500)), "1500m");
    });

    it("memory as Mi, or Gi when whole", () => {
        assert.strictEqual(Memory.quantity(Memory.mebibytes(128)), "128Mi");
        assert.strictEqual(Memory.quantity(Memory.gibibytes(4)), "4Gi");
        assert.strictEqual(Memory.quantity(Memory.mebibytes(2048)), "2Gi");
    });
});
