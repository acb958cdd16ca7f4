// Vite config for the live map. Root is client-web/; the build goes to client-web/dist (git-ignored): two pages,
// index.html (the map) and sharing.html ("My sharing"), side by side so both read the same config.json.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    sourcemap: true,
    minify: process.env.GEO_MAP_MINIFY !== "0",
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL("./index.html", import.meta.url)),
        sharing: fileURLToPath(new URL("./sharing.html", import.meta.url)),
      },
    },
  },
  server: { fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
});
