// What the browser keeps between visits (localStorage): the server and JID of the last login, always; the password
// only when the person ticked "remember me" (then logging in again needs nothing). Logout forgets the password.
export interface SavedLogin {
  websocket?: string;
  jid?: string;
  /** only with "remember me" */
  password?: string;
}

const KEY = "geo-map-login";

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  } // disabled storage: nothing is remembered
}

export function readSaved(): SavedLogin {
  try {
    const v = JSON.parse(storage()?.getItem(KEY) ?? "{}") as SavedLogin;
    return typeof v === "object" && v ? v : {};
  } catch {
    return {};
  }
}

export function save(v: { websocket: string; jid: string; password: string; remember: boolean }): void {
  const saved: SavedLogin = { websocket: v.websocket, jid: v.jid };
  if (v.remember) saved.password = v.password;
  storage()?.setItem(KEY, JSON.stringify(saved));
}

/** Logout: the server and JID stay (the form is pre-filled next time), the password goes. */
export function forgetPassword(): void {
  const { websocket, jid } = readSaved();
  storage()?.setItem(KEY, JSON.stringify({ websocket, jid }));
}
