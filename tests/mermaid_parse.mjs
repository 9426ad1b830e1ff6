// Parse Mermaid files with the real mermaid parser (the one GitHub renders with).
// Usage: node mermaid_parse.mjs FILE...; prints `ok FILE TYPE` or `FAIL FILE: reason` per
// file and exits 1 if any failed. mermaid expects a browser: jsdom provides the globals.
import { readFileSync } from 'fs'
import { JSDOM } from 'jsdom'

const dom = new JSDOM('<!doctype html><html><body></body></html>')
globalThis.window = dom.window
globalThis.document = dom.window.document
for (const name of ['Element', 'HTMLElement', 'Node', 'DocumentFragment', 'DOMParser', 'navigator']) {
  if (!(name in globalThis)) globalThis[name] = dom.window[name]
}
const { default: mermaid } = await import('mermaid')
mermaid.initialize({ startOnLoad: false })

let failed = 0
for (const file of process.argv.slice(2)) {
  try {
    const result = await mermaid.parse(readFileSync(file, 'utf8'))
    console.log(`ok ${file} ${result.diagramType}`)
  } catch (error) {
    failed++
    const reason = String(error?.message ?? error).split('\n').slice(0, 4).join(' | ')
    console.log(`FAIL ${file}: ${reason}`)
  }
}
process.exit(failed ? 1 : 0)
