// GEO_SLOTS / --slots: several instances on ejabberd (store/slot-lock.ts).
import { describe, expect, it } from "vitest";
import { ConfigError, HELP, readConfig, type Config } from "../../component/src/config.ts";

const PG = "postgres://geo@127.0.0.1/geo";
const read = (argv: string[], env: Record<string, string>) => readConfig(argv, { GEO_SECRET: "s", ...env }) as Config;

describe("the slots setting", () => {
  it("is absent by default: one instance, no slot lock", () => {
    expect(read([], { GEO_DB: PG }).slots).toBeUndefined();
  });

  it("takes GEO_SLOTS, and --slots over it", () => {
    expect(read([], { GEO_DB: PG, GEO_SLOTS: "2" }).slots).toBe(2);
    expect(read(["--slots", "3"], { GEO_DB: PG, GEO_SLOTS: "2" }).slots).toBe(3);
  });

  it("refuses a SQLite database: the instances must share PostgreSQL and its locks", () => {
    expect(() => read([], { GEO_SLOTS: "2" })).toThrow(ConfigError);
    expect(() => read([], { GEO_SLOTS: "2" })).toThrow(/postgres/);
  });

  it("refuses a count that is not a whole number from 1 to 1000", () => {
    for (const bad of ["0", "1.5", "two", "1001"])
      expect(() => read([], { GEO_DB: PG, GEO_SLOTS: bad })).toThrow(/GEO_SLOTS/);
  });

  it("takes a role with slots: primary by default, or standby; nothing else, and not without slots", () => {
    expect(read([], { GEO_DB: PG, GEO_SLOTS: "2" }).role).toBe("primary");
    expect(read(["--role", "standby"], { GEO_DB: PG, GEO_SLOTS: "2" }).role).toBe("standby");
    expect(() => read([], { GEO_DB: PG, GEO_SLOTS: "2", GEO_ROLE: "spare" })).toThrow(/GEO_ROLE/);
    expect(() => read([], { GEO_DB: PG, GEO_ROLE: "standby" })).toThrow(/GEO_SLOTS/);
    expect(HELP).toMatch(/--role R +GEO_ROLE/);
  });

  it("is listed in --help", () => {
    expect(HELP).toMatch(/--slots N +GEO_SLOTS/);
  });
});
