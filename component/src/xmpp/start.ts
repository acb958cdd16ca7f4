// Starting an xmpp.js entity (client or component) without its stray promise. @xmpp/connection's start() creates a
// promise waiting for "online" (rejected by "error") before it opens the stream; when opening fails (a timeout, a reset
// while the server shuts down) start() rejects with that failure and leaves the other promise behind, and the next
// "error" event rejects it with nobody listening: an unhandled rejection, which ends a Node 20 process. Seen here with
// 200 publishers logging in while Prosody restarted. This does what start() does, as @xmpp/reconnect does, with one
// wait that is always cleaned up.

interface Startable {
  status: string;
  options: { service: string; domain: string; lang?: string };
  connect(service: string): Promise<unknown>;
  open(options: { domain: string; lang?: string }): Promise<unknown>;
  on(event: string, listener: (...a: never[]) => void): unknown;
  off(event: string, listener: (...a: never[]) => void): unknown;
}

/** Connects, opens the stream and resolves once online (authenticated and bound); rejects otherwise. */
export async function startEntity(entity: Startable): Promise<void> {
  if (entity.status !== "offline") throw new Error("Connection is not offline");
  let off = () => {};
  const online = new Promise<void>((resolve, reject) => {
    const onOnline = () => {
      off();
      resolve();
    };
    const onError = (e: Error) => {
      off();
      reject(e);
    };
    off = () => {
      entity.off("online", onOnline);
      entity.off("error", onError);
    };
    entity.on("online", onOnline);
    entity.on("error", onError);
  });
  online.catch(() => {}); // awaited below; if connect or open fails first, their error is the one reported
  try {
    const { service, domain, lang } = entity.options;
    await entity.connect(service);
    await entity.open({ domain, lang });
    await online;
  } finally {
    off();
  }
}
