import { describe, expect, it } from "vitest";
import { readOptions, type BenchOptions } from "../bench/options.ts";

const read = (...argv: string[]) => readOptions(argv) as BenchOptions;

describe("bench options", () => {
  it("keeps 20 publishes in flight unless --in-flight says otherwise, in every mode", () => {
    expect(read().inFlight).toBe(20);
    expect(read("--quick").inFlight).toBe(20);
    expect(read("--quick", "--in-flight", "100").inFlight).toBe(100);
    expect(read("--smoke", "--in-flight=5").inFlight).toBe(5);
  });

  it("refuses an --in-flight that is not a whole number from 1 to 1000, naming the flag", () => {
    for (const bad of ["0", "-3", "2.5", "many", "1001"])
      expect(() => read(`--in-flight=${bad}`)).toThrow(/--in-flight takes a whole number from 1 to 1000/);
  });

  it(
    "runs the issue's six figures, digests/areas and the knee in --quick, " +
      "all ten otherwise, and what --only names in any mode",
    () => {
      expect([...read("--quick").figures]).toEqual([1, 3, 4, 5, 6, 9, 10]);
      expect([...read().figures]).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10]);
      // CI keeps every figure's code running
      expect([...read("--smoke").figures]).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect([...read("--quick", "--only", "7,8").figures]).toEqual([7, 8]);
    },
  );

  it("selects modes and figures as the help says", () => {
    expect(readOptions(["--help"])).toBe("help");
    expect(() => read("--smoke", "--quick")).toThrow(/exclude each other/);
    expect([...read("--only", "2,3").figures]).toEqual([1, 3]);
    expect([...read("--only", "10").figures]).toEqual([10]);
    expect(() => read("--only", "11")).toThrow(/figure numbers 1-10/);
  });

  it(
    "bounds the knee search: " +
      "a single step per arm in --smoke, doubling then bisection within about 3 minutes otherwise",
    () => {
      const smoke = read("--smoke").knee,
        full = read().knee;
      expect(smoke.bisect).toBe(0);
      expect(smoke.start).toEqual(smoke.max); // one count per mode and arm
      expect(full.bisect).toBe(2);
      // steps x seconds per arm and mode
      expect(full.seconds * (Math.log2(full.max.cities / full.start.cities) + 1 + full.bisect)).toBeLessThanOrEqual(15);
      expect(read("--quick").knee).toEqual(full);
    },
  );
});
