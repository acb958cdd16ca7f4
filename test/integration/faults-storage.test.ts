// Storage faults made real at the OS/SQLite level, against real Prosody and the component: a second connection
// holding SQLite's write lock, a full filesystem (a size-limited tmpfs), and a filesystem that stops accepting
// writes (ext4 on a loop device, shut down with EXT4_IOC_SHUTDOWN, as ext4 does on errors). Each time a publish
// gets resource-constraint (type wait), nothing is written, memory is unchanged, reads keep working, and (where
// the fault can clear without a restart) publishing works again afterwards. Needs root (mount), as the CI runs.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import Database from "better-sqlite3";
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { geoloc, IqError, NS_PUBSUB, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) {
    try {
      await f();
    } catch {
      /* best effort */
    }
  }
});

function tmpfs(sizeKb: number): string {
  const dir = mkdtempSync(join(tmpdir(), "geo-tmpfs-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", dir]);
  cleanup.push(() => {
    execFileSync("umount", ["-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function ext4(sizeMb: number): string {
  const dir = mkdtempSync(join(tmpdir(), "geo-ext4-"));
  const img = `${dir}.img`;
  execFileSync("truncate", ["-s", `${sizeMb}M`, img]);
  execFileSync("mkfs.ext4", ["-q", img]);
  execFileSync("mount", ["-o", "loop", img, dir]);
  cleanup.push(() => {
    execFileSync("umount", ["-l", dir]);
    rmSync(img, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the filesystem holding `dir` until the kernel says ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const file = join(dir, "filler");
  const fd = openSync(file, "w");
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe("ENOSPC");
  } finally {
    closeSync(fd);
  }
  return file;
}

/** What a viewer can learn by reading: the publisher's items and the service's node list. */
async function snapshot(viewer: TestClient, nodes: string[]): Promise<string> {
  const parts: string[] = [];
  const disco = await viewer.iq("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#items" }));
  parts.push(
    disco
      .getChild("query")!
      .getChildren("item")
      .map((i) => i.attrs.node)
      .sort()
      .join(","),
  );
  for (const node of nodes) {
    const r = await viewer.iq("get", pubsub(xml("items", { node })));
    parts.push(
      r
        .getChild("pubsub", NS_PUBSUB)!
        .getChild("items")!
        .getChildren("item")
        .map((i: Element) => `${i.attrs.id}=${i.getChild("geoloc")?.getChildText("lat")}`)
        .join(","),
    );
  }
  return parts.join(" | ");
}

function itemRows(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT node || '/' || id AS k FROM items ORDER BY seq").all() as Array<{ k: string }>).map(
      (r) => r.k,
    );
  } finally {
    db.close();
  }
}

async function expectStorageError(c: TestClient, el: Element): Promise<void> {
  const e: IqError = await c.iqError("set", el);
  expect(e.condition).toBe("resource-constraint");
  expect(e.reply.getChild("error")!.attrs.type).toBe("wait");
}

async function setup(
  dbFile: string,
): Promise<{ stack: Stack; pub: TestClient; newcomer: TestClient; viewer: TestClient }> {
  const stack = await startStack({ dbFile, busyTimeoutMs: 100 });
  cleanup.push(() => stack.stop());
  const pub = await stack.user("pat");
  const newcomer = await stack.user("nina");
  const viewer = await stack.user("vera");
  await pub.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "a1"));
  return { stack, pub, newcomer, viewer };
}

const big = (lat: number) => geoloc({ lat, lon: 2, text: "x".repeat(1000) });

