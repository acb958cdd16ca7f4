// The top bar both pages share: the brand, the links between the pages (the current one marked with
// aria-current, not by colour alone), who is logged in and "Log out". Renders only; the page wires logout.
export type PageName = "map" | "sharing";

const PAGES: { name: PageName; href: string; label: string }[] = [
  { name: "map", href: "./", label: "Live map" },
  { name: "sharing", href: "sharing.html", label: "My sharing" },
];

export interface Topbar {
  who: HTMLElement;
  logout: HTMLButtonElement;
  /** under the bar, for the connection banner */
  banner: HTMLElement;
  /** the page's content */
  screen: HTMLElement;
}

/** Fills `app` with the bar, the banner and the screen. */
export function renderTopbar(app: HTMLElement, current: PageName): Topbar {
  const links = PAGES.map((p) =>
    p.name === current
      ? `<a href="${p.href}" aria-current="page">${p.label}</a>`
      : `<a href="${p.href}">${p.label}</a>`,
  ).join("");
  app.innerHTML = `
  <header class="topbar">
    <span class="brand">geo presence</span>
    <nav id="nav" aria-label="Pages">${links}</nav>
    <span id="who" class="who"></span>
    <button id="logout" type="button" hidden>Log out</button>
  </header>
  <div id="banner" class="banner" hidden></div>
  <div id="screen" class="screen"></div>`;
  return {
    who: app.querySelector<HTMLElement>("#who")!,
    logout: app.querySelector<HTMLButtonElement>("#logout")!,
    banner: app.querySelector<HTMLElement>("#banner")!,
    screen: app.querySelector<HTMLElement>("#screen")!,
  };
}
