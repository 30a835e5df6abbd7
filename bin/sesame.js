#!/usr/bin/env node
// The `sesame` command. Sesame runs its TypeScript sources directly (Node.js ≥ 22.18 strips types natively).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `sesame: Node.js ${process.versions.node} is too old; Sesame needs Node.js 22.18 or newer (./sesamew installs one).\n`,
  );
  process.exit(1);
}
// V8's compile cache (in the OS temp directory) keeps the type-stripped, compiled modules between runs:
// a CLI command starts in about two thirds of the time.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { main } = await import('../src/main.ts');
try {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (err) {
  process.stderr.write(`sesame: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
