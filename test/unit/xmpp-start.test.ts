// Logging in while the server goes away must not leave an unhandled rejection behind (it ends a Node 20 process):
// @xmpp/connection's start() does, when the stream fails to open and the socket errors afterwards.
import { client } from "@xmpp/client";
import { createServer, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { startEntity } from "../../component/src/xmpp/start.ts";

const cleanup: Array<() => unknown> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

async function silentServer(): Promise<{ port: number; peer: Promise<Socket> }> {
  let got!: (s: Socket) => void;
  const peer = new Promise<Socket>((r) => (got = r));
  const server = createServer((s) => got(s)); // accepts TCP, never answers the stream header
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanup.push(() => server.close());
  return { port: (server.address() as { port: number }).port, peer };
}

it("rejects once and leaves nothing unhandled when the stream cannot open and the socket then resets", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);
  cleanup.push(() => process.off("unhandledRejection", onUnhandled));

  const { port, peer } = await silentServer();
  const xmpp = client({
    service: `xmpp://127.0.0.1:${port}`,
    domain: "localhost",
    username: "u",
    password: "p",
    timeout: 200,
  } as Parameters<typeof client>[0]);
  xmpp.on("error", () => {});
  (xmpp as unknown as { reconnect: { stop(): void } }).reconnect.stop();
  await expect(startEntity(xmpp as unknown as Parameters<typeof startEntity>[0])).rejects.toMatchObject({
    name: "TimeoutError",
  });

  const disconnected = new Promise<void>((r) => xmpp.once("disconnect", () => r()));
  (await peer).resetAndDestroy(); // the server goes away: the client's socket errors (ECONNRESET)
  await disconnected;
  await new Promise<void>((r) => setImmediate(r)); // unhandled rejections are reported after the microtask queue
  await new Promise<void>((r) => setImmediate(r));
  expect(unhandled).toEqual([]);
});
