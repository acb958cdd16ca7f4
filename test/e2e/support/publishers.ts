// Publishers for the e2e tests: real XMPP sessions (the simulator's Session: PLAIN login over TCP) that publish
// exactly the fixes a test asks for.
import type { Geoloc } from "../../../component/src/core/geoloc.ts";
import { Session } from "../../../component/src/simulator/session.ts";

export interface StackLike {
  prosody: { c2sService: string; domain?: string };
  componentJid: string;
}

export async function publisher(stack: StackLike, user: string, password: string): Promise<Session> {
  const s = new Session({
    server: stack.prosody.c2sService,
    domain: stack.prosody.domain ?? "localhost",
    service: stack.componentJid,
    user,
    password,
    resource: "e2e",
    timeoutMs: 10_000,
    onLost: () => {},
  });
  await s.start();
  s.presence();
  return s;
}

export function fix(lat: number, lon: number, extra: Geoloc = {}): Geoloc {
  return { lat: String(lat), lon: String(lon), timestamp: new Date().toISOString(), ...extra };
}
