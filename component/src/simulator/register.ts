// In-band registration (XEP-0077) over a bare TCP stream, before authentication: one short stream per account.
import { connect } from "node:net";
import xml, { Parser, escapeXML, type Element } from "@xmpp/xml";

export type RegisterResult = "created" | "exists";

const NS_REGISTER = "jabber:iq:register";

function hostPort(service: string): { host: string; port: number } {
  const u = new URL(service.replace(/^xmpp:/, "http:"));
  return { host: u.hostname, port: u.port ? Number(u.port) : 5222 };
}

/**
 * Creates `user@domain` with `password`. An account that exists already is fine ("exists"); anything else
 * (registration disabled, policy violation, timeout) throws with the server's reason.
 */
export function registerAccount(
  service: string,
  domain: string,
  user: string,
  password: string,
  timeoutMs = 10_000,
): Promise<RegisterResult> {
  const { host, port } = hostPort(service);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const parser = new Parser();
    let settled = false;
    const finish = (err: Error | undefined, res?: RegisterResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.end("</stream:stream>");
      socket.destroySoon?.();
      if (err) reject(err);
      else resolve(res!);
    };
    const timer = setTimeout(
      () => finish(new Error(`registering ${user}@${domain}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.setEncoding("utf8"); // decode as a stream: multi-byte characters may straddle chunks
    socket.on("connect", () => {
      socket.write(
        `<?xml version='1.0'?><stream:stream to='${escapeXML(domain)}' version='1.0' xmlns='jabber:client' ` +
          "xmlns:stream='http://etherx.jabber.org/streams'>",
      );
    });
    socket.on("data", (d: string) => parser.write(d));
    socket.on("error", (err) => finish(new Error(`registering ${user}@${domain} via ${host}:${port}: ${err.message}`)));
    socket.on("close", () => finish(new Error(`registering ${user}@${domain}: the server closed the connection`)));
    parser.on("error", (err: Error) => finish(err));
    parser.on("element", (el: Element) => {
      if (el.name === "stream:features") {
        if (!el.getChild("register", "http://jabber.org/features/iq-register")) {
          finish(
            new Error(
              `registering ${user}@${domain}: the server does not offer in-band registration (XEP-0077); ` +
                "create the account yourself or enable allow_registration",
            ),
          );
          return;
        }
        const iq = xml(
          "iq",
          { type: "set", id: "reg1", to: domain },
          xml("query", { xmlns: NS_REGISTER }, xml("username", {}, user), xml("password", {}, password)),
        );
        socket.write(iq.toString());
      } else if (el.name === "iq" && el.attrs.id === "reg1") {
        if (el.attrs.type === "result") return finish(undefined, "created");
        const err = el.getChild("error");
        const condition = err?.getChildElements().find((c) => c.name !== "text")?.name ?? "unknown";
        if (condition === "conflict") return finish(undefined, "exists");
        const text = err?.getChildText("text") ?? "";
        finish(new Error(`registering ${user}@${domain}: ${condition}${text ? ` (${text})` : ""}`));
      } else if (el.name === "stream:error") {
        finish(new Error(`registering ${user}@${domain}: stream error ${el.getChildElements()[0]?.name ?? ""}`));
      }
    });
  });
}
