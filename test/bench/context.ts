// What the figures of one bench run share: the options, the table they fill, the log and the private data
// directory. test/bench/main.ts makes one.
import type { BenchOptions } from "./options.ts";
import type { Figures } from "./stats.ts";

export interface BenchContext {
  opts: BenchOptions;
  figs: Figures;
  log: (s: string) => void;
  /** figure n is selected (--only, or the mode's figures); 2 is measured with 1 */
  want: (n: number) => boolean;
  /** where the bench's private Prosodys keep their data (removed at the end) */
  dataDir: string;
}

// internal_plain: a login costs this Prosody ~12 ms of CPU with hashed passwords (PBKDF2), 3.4x more than the
// rest of connecting; the bench connects over a thousand throwaway accounts and measures none of those logins
export const PLAIN_AUTH = '  authentication = "internal_plain"';
