// A viewer that scans its stream instead of parsing it (figure 10): xmpp.js logs it in, then its parser is replaced
// by a scan for the start tags the figure counts, so a viewer receiving thousands of items per second costs the
// load generator a regular expression per tag, not an XML tree. Only start tags are read: `<item ...>` (id),
// `<message` (counted) and `<iq ...>` (id and type, for the replies it awaits).
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { type BenchClient, type Target, connectBench } from "./clients.ts";

const TAG = /<(item|iq|message)[\s>/]([^>]*)>?/g;
const attr = (attrs: string, name: string) => new RegExp(`\\b${name}=(['"])([^'"]*)\\1`).exec(attrs)?.[2];

export class ScanViewer {
  /** called with the id of every <item/> received (any node, any message) */
  onItem: (id: string) => void = () => {};
  messages = 0;
  chars = 0;
  private carry = "";
  private waiting = new Map<string, (type: string) => void>();
  private n = 0;

  constructor(readonly client: BenchClient) {
    const parser = (client.xmpp as unknown as { parser: { write(s: string): void } }).parser;
    parser.write = (chunk: string) => this.scan(chunk);
  }

  get jid(): string {
    return this.client.jid;
  }

  private scan(chunk: string): void {
    this.chars += chunk.length;
    const s = this.carry + chunk;
    // a start tag that begins before the last '<' ends before it (attribute values hold no raw '<'): scan up to
    // there, and past it if the last tag is closed too
    const last = s.lastIndexOf("<");
    const cut = s.indexOf(">", last) === -1 ? last : s.length;
    const head = s.slice(0, cut);
    this.carry = s.slice(cut);
    for (const m of head.matchAll(TAG)) {
      if (m[1] === "message") {
        this.messages++;
        continue;
      }
      const id = attr(m[2], "id");
      if (id === undefined) continue;
      if (m[1] === "item") this.onItem(id);
      else {
        const type = attr(m[2], "type") ?? "";
        const w = this.waiting.get(id);
        if (w && (type === "result" || type === "error")) {
          this.waiting.delete(id);
          w(type);
        }
      }
    }
  }

  /** Sends an IQ set and resolves once its result arrives; rejects on an error or after timeoutMs. */
  set(to: string, child: Element, timeoutMs = 30_000): Promise<void> {
    const id = `s${++this.n}`;
    return new Promise((ok, fail) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        fail(new Error(`${this.jid}: iq ${id} unanswered after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (type) => {
        clearTimeout(t);
        if (type === "result") ok();
        else fail(new Error(`${this.jid}: iq ${id} refused`));
      });
      void this.client.send(xml("iq", { type: "set", to, id }, child)).catch(fail);
    });
  }
}

export async function connectScanViewers(t: Target, prefix: string, n: number, batch = 25): Promise<ScanViewer[]> {
  const out: ScanViewer[] = [];
  for (let i = 0; i < n; i += batch) {
    const names = Array.from({ length: Math.min(batch, n - i) }, (_, k) => `${prefix}${i + k}`);
    out.push(...(await Promise.all(names.map(async (u) => new ScanViewer(await connectBench(t, u, "map"))))));
  }
  return out;
}
