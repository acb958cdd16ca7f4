// @xmpp/component 0.13 ships no types; this is the part the service uses.
declare module "@xmpp/component" {
  import type { Element } from "@xmpp/xml";
  import type { EventEmitter } from "node:events";
  import type { Socket } from "node:net";

  interface IqContext {
    stanza: Element;
    element: Element;
    from: { toString(): string } | null;
    to: { toString(): string } | null;
  }
  /** @xmpp/middleware's context of an incoming stanza; `element` is the IQ's payload once iq/callee has checked it */
  interface StanzaContext {
    stanza: Element;
    element?: Element;
    type: string;
  }
  type Middleware = (ctx: StanzaContext, next: () => Promise<unknown>) => unknown;
  type IqHandler = (ctx: IqContext) => Element | Promise<Element | undefined> | undefined;

  export interface Component extends EventEmitter {
    jid: { toString(): string } | null;
    status: string;
    socket: Socket | null;
    options: { domain: string; service: string };
    start(): Promise<unknown>;
    stop(): Promise<void>;
    send(el: Element): Promise<void>;
    write(s: string): Promise<void>;
    iqCallee: { get(ns: string, name: string, h: IqHandler): void; set(ns: string, name: string, h: IqHandler): void };
    /** koa-style middleware over incoming stanzas, in order of use(); iq/callee's handlers are middleware too */
    middleware: { use(fn: Middleware): Middleware };
    iqCaller: { request(el: Element, timeout?: number): Promise<Element> };
    reconnect: EventEmitter & { delay: number; stop(): void; start(): void };
  }

  export function component(options: { service: string; domain: string; password: string }): Component;
  export { default as xml } from "@xmpp/xml";
}
