// The simulator's viewers (--viewers N): accounts, logins, and what they received, per mode.
import type { SimOptions, ViewerMode } from "./options.ts";
import { accountName } from "./options.ts";
import { registerAccount } from "./register.ts";
import { Viewer } from "./viewer.ts";

export interface Viewers {
  /** per mode since the last call: items/s and messages/s per viewer */
  line(now: number): string;
  summary(now: number): string;
  stop(): Promise<void>;
}

interface Totals {
  messages: number;
  items: number;
  leaves: number;
}

export async function startViewers(opts: SimOptions, io: { log(line: string): void }): Promise<Viewers> {
  const prefix = `${opts.prefix}view-`;
  const all: Array<{ mode: ViewerMode; viewer: Viewer }> = [];
  const failures = new Map<string, number>();
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: opts.viewers }, async (_, i) => {
      const user = accountName(prefix, i, opts.viewers);
      const mode = opts.viewerModes[i % opts.viewerModes.length];
      try {
        if (opts.register) await registerAccount(opts.server, opts.domain, user, opts.password, opts.timeoutMs);
        const viewer = new Viewer({
          server: opts.server,
          domain: opts.domain,
          service: opts.service,
          user,
          password: opts.password,
          timeoutMs: opts.timeoutMs,
          mode,
          digestMs: opts.digestMs,
          area: opts.area,
        });
        await viewer.start();
        all.push({ mode, viewer });
      } catch (e) {
        const why = (e as { condition?: string; message?: string }).condition ?? (e as Error).message;
        failures.set(why, (failures.get(why) ?? 0) + 1);
      }
    }),
  );
  const byMode = (m: ViewerMode) => all.filter((v) => v.mode === m);
  const modes = opts.viewerModes.filter((m) => byMode(m).length);
  io.log(
    `viewers: ${all.length}/${opts.viewers} subscribed ` +
      `(${modes.map((m) => `${byMode(m).length} ${m}`).join(", ")}) after ${Date.now() - t0} ms` +
      (failures.size ? `; failed: ${[...failures].map(([k, n]) => `${n}x ${k}`).join(", ")}` : ""),
  );
  const total = (m: ViewerMode): Totals =>
    byMode(m).reduce(
      (t, { viewer: { counts: c } }) => ({
        messages: t.messages + c.messages,
        items: t.items + c.items,
        leaves: t.leaves + c.leaves,
      }),
      { messages: 0, items: 0, leaves: 0 },
    );
  const start = Date.now();
  let last = { at: start, totals: new Map(modes.map((m) => [m, total(m)])) };
  const rate = (m: ViewerMode, from: Totals, to: Totals, s: number) => {
    const n = byMode(m).length * s;
    const items = ((to.items - from.items) / n).toFixed(0);
    return `${m} ${items} items/s in ${((to.messages - from.messages) / n).toFixed(1)} msgs/s`;
  };
  const zero: Totals = { messages: 0, items: 0, leaves: 0 };
  return {
    line(now) {
      const s = Math.max(0.001, (now - last.at) / 1000);
      const totals = new Map(modes.map((m) => [m, total(m)]));
      const out = `per viewer: ${modes.map((m) => rate(m, last.totals.get(m)!, totals.get(m)!, s)).join(", ")}`;
      last = { at: now, totals };
      return out;
    },
    summary(now) {
      const s = Math.max(0.001, (now - start) / 1000);
      return (
        `  viewers, per viewer over ${s.toFixed(1)} s: ` +
        modes
          .map((m) => {
            const t = total(m);
            const perMessage = (t.items / Math.max(1, t.messages)).toFixed(1);
            return `${rate(m, zero, t, s)}, ${perMessage} items per message, ${t.leaves} retractions (leaves) in all`;
          })
          .join("; ")
      );
    },
    stop: async () => {
      await Promise.all(all.map((v) => v.viewer.stop()));
    },
  };
}
