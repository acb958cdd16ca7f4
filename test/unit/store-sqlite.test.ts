// The SQLite store's group commit (store/sqlite-batch.ts) on real SQLite files: what a second connection sees, the
// commit records in the WAL, and real failures (a lock held by another connection, a full tmpfs, ext4 shut down as
// on an I/O error). Mounting needs root, as test/integration/faults-storage.test.ts does. The behaviours every
// store shares: test/integration/store-contract.test.ts.
import Database from "better-sqlite3";
import { execFileSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Item, NodeConfig } from "../../component/src/core/model.ts";
import { StoreUnavailable, type StoredState } from "../../component/src/core/store.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { withWrites } from "../support/store-writes.ts";

const cleanup: Array<() => unknown> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) {
    try {
      f();
    } catch {
      /* best effort */
    }
  }
});

const CONFIG: NodeConfig = { accessModel: "open", maxItems: 20, title: "", coarseKm: 0, exact: [] };
const item = (id: string, text = "x"): Item => ({
  id,
  publisher: "a@localhost",
  geoloc: { lat: "1", lon: "2", text },
  published: 1,
});
const A = "a@localhost",
  B = "b@localhost";

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "geo-store-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "geo.sqlite");
}

function open(file: string, busyTimeoutMs?: number) {
  const s = withWrites(openSqliteStore(file, { busyTimeoutMs }));
  cleanup.push(() => s.close());
  return s;
}

/** Another connection to the same file, as a backup or an operator's shell would open it. */
function other(file: string): Database.Database {
  const db = new Database(file, { timeout: 0 });
  cleanup.push(() => db.close());
  return db;
}

const ids = (db: Database.Database) => db.prepare("SELECT node || '/' || id FROM items ORDER BY seq").pluck().all();

/** Transactions committed into the WAL since it was last reset: frames whose header holds a database size. */
function commitsInWal(file: string): number {
  if (!existsSync(`${file}-wal`)) return 0;
  const wal = readFileSync(`${file}-wal`);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8),
    salt1 = wal.readUInt32BE(16),
    salt2 = wal.readUInt32BE(20);
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break; // left from before a reset
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return commits;
}

function mount(kind: "tmpfs" | "ext4"): string {
  const dir = mkdtempSync(join(tmpdir(), `geo-${kind}-`));
  if (kind === "tmpfs") {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2048k", "tmpfs", dir]);
    cleanup.push(() => {
      execFileSync("umount", ["-l", dir]);
      rmSync(dir, { recursive: true, force: true });
    });
  } else {
    const img = `${dir}.img`;
    execFileSync("truncate", ["-s", "32M", img]);
    execFileSync("mkfs.ext4", ["-q", img]);
    execFileSync("mount", ["-o", "loop", img, dir]);
    cleanup.push(() => {
      execFileSync("umount", ["-l", dir]);
      rmSync(img, { force: true });
      rmSync(dir, { recursive: true, force: true });
    });
  }
  mkdirSync(join(dir, "db"));
  return join(dir, "db", "geo.sqlite");
}

/** Fills the filesystem holding `file` until the kernel says ENOSPC; returns the filler's path. */
function fill(file: string): string {
  const filler = join(file, "..", "filler");
  const fd = openSync(filler, "w");
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe("ENOSPC");
  } finally {
    closeSync(fd);
  }
  return filler;
}

