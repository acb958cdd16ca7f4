// One socket write for what the service writes in one go. A group commit releases its IQ replies together, and
// xmpp.js writes each stanza on its own: with Nagle off, each was a system call here, a TCP segment, and a read in
// Prosody. The first write corks the socket; it is uncorked once the current callbacks and promise reactions have
// run (process.nextTick), so the replies leave in one writev and nothing waits for a timer.

interface Corkable {
  cork(): void;
  uncork(): void;
}

export interface Writes {
  socket?: Corkable | null;
  write(s: string): Promise<void>;
}

export function coalesceWrites(entity: Writes): void {
  const write = entity.write.bind(entity);
  let corked = false;
  entity.write = (s: string) => {
    const socket = entity.socket;
    if (socket && !corked) {
      socket.cork();
      corked = true;
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(s);
  };
}
