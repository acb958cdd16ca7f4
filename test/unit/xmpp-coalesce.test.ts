// The replies of one group commit leave the component in one write (component/src/xmpp/coalesce.ts), on a real
// TCP connection: the socket's _writev gets them together.
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { coalesceWrites } from "../../component/src/xmpp/coalesce.ts";

let server: Server | undefined;
let socket: Socket | undefined;
afterEach(() => {
  socket?.destroy();
  server?.close();
});

/** A connected client socket and everything the server side receives. */
async function pair(): Promise<{ socket: Socket; received: () => string }> {
  let text = "";
  server = createServer((s) => s.setEncoding("utf8").on("data", (d: string) => (text += d)));
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  socket = connect(port, "127.0.0.1").setNoDelay(true);
  await new Promise<void>((r) => socket!.once("connect", r));
  return { socket, received: () => text };
}

/** An entity's write, as @xmpp/connection does it, counting the socket's single and gathered writes. */
function entityOn(socket: Socket) {
  const calls = { single: 0, gathered: [] as number[] };
  const s = socket as unknown as {
    _write: (...a: unknown[]) => void;
    _writev: (chunks: unknown[], cb: () => void) => void;
  };
  const single = s._write.bind(socket),
    gathered = s._writev.bind(socket);
  s._write = (...a) => {
    calls.single++;
    single(...a);
  };
  s._writev = (chunks, cb) => {
    calls.gathered.push(chunks.length);
    gathered(chunks, cb);
  };
  const entity = {
    socket,
    write: (str: string) => new Promise<void>((ok, fail) => socket.write(str, (e) => (e ? fail(e) : ok()))),
  };
  return { entity, calls };
}

describe("coalesceWrites", () => {
  it("sends the stanzas written in one go in a single gathered write, in order", async () => {
    const { socket, received } = await pair();
    const { entity, calls } = entityOn(socket);
    coalesceWrites(entity);
    // as a commit releases its replies: one after another in promise reactions
    await Promise.all(
      ["<iq id='1'/>", "<iq id='2'/>", "<iq id='3'/>"].map((s) => Promise.resolve().then(() => entity.write(s))),
    );
    expect(calls).toEqual({ single: 0, gathered: [3] });
    await expect.poll(received).toBe("<iq id='1'/><iq id='2'/><iq id='3'/>");
  });

  it("uncorks after each go, so a later write is not held back", async () => {
    const { socket, received } = await pair();
    const { entity, calls } = entityOn(socket);
    coalesceWrites(entity);
    await entity.write("<a/>");
    await entity.write("<b/>");
    expect(calls.single).toBe(2);
    await expect.poll(received).toBe("<a/><b/>");
  });

  it("writes each stanza on its own without it (what the service did before)", async () => {
    const { socket } = await pair();
    const { entity, calls } = entityOn(socket);
    await Promise.all(
      ["<iq id='1'/>", "<iq id='2'/>", "<iq id='3'/>"].map((s) => Promise.resolve().then(() => entity.write(s))),
    );
    expect(calls.single + calls.gathered.length).toBeGreaterThan(1);
  });
});