describe("the SQLite store's group commit", () => {
  it("commits the writes of one turn in one transaction, visible to others once commit() resolves", async () => {
    const file = tempFile();
    const s = open(file);
    const reader = other(file);
    await s.durable(); // nothing pending
    const before = commitsInWal(file); // the schema's
    s.createNode(A, CONFIG);
    for (let i = 0; i < 10; i++) s.putItem(A, item(`i${i}`), 20);
    expect(ids(reader)).toEqual([]);
    expect(commitsInWal(file)).toBe(before);
    await s.durable();
    expect(ids(reader)).toHaveLength(10);
    expect(commitsInWal(file)).toBe(before + 1);
  });

  it("a failed statement leaves the batch's other writes", async () => {
    const file = tempFile();
    const s = open(file);
    const before = commitsInWal(file);
    s.createNode(A, CONFIG);
    s.putItem(A, item("kept1"), 20);
    expect(() => s.putItem("nobody@localhost", item("orphan"), 20)).toThrow(StoreUnavailable); // no such node (foreign key)
    // all or nothing: the first write of a failed atomically() goes too
    expect(() =>
      s.atomically(() => {
        s.putItem(A, item("undone"), 20);
        s.createNode(A, CONFIG);
      }),
    ).toThrow(StoreUnavailable);
    expect(() =>
      s.atomically(() => {
        s.putItem(A, item("undone too"), 20);
        s.createNode(A, CONFIG);
      }),
    ).toThrow(StoreUnavailable);
    s.putItem(A, item("kept2"), 20);
    await s.durable();
    expect(ids(other(file))).toEqual([`${A}/kept1`, `${A}/kept2`]);
    expect(commitsInWal(file)).toBe(before + 1);
  });

  it("a locked database fails only the writes tried while it is locked, after the busy timeout", async () => {
    const file = tempFile();
    const s = open(file, 50);
    s.createNode(A, CONFIG);
    await s.durable();
    const locker = other(file);
    locker.exec("BEGIN IMMEDIATE");
    const t0 = performance.now();
    expect(() => s.putItem(A, item("locked"), 20)).toThrow(/SQLITE_BUSY/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    locker.exec("INSERT INTO subscriptions (node, jid, subid) VALUES ('locations', 'v@localhost', 's')");
    locker.exec("COMMIT");
    // the same turn: the lock is free again, and the other connection's commit is no obstacle
    s.putItem(A, item("free"), 20);
    await s.durable();
    expect(ids(other(file))).toEqual([`${A}/free`]);
  });

  it("a failed commit rolls back the batch and hands the stored state of the touched nodes to onRollback", async () => {
    const file = mount("tmpfs");
    const s = open(file);
    s.createNode(A, CONFIG);
    s.putItem(A, item("committed"), 20);
    s.addSubscription({ node: A, jid: "v@localhost", subid: "s1", temporary: false });
    await s.durable();
    const events: string[] = [];
    let rolledBack: [string[], StoredState] | undefined;
    s.onRollback((names, fresh) => {
      events.push("rollback");
      rolledBack = [names, fresh];
    });

    const filler = fill(file);
    s.putItem(A, item("lost", "y".repeat(8000)), 20);
    s.addSubscription({ node: A, jid: "w@localhost", subid: "s2", temporary: false });
    s.atomically(() => {
      s.createNode(B, CONFIG);
      s.putItem(B, item("lost-too"), 20);
    });
    const failed = s.durable().then(
      () => events.push("resolved"),
      (e: unknown) => {
        events.push("rejected");
        return e;
      },
    );
    expect(await failed).toBeInstanceOf(StoreUnavailable);
    expect(((await failed) as StoreUnavailable).reason).toMatch(/SQLITE_FULL/);
    expect(events).toEqual(["rollback", "rejected"]);
    const [names, fresh] = rolledBack!;
    expect(names.sort()).toEqual([A, B]);
    expect(fresh.nodes.map((n) => [n.name, n.items.map((i) => i.id)])).toEqual([[A, ["committed"]]]); // B no longer exists
    expect(fresh.subscriptions.map((x) => x.jid)).toEqual(["v@localhost"]);
    expect(ids(other(file))).toEqual([`${A}/committed`]);

    unlinkSync(filler);
    s.putItem(A, item("after"), 20);
    await s.durable();
    expect(ids(other(file))).toEqual([`${A}/committed`, `${A}/after`]);
  });

  it("fails the batch at once when SQLite rolls the whole transaction back itself", async () => {
    const file = mount("tmpfs");
    const s = open(file);
    s.createNode(A, CONFIG);
    s.putItem(A, item("committed"), 20);
    await s.durable();
    let rolledBack: [string[], StoredState] | undefined;
    s.onRollback((names, fresh) => {
      rolledBack = [names, fresh];
    });
    const idle = s.durable(); // nothing pending
    fill(file);

    s.putItem(A, item("lost"), 20);
    const batch = s.durable();
    // a batch larger than SQLite's page cache (16 MB with better-sqlite3) spills to the WAL before its commit; on a
    // full disk that fails with SQLITE_FULL and SQLite rolls back the transaction, the writes before it included
    const huge = "y".repeat(500_000);
    let written = 0;
    expect(() => {
      for (; written < 100; written++) s.putItem(A, item(`huge${written}`, huge), 1000);
    }).toThrow(/SQLITE_FULL/);
    expect(written).toBeGreaterThan(10);
    expect(rolledBack).toBeDefined(); // before the failed call returned: later writes of the turn start afresh
    expect(rolledBack![0]).toEqual([A]);
    expect(rolledBack![1].nodes.map((n) => n.items.map((i) => i.id))).toEqual([["committed"]]);
    await expect(batch).rejects.toThrow(StoreUnavailable);
    await expect(idle).resolves.toBeUndefined();
    await expect(s.durable()).resolves.toBeUndefined();
    expect(ids(other(file))).toEqual([`${A}/committed`]);
  });

  it("hands onRollback what memory held at the batch's first write when the disk cannot be read after a failed commit", async () => {
    const file = mount("ext4");
    const s = open(file);
    s.createNode(A, CONFIG);
    s.putItem(A, item("committed"), 20);
    await s.durable();
    const remembered = (name: string): StoredState => ({
      nodes: [{ name, config: CONFIG, affiliations: new Map(), items: [item(`as remembered by ${name}`)] }],
      subscriptions: [],
    });
    s.rememberFrom!(remembered);
    let rolledBack: [string[], StoredState] | undefined;
    s.onRollback((names, fresh) => {
      rolledBack = [names, fresh];
    });

    s.putItem(A, item("lost"), 20);
    s.atomically(() => {
      s.createNode(B, CONFIG);
      s.putItem(B, item("lost too"), 20);
    });
    // EXT4_IOC_SHUTDOWN, as in faults-storage.test.ts: every later write and read of the file system fails
    execFileSync("python3", [
      "-c",
      "import fcntl,os,struct,sys; fd=os.open(sys.argv[1], os.O_RDONLY); fcntl.ioctl(fd, 0x8004587D, struct.pack('I', 2))",
      join(file, "../.."),
    ]);
    await expect(s.durable()).rejects.toThrow(StoreUnavailable);
    expect(rolledBack).toEqual([
      [A, B],
      { nodes: [...remembered(A).nodes, ...remembered(B).nodes], subscriptions: [] },
    ]);
  });

  it("close() commits what is pending", () => {
    const file = tempFile();
    const s = withWrites(openSqliteStore(file));
    s.createNode(A, CONFIG);
    s.putItem(A, item("last words"), 20);
    s.close();
    expect(ids(other(file))).toEqual([`${A}/last words`]);
  });

  it("erases deleted items from the database file and the WAL once the batch is committed", async () => {
    const file = tempFile();
    const s = open(file);
    const secret = "52.520008,13.404954-secret";
    s.createNode(A, CONFIG);
    s.putItem(A, item("home", secret), 20);
    s.putItem(A, item("work"), 20);
    await s.durable();
    const onDisk = () => [file, `${file}-wal`].some((f) => existsSync(f) && readFileSync(f).includes(secret));
    expect(onDisk()).toBe(true);
    s.deleteItems(A, ["home"]);
    await s.durable();
    expect(onDisk()).toBe(false);
    expect(ids(other(file))).toEqual([`${A}/work`]);
  });
});
