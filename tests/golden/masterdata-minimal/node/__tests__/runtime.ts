/**
 * Boots the app on @vtex/api's own runtime in a child process, the way a VTEX IO replica
 * runs it: the runtime's loaders read `service/service.json` and `service/src/node/index.js`
 * from the working folder, so this lays that folder out, then the child loads `@vtex/api`
 * (its main module first: a deep import first leaves `MasterData` undefined), and calls
 * `startWorker(getServiceJSON()).listen(port)`. With `VTEX_IO=true` the infra clients speak
 * plain HTTP, so `HTTP_PROXY` sends VBase, Master Data and Events to a local model
 * (`platformServer.ts`). `startWorker` installs its own exit handlers: hence a child.
 * Node's own modules only.
 */
import { spawn } from 'child_process'
import type { ChildProcess } from 'child_process'
import { mkdirSync, writeFileSync } from 'fs'
import { join } from 'path'

export interface BootOptions {
  /** The app's `node/` folder (its `node_modules` holds @vtex/api). */
  nodeDir: string
  /** The app's entry: compiled JavaScript, or `index.ts` (transpiled as it loads). */
  entry: string
  /** The parsed `node/service.json`. */
  service: unknown
  /** A folder of its own for the runtime's layout. */
  workDir: string
  /** Where the platform model listens (`http://127.0.0.1:port`). */
  proxy: string
  account: string
  workspace: string
  /** `vendor.name@version`. */
  appId: string
  /** 0: any free port. */
  port?: number
  /** Every line the app writes (its logs are JSON lines on stdout). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void
  /** Called once if the runtime exits (crash, or stop()). */
  onExit?: (code: number | null, signal: string | null) => void
}

export interface RunningApp {
  port: number
  child: ChildProcess
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
  stop(graceMs?: number): Promise<void>
}

const READY = '__scaffold_runtime_ready__'

// Runs in the child. Plain JavaScript: nothing to compile before the app boots.
const BOOT = `'use strict'
const fs = require('fs')
const cfg = JSON.parse(process.env.SCAFFOLD_BOOT)
const from = (name) => require.resolve(name, { paths: [cfg.nodeDir] })
if (cfg.entry.endsWith('.ts')) {
  const ts = require(from('typescript'))
  require.extensions['.ts'] = (module, filename) => {
    const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true, inlineSourceMap: true },
    })
    module._compile(out.outputText, filename)
  }
}
require(from('@vtex/api'))
const { startWorker } = require(from('@vtex/api/lib/service/worker'))
const { getServiceJSON } = require(from('@vtex/api/lib/service/loaders'))
const server = startWorker(getServiceJSON()).listen(cfg.port, '127.0.0.1', () => {
  process.stdout.write('${READY} ' + server.address().port + '\\n')
})
`

/** Boot the app; resolves once it listens. Rejects with the child's output if it dies first. */
export function bootApp(options: BootOptions): Promise<RunningApp> {
  const { nodeDir, entry, service, workDir, proxy, account, workspace, appId } = options
  mkdirSync(join(workDir, 'service', 'src', 'node'), { recursive: true })
  writeFileSync(join(workDir, 'service', 'service.json'), JSON.stringify({ ...(service as object), workers: 1 }))
  writeFileSync(join(workDir, 'service', 'src', 'node', 'index.js'), `module.exports = require(${JSON.stringify(entry)})\n`)
  writeFileSync(join(workDir, 'boot.js'), BOOT)
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VTEX_APP_ID: appId,
    VTEX_APP_NAME: appId.split('@')[0],
    VTEX_APP_VERSION: appId.split('@')[1] ?? '0.0.0',
    VTEX_ACCOUNT: account,
    VTEX_WORKSPACE: workspace,
    VTEX_REGION: 'local',
    VTEX_PRODUCTION: 'false',
    VTEX_IO: 'true',
    HTTP_PROXY: proxy,
    http_proxy: proxy,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    // A compiled entry outside node/ still finds the app's dependencies.
    NODE_PATH: join(nodeDir, 'node_modules'),
    SCAFFOLD_BOOT: JSON.stringify({ nodeDir, entry, port: options.port ?? 0 }),
  }
  delete env.JEST_WORKER_ID
  delete env.NODE_OPTIONS
  const child = spawn(process.execPath, ['boot.js'], { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const output: string[] = []
  return new Promise((resolve, reject) => {
    let ready = false
    const lines = (stream: 'stdout' | 'stderr') => {
      let rest = ''
      return (chunk: Buffer) => {
        rest += chunk.toString('utf8')
        const parts = rest.split('\n')
        rest = parts.pop() ?? ''
        for (const line of parts) {
          if (!ready && line.startsWith(READY)) {
            ready = true
            resolve({ port: Number(line.slice(READY.length + 1)), child, stop })
            continue
          }
          if (!ready) output.push(line)
          options.onLine?.(line, stream)
        }
      }
    }
    child.stdout?.on('data', lines('stdout'))
    child.stderr?.on('data', lines('stderr'))
    child.once('exit', (code, signal) => {
      options.onExit?.(code, signal)
      if (!ready) reject(new Error(`the app's runtime exited (${code ?? signal}) before listening:\n${output.slice(-20).join('\n')}`))
    })
    const stop = async (graceMs = 3000) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    }
  })
}
