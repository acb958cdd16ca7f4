// SQLite files for the SQLite store's tests (test/unit/store-sqlite*.test.ts): temp files and small file systems
// mounted for the test (root), a second connection, the commit records in the WAL, a disk filled up.
import Database from "better-sqlite3";
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { Item, NodeConfig } from "../../component/src/core/model.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { withWrites } from "./store-writes.ts";

const cleanup: Array<() => unknown> = [];
/** removes what the test made (for afterEach) */
export function cleanUp(): void {
  for (const f of cleanup.splice(0).reverse()) {
    try {
      f();
    } catch {
      /* best effort */
    }
  }
}
export const CONFIG: NodeConfig = { accessModel: "open", maxItems: 20, title: "", coarseKm: 0, exact: [] };
export const item = (id: string, text = "x"): Item => ({
  id,
  publisher: "a@localhost",
  geoloc: { lat: "1", lon: "2", text },
  published: 1,
});
export const A = "a@localhost",
  B = "b@localhost";

export function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "geo-store-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "geo.sqlite");
}

export function open(file: string, busyTimeoutMs?: number) {
  const s = withWrites(openSqliteStore(file, { busyTimeoutMs }));
  cleanup.push(() => s.close());
  return s;
}

/** Another connection to the same file, as a backup or an operator's shell would open it. */
export function other(file: string): Database.Database {
  const db = new Database(file, { timeout: 0 });
  cleanup.push(() => db.close());
  return db;
}

export const ids = (db: Database.Database) =>
  db.prepare("SELECT node || '/' || id FROM items ORDER BY seq").pluck().all();

/** Transactions committed into the WAL since it was last reset: frames whose header holds a database size. */
export function commitsInWal(file: string): number {
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

export function mount(kind: "tmpfs" | "ext4"): string {
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
export function fill(file: string): string {
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
