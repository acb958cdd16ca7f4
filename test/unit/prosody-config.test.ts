// The GC parameters the tests, the demo and the bench run Prosody with (prosody/config.ts GC_TUNING) are the ones the
// deployment example recommends, and Prosody's own GC configuration code accepts them.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { GC_TUNING, prosodyConfig } from "../../prosody/config.ts";
import { PROSODY_INSTALL } from "../../prosody/server.ts";

const deployExample = fileURLToPath(new URL("../../prosody/deploy.cfg.lua", import.meta.url));
const base = {
  dataDir: "/tmp/x",
  c2sPort: 1,
  componentPort: 2,
  httpPort: 3,
  domain: "localhost",
  component: "geo.localhost",
  componentSecret: "s",
};

describe("Prosody's GC parameters", () => {
  it("are set in the generated config unless Prosody's own are asked for", () => {
    expect(prosodyConfig(base)).toContain(`\n${GC_TUNING}\n`);
    expect(prosodyConfig({ ...base, prosodyGc: true })).not.toMatch(/^gc\s*=/m);
  });

  it("leave read_size to Prosody unless asked, and keep mirror mode's nagle beside it", () => {
    expect(prosodyConfig(base)).not.toMatch(/network_settings/);
    expect(prosodyConfig({ ...base, readSize: 262144 })).toMatch(/^network_settings = \{ read_size = 262144 \}$/m);
    expect(prosodyConfig({ ...base, readSize: 262144, mirror: true })).toMatch(
      /^network_settings = \{ nagle = false; read_size = 262144 \}$/m,
    );
    expect(prosodyConfig({ ...base, mirror: true })).toMatch(/^network_settings = \{ nagle = false \}$/m);
  });

  it("are the ones the deployment example recommends", () => {
    expect(readFileSync(deployExample, "utf8")).toContain(`\n${GC_TUNING}\n`);
  });

  it("are accepted by Prosody's util.gc on this Lua", () => {
    if (!existsSync("/usr/lib/prosody/util/gc.lua"))
      throw new Error(`Prosody is not installed. Install it with: ${PROSODY_INSTALL}`);
    const lua = `package.path="/usr/lib/prosody/?.lua;"..package.path
      package.cpath="/usr/lib/prosody/?.so;"..package.cpath
      local ${GC_TUNING}
      local ok, err = require("util.gc").configure(gc, { mode = "incremental", threshold = 105, speed = 500 })
      print(ok and "ok" or err)`;
    const r = spawnSync("lua5.4", ["-e", lua], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("ok");
    // and a wrong one is refused, so the test can tell
    const bad = spawnSync("lua5.4", ["-e", lua.replace("threshold", "treshold")], { encoding: "utf8" });
    expect(bad.stdout.trim()).toBe("Unknown GC parameter: treshold");
  });
});
