// Rung 1 of the cold-start ladder: an ES module that does nothing but answer. What loading any
// ESM bundle costs before its own code runs (Node's ESM loader, stdout).
process.stdout.write(JSON.stringify({ ok: true }));
