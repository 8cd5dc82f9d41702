// The import rules of ../shared/spec/architecture.md, enforced by `npm run lint` (run by `npm test` and `.ci/run`).
// Layers, lowest first: schema ← migrate ← store ← engine ← http; the plugin kit (src/plugin/) and the composition
// root (src/authsome.ts, src/index.ts) sit above them; each plugin imports only the kit, the schema and the errors.
// Shared leaves (errors.ts, crypto/, mail/) import no layer above the store.
const npm = ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-bundled", "npm-no-pkg", "npm-unknown", "core"];
const not = (...paths) => ({ path: `^src/(${paths.join("|")})` });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles, type-only ones included, make layers meaningless and initialisation order fragile.",
      from: {},
      to: { circular: true },
    },
    {
      name: "plugin-imports-only-the-kit",
      severity: "error",
      comment: "A plugin (src/plugins/<name>/) imports only the public kit (src/plugin/), src/schema/, src/errors.ts and its own folder.",
      from: { path: "^src/plugins/([^/]+)/" },
      to: { pathNot: ["^src/plugins/$1/", "^src/plugin/", "^src/schema/", "^src/errors\\.ts$"], dependencyTypesNot: npm },
    },
    {
      name: "example-plugin-imports-only-the-kit",
      severity: "error",
      comment: "The example plugins are written as a third party would: only authsome/plugin, authsome/schema and the errors.",
      from: { path: "^examples/plugins/" },
      to: {
        pathNot: ["^examples/plugins/", "^(src|dist)/plugin/", "^(src|dist)/schema/", "^(src|dist)/errors\\.(ts|js|d\\.ts)$"],
        dependencyTypesNot: npm,
      },
    },
    { name: "schema-is-the-bottom", severity: "error", from: { path: "^src/schema/" }, to: not("migrate/", "store/", "engine/", "http/", "plugin/", "plugins/", "mail/", "crypto/", "authsome\\.ts", "index\\.ts") },
    { name: "migrate-below-store", severity: "error", from: { path: "^src/migrate/" }, to: not("store/", "engine/", "http/", "plugin/", "plugins/", "mail/", "authsome\\.ts", "index\\.ts") },
    { name: "store-below-engine", severity: "error", from: { path: "^src/store/" }, to: not("engine/", "http/", "plugin/", "plugins/", "mail/", "authsome\\.ts", "index\\.ts") },
    {
      name: "engine-below-http",
      severity: "error",
      comment: "The engine never imports HTTP: the composition root (src/authsome.ts) wires the two together.",
      from: { path: "^src/engine/" },
      to: not("http/", "plugin/", "plugins/", "authsome\\.ts", "index\\.ts", "cli\\.ts"),
    },
    { name: "http-below-the-kit", severity: "error", from: { path: "^src/http/" }, to: not("plugin/", "plugins/", "authsome\\.ts", "index\\.ts", "cli\\.ts") },
    { name: "kit-below-plugins", severity: "error", from: { path: "^src/plugin/" }, to: not("plugins/", "authsome\\.ts", "index\\.ts", "cli\\.ts") },
    { name: "leaves-stay-leaves", severity: "error", from: { path: "^src/(crypto|mail)/|^src/errors\\.ts$" }, to: not("store/", "engine/", "http/", "plugin/", "plugins/", "authsome\\.ts", "index\\.ts") },
    {
      name: "src-stands-alone",
      severity: "error",
      comment: "The package never imports its tests, benchmarks or examples.",
      from: { path: "^src/" },
      to: { path: "^(test|bench|examples|scripts)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports are dependencies too: a cycle through `import type` is still a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.depcruise.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "types", "default"], extensions: [".ts", ".js", ".d.ts"] },
    exclude: { path: "^(node_modules|dist)/" },
  },
};
