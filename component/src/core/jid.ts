// The little JID arithmetic the core needs. JIDs arriving in stanza addresses are already normalised by the
// server (RFC 7622); node names typed by users are normalised here the same way for the parts we compare.

export function bare(jid: string): string {
  const i = jid.indexOf("/");
  return i < 0 ? jid : jid.slice(0, i);
}

export function domainOf(jid: string): string {
  const b = bare(jid);
  const at = b.indexOf("@");
  return at < 0 ? b : b.slice(at + 1);
}

const BARE = /^[^@/\s"&'<>:]{1,1023}@[^@/\s]{1,1023}$/;

/** A user's bare JID (localpart@domain), lower-cased as nodeprep/nameprep would, or undefined. */
export function normaliseBare(s: string): string | undefined {
  if (!BARE.test(s)) return undefined;
  return s.toLowerCase();
}
