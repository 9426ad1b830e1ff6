// Lay out DOT files with real Graphviz (compiled to WebAssembly, npm @hpcc-js/wasm-graphviz).
// Usage: node dot_parse.mjs FILE...; prints `ok FILE` or `FAIL FILE: reason` per file and
// exits 1 if any failed.
import { readFileSync } from 'fs'
import { Graphviz } from '@hpcc-js/wasm-graphviz'

const graphviz = await Graphviz.load()
let failed = 0
for (const file of process.argv.slice(2)) {
  try {
    graphviz.dot(readFileSync(file, 'utf8'), 'svg')
    console.log(`ok ${file}`)
  } catch (error) {
    failed++
    console.log(`FAIL ${file}: ${String(error?.message ?? error).split('\n')[0]}`)
  }
}
process.exit(failed ? 1 : 0)