describe("storage failures", () => {
  it(
    "answers resource-constraint while another connection holds the database lock, " + "changes nothing, and recovers",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "geo-lock-"));
      const dbFile = join(dir, "geo.sqlite");
      const { pub, newcomer, viewer } = await setup(dbFile);
      const nodes = ["pat@localhost", "nina@localhost"];
      const before = await snapshot(viewer, ["pat@localhost"]);
      const rows = itemRows(dbFile);

      const locker = new Database(dbFile, { timeout: 0 });
      cleanup.push(() => locker.close());
      locker.exec("BEGIN IMMEDIATE"); // SQLite's write lock, held as a backup or an operator's shell would
      await expectStorageError(pub, publishEl(big(2), undefined, "a2"));
      await expectStorageError(pub, publishEl(geoloc({ lat: 3, lon: 3 }), undefined, "a1")); // replacing an item
      await expectStorageError(newcomer, publishEl(geoloc({ lat: 4, lon: 4 }))); // would create nina's node
      await expectStorageError(
        pub,
        xml("pubsub", { xmlns: "http://jabber.org/protocol/pubsub#owner" }, xml("purge", { node: "pat@localhost" })),
      );
      // reads keep working and show the state from before the fault
      expect(await snapshot(viewer, ["pat@localhost"])).toBe(before);
      expect((await viewer.iqError("get", pubsub(xml("items", { node: "nina@localhost" })))).condition).toBe(
        "item-not-found",
      );
      locker.exec("ROLLBACK");
      expect(itemRows(dbFile)).toEqual(rows);

      await pub.iq("set", publishEl(big(5), undefined, "a3"));
      await newcomer.iq("set", publishEl(geoloc({ lat: 6, lon: 6 })));
      const after = await snapshot(viewer, nodes);
      expect(after).toContain("a1=1,a3=5");
      expect(after).toMatch(/nina@localhost.*\| .*=6$/);
      expect(itemRows(dbFile)).toEqual([...rows, "pat@localhost/a3", expect.stringMatching(/^nina@localhost\//)]);
    },
  );

  it(
    "answers resource-constraint when the disk is full, " + "changes nothing, and recovers when space is freed",
    async () => {
      const dir = tmpfs(2048);
      const dbFile = join(dir, "geo.sqlite");
      const { pub, newcomer, viewer } = await setup(dbFile);
      const before = await snapshot(viewer, ["pat@localhost"]);
      const rows = itemRows(dbFile);

      const filler = fill(dir);
      for (let i = 0; i < 5; i++) await expectStorageError(pub, publishEl(big(10 + i), undefined, `full${i}`));
      await expectStorageError(newcomer, publishEl(big(20)));
      expect(await snapshot(viewer, ["pat@localhost"])).toBe(before);
      unlinkSync(filler);
      expect(itemRows(dbFile)).toEqual(rows);

      await pub.iq("set", publishEl(big(30), undefined, "a2"));
      await newcomer.iq("set", publishEl(big(31)));
      expect(await snapshot(viewer, ["pat@localhost"])).toContain("a1=1,a2=30");
      expect(itemRows(dbFile)).toHaveLength(rows.length + 2);
    },
  );

  it("answers resource-constraint when the filesystem stops taking writes, and keeps serving reads", async () => {
    const dir = ext4(16);
    mkdirSync(join(dir, "db"));
    const dbFile = join(dir, "db", "geo.sqlite");
    const { pub, newcomer, viewer } = await setup(dbFile);
    await pub.iq("set", publishEl(big(2), undefined, "a2"));
    const before = await snapshot(viewer, ["pat@localhost"]);

    // EXT4_IOC_SHUTDOWN (_IOR('X', 125, __u32)) with EXT4_GOING_FLAGS_NOLOGFLUSH: every later write fails (EIO),
    // as when ext4 meets an error or its device goes away. Node has no ioctl(); python3 (in Debian) does it.
    execFileSync("python3", [
      "-c",
      "import fcntl,os,struct,sys; fd=os.open(sys.argv[1], os.O_RDONLY); " +
        "fcntl.ioctl(fd, 0x8004587D, struct.pack('I', 2))",
      dir,
    ]);
    for (let i = 0; i < 3; i++) await expectStorageError(pub, publishEl(big(40 + i), undefined, `ro${i}`));
    await expectStorageError(newcomer, publishEl(big(50)));
    expect(await snapshot(viewer, ["pat@localhost"])).toBe(before);
    // the service is alive and answers everything else
    await viewer.iq("get", xml("ping", { xmlns: "urn:xmpp:ping" }));
  });
});
