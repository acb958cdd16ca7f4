// Vite turns `import url from "x?url"` into the URL of an emitted asset.
declare module "*?url" {
  const url: string;
  export default url;
}
