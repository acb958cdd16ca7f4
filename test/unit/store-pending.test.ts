// Pending authorization requests (XEP-0060 §8.6) survive a restart with SQLite: the owner's answer to a request
// made before the restart still works, and an owner's session that comes online is still asked.
import { formOf } from "../../component/src/protocol/node-config.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GeoService, OWN_NODE, type PublishRequest } from "../../component/src/core/service.ts";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";

const dir = mkdtempSync(join(tmpdir(), "geo-pending-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "geo.sqlite");
let ids = 0;
const open = () => {
  const store = openSqliteStore(file);
  return {
    store,
    svc: new GeoService(store, { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) }, () => `id${++ids}`),
  };
};
const fix: PublishRequest = {
  node: OWN_NODE,
  options: formOf({ "pubsub#access_model": "authorize" }),
  payload: {
    entries: [
      { name: "lat", text: "1", plain: true },
      { name: "lon", text: "2", plain: true },
    ],
    bytes: 50,
    namespaceOk: true,
    count: 1,
  },
};

describe("pending authorization requests with SQLite", () => {
  it("are kept across a restart: the owner's answer still works, and a withdrawn one is gone", async () => {
    const first = open();
    first.svc.publish("pat@localhost/phone", fix, 0);
    const r = first.svc.subscribe("val@localhost/map", "pat@localhost", "val@localhost");
    expect(r.ok && r.value.state).toBe("pending");
    const subid = r.ok ? r.value.subscription.subid : "";
    const w = first.svc.subscribe("wes@localhost/map", "pat@localhost", "wes@localhost");
    expect(w.ok && w.value.state).toBe("pending");
    await (first.store as unknown as { durable(): Promise<void> }).durable();
    first.store.close();

    const second = open();
    expect(
      second.svc
        .pendingRequests("pat@localhost")
        .map((r) => r.jid)
        .sort(),
    ).toEqual(["val@localhost", "wes@localhost"]);
    // an owner's session coming online is asked again (§8.6)
    const asked = second.svc.presence("pat@localhost/laptop", true, undefined, 0, 1).notifications;
    expect(asked.filter((n) => n.event.kind === "authorization-request").map((n) => n.to)).toEqual([
      "pat@localhost/laptop",
      "pat@localhost/laptop",
    ]);
    expect(second.svc.unsubscribe("wes@localhost/map", "pat@localhost", "wes@localhost").ok).toBe(true);
    const a = second.svc.answerAuthorization("pat@localhost/laptop", {
      node: "pat@localhost",
      jid: "val@localhost",
      subid,
      allow: true,
    });
    expect(a.ok && a.value.notifications[0]).toEqual({
      to: "val@localhost",
      event: { kind: "subscription", node: "pat@localhost", jid: "val@localhost", state: "subscribed" },
    });
    await (second.store as unknown as { durable(): Promise<void> }).durable();
    second.store.close();

    const third = open();
    expect(third.svc.pendingRequests().length).toBe(0);
    expect(third.svc.subscription("pat@localhost", "val@localhost") !== undefined).toBe(true);
    third.store.close();
  });
});
