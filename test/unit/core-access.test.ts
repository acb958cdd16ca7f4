import { describe, expect, it } from "vitest";
import { may, type Action } from "../../component/src/core/access.ts";
import type { AccessModel, PersonalNode } from "../../component/src/core/model.ts";

const policy = { domains: new Set(["localhost"]) };
const node = (accessModel: AccessModel): PersonalNode => ({
  name: "olga@localhost",
  config: { accessModel, maxItems: 20, title: "", coarseKm: 0, exact: [] },
  items: [],
  affiliations: new Map([
    ["pub@localhost", "publisher"],
    ["mem@localhost", "member"],
    ["out@localhost", "outcast"],
  ] as const),
});
const ACTIONS: Action[] = ["see", "request", "publish", "retract", "own"];
const allowed = (model: AccessModel, actor: string) => ACTIONS.filter((a) => may(policy, actor, node(model), a));

describe("may(): one table of what each affiliation may do", () => {
  it("grants by affiliation first, then by the access model to those with none (XEP-0060 §4.1, §4.5)", () => {
    for (const model of ["open", "whitelist", "authorize"] as const) {
      expect(allowed(model, "olga@localhost/phone"), model).toEqual(["see", "publish", "retract", "own"]);
      expect(allowed(model, "pub@localhost"), model).toEqual(["see", "publish", "retract"]);
      expect(allowed(model, "mem@localhost/x"), model).toEqual(["see"]);
      expect(allowed(model, "out@localhost"), model).toEqual([]);
      expect(allowed(model, "olga@elsewhere.example"), model).toEqual([]); // outside the allowed domains: nothing
    }
    expect(allowed("open", "anyone@localhost")).toEqual(["see"]);
    expect(allowed("whitelist", "anyone@localhost")).toEqual([]);
    expect(allowed("authorize", "anyone@localhost")).toEqual(["request"]);
  });
});
