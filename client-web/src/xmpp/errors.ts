// What went wrong, in words the person can act on: a failed login, a service that is missing or refuses, and the
// JID the login form was given.

/** Human words for what went wrong: a SASL or stanza error condition, or the transport's message. */
export function describeError(err: unknown): string {
  const e = err as { name?: string; condition?: string; text?: string; message?: string };
  if (e?.name === "SASLError") return `login failed: ${e.condition ?? "not-authorized"}${e.text ? ` (${e.text})` : ""}`;
  if (e?.condition) return `${e.condition}${e.text ? `: ${e.text}` : ""}`;
  return e?.message || String(err);
}

// RFC 6120 §8.3.3 conditions a server or the service answers with when the service is not there, or refuses us.
const MISSING = new Set([
  "service-unavailable",
  "remote-server-not-found",
  "remote-server-timeout",
  "item-not-found",
  "recipient-unavailable",
  "feature-not-implemented",
]);
const REFUSED = new Set([
  "forbidden",
  "not-authorized",
  "registration-required",
  "not-allowed",
  "subscription-required",
]);

/** The service did not answer disco#info, which it always answers (XEP-0030): it is not there. */
export class ServiceMissing extends Error {
  constructor(readonly reason: unknown) {
    super(describeError(reason));
    this.name = "ServiceMissing";
  }
}

/** What the person can do about a failed subscribe or snapshot: the service is missing, refuses, or failed. */
export function explainServiceError(err: unknown, service: string): string {
  const e = err as { condition?: string };
  const said = describeError(err);
  if (err instanceof ServiceMissing && (err.reason as Error)?.name === "TimeoutError")
    return `The geo service ${service} did not answer (${said}): it may be down; try again later.`;
  if (err instanceof ServiceMissing || (e?.condition && MISSING.has(e.condition)))
    return (
      `The geo service ${service} is not there (${said}): ` +
      "check its JID, or ask the operator whether it is running."
    );
  if (e?.condition && REFUSED.has(e.condition))
    return (
      `The geo service ${service} refuses this account (${said}): ` +
      "ask its operator to allow your account or domain."
    );
  if ((err as Error)?.name === "TimeoutError")
    return `The geo service ${service} did not answer (${said}): it may be down; try again later.`;
  return `The geo service ${service} did not answer as expected: ${said}`;
}

/** What the person can do about a failed login. */
export function explainLoginError(err: unknown, websocket: string): string {
  const e = err as { name?: string; condition?: string };
  const said = describeError(err);
  if (e?.name === "SASLError") {
    return e.condition === "not-authorized"
      ? `Wrong JID or password (${said}).`
      : `The server refused the login (${said}).`;
  }
  if (/ECONNERROR|ECONNREFUSED|WebSocket|ECONNRESET|ENOTFOUND/i.test(said) || e?.name === "ConnectionError") {
    return `Cannot reach the server at ${websocket}: check the address and that the server is running (${said}).`;
  }
  return said;
}

export function splitJid(jid: string): { local: string; domain: string } {
  const bare = jid.split("/")[0];
  const at = bare.indexOf("@");
  if (at <= 0 || at === bare.length - 1) throw new Error(`"${jid}" is not a JID like name@example.org`);
  return { local: bare.slice(0, at), domain: bare.slice(at + 1) };
}
