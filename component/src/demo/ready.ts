// Waits until the service answers: a client asks it disco#info until it replies with a result.
import { client, xml } from "@xmpp/client";
import { NS } from "../protocol/ns.ts";

export interface Probe {
  server: string;
  domain: string;
  user: string;
  password: string;
  service: string;
}

/** Resolves when `service` answers disco#info; rejects after `timeoutMs` or when `abort` resolves first. */
export async function waitForService(p: Probe, timeoutMs: number, abort: Promise<unknown>): Promise<void> {
  const xmpp = client({
    service: p.server,
    domain: p.domain,
    resource: "demo-probe",
    credentials: async (authenticate) =>
      authenticate({ username: p.user, password: p.password }, "PLAIN", undefined as never),
  });
  xmpp.reconnect.stop();
  xmpp.on("connect", () =>
    (xmpp as unknown as { socket?: { setEncoding(e: string): void } }).socket?.setEncoding("utf8"),
  );
  xmpp.on("error", () => {});
  let aborted = false;
  void abort.then(() => {
    aborted = true;
  });
  const deadline = Date.now() + timeoutMs;
  try {
    await xmpp.start();
    let last = "";
    while (!aborted) {
      try {
        await xmpp.iqCaller.request(
          xml("iq", { type: "get", to: p.service }, xml("query", { xmlns: NS.discoInfo })),
          2000,
        );
        return;
      } catch (err) {
        last = (err as { condition?: string; message?: string }).condition ?? (err as Error).message;
      }
      if (Date.now() > deadline)
        throw new Error(`${p.service} did not answer within ${timeoutMs / 1000} s (last reply: ${last})`);
      // The component connects on its own schedule and Prosody tells nobody: asking again is the only way.
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error("aborted");
  } finally {
    await xmpp.stop().catch(() => {});
  }
}
