/**
 * Processing ledger: one durable record per unit of work (scope + key).
 *
 * VTEX delivers events at least once, may redeliver after an error and may run the same
 * event on two replicas at once. Every handler goes through this module so that a unit of
 * work is claimed before its side effect runs, and its outcome (done, failed, rejected) is
 * recorded where retries, duplicates and the status route can see it.
 *
 * The first part is storage independent; only the "Storage backend" section at the end
 * changes between the VBase and the Master Data flavours of this app.
 */
import { createHash, randomUUID } from 'crypto'

import type { IOContext } from '@vtex/api'

import type { Clients } from '../clients'

export type ProcessingStatus = 'queued' | 'processing' | 'done' | 'failed' | 'rejected'

export interface ProcessingError {
  message: string
  status?: number
}

export interface ProcessingRecord<D = unknown> {
  scope: string
  key: string
  status: ProcessingStatus
  /** How many times the work was claimed; a redelivery after a failure adds one. */
  attempts: number
  /** Token of the delivery that holds (or last held) the claim. */
  owner: string | null
  claimedAt: string | null
  /** A `processing` record whose lease has expired belongs to a delivery that died. */
  leaseExpiresAt: string | null
  updatedAt: string
  completedAt?: string
  error?: ProcessingError
  data?: D
}

/**
 * - claimed: the caller owns the work now and must finish it with markDone/markFailed.
 * - done / rejected: finished earlier (or refused); skip.
 * - busy: another delivery holds a live lease.
 * - exhausted: failed `maxAttempts` times; left as `failed` and never retried again.
 */
export type ClaimOutcome = 'claimed' | 'done' | 'busy' | 'rejected' | 'exhausted'

export interface ClaimResult<D = unknown> {
  outcome: ClaimOutcome
  record: ProcessingRecord<D>
}

export interface ClaimOptions {
  /** Must outlive the handler (service.json `timeout` is 60 s) or a live claim looks stale. */
  leaseMs?: number
  maxAttempts?: number
}

/** `processed`: this call did the work and recorded it as done. */
export type RunOutcome = 'processed' | Exclude<ClaimOutcome, 'claimed'>

export interface RunResult<D = unknown> {
  outcome: RunOutcome
  record: ProcessingRecord<D>
}

export interface LedgerContext {
  clients: Clients
  vtex: IOContext
}

export const DEFAULT_LEASE_MS = 90_000
export const DEFAULT_MAX_ATTEMPTS = 5

/** Thrown when another delivery holds the claim: the error status makes the platform
 * deliver the event again later, when the work is done (skipped) or the lease is stale. */
export class BusyError extends Error {
  public readonly status = 503

  constructor(scope: string, key: string) {
    super(`${scope}/${key} is being processed by another delivery`)
    this.name = 'BusyError'
  }
}

const nowIso = () => new Date().toISOString()

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** Deterministic key for a payload too broken to name itself, so duplicates of the same
 * bad event land on one `rejected` record instead of creating a new one each time. */
export function payloadFingerprint(body: unknown): string {
  return `invalid-${sha256(JSON.stringify(body) ?? 'undefined').slice(0, 24)}`
}

/** HTTP status of an error thrown by a @vtex/api client (an axios error) or by our code. */
export function errorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { response, status } = error as { response?: { status?: unknown }; status?: unknown }
  const value = response?.status ?? status
  return typeof value === 'number' ? value : undefined
}

export function toProcessingError(error: unknown): ProcessingError {
  const message = error instanceof Error ? error.message : String(error)
  // Bounded: records are read by the status route and Master Data text fields are limited.
  return { message: message.slice(0, 500), status: errorStatus(error) }
}

function decide<D>(
  record: ProcessingRecord<D> | null,
  maxAttempts: number
): ClaimResult<D> | 'claim' {
  if (!record || record.status === 'queued') return 'claim'
  switch (record.status) {
    case 'done':
      return { outcome: 'done', record }
    case 'rejected':
      return { outcome: 'rejected', record }
    case 'failed':
      return record.attempts >= maxAttempts ? { outcome: 'exhausted', record } : 'claim'
    case 'processing': {
      const lease = record.leaseExpiresAt ? Date.parse(record.leaseExpiresAt) : 0
      return lease > Date.now() ? { outcome: 'busy', record } : 'claim'
    }
  }
}

export async function claim<D = unknown>(
  ctx: LedgerContext,
  scope: string,
  key: string,
  { leaseMs = DEFAULT_LEASE_MS, maxAttempts = DEFAULT_MAX_ATTEMPTS }: ClaimOptions = {}
): Promise<ClaimResult<D>> {
  const owner = randomUUID()

  for (let round = 0; round < 3; round++) {
    const current = await store.read<D>(ctx, scope, key)
    const decision = decide(current?.record ?? null, maxAttempts)
    if (decision !== 'claim') return decision

    const at = nowIso()
    const next: ProcessingRecord<D> = {
      ...carryOver(scope, key, current?.record ?? null),
      status: 'processing',
      attempts: (current?.record.attempts ?? 0) + 1,
      owner,
      claimedAt: at,
      leaseExpiresAt: new Date(Date.now() + leaseMs).toISOString(),
      updatedAt: at,
    }

    const write = await store.write(ctx, next, current?.version)
    if (write === 'lost') continue // someone changed it between our read and write: decide again
    if (write === 'won') return { outcome: 'claimed', record: next }

    // Unconditional write: the read-back decides who owns the claim (last writer wins).
    const check = await store.read<D>(ctx, scope, key)
    if (check?.record.owner === owner) return { outcome: 'claimed', record: check.record }
    const other = decide(check?.record ?? null, maxAttempts)
    return other === 'claim' || !check ? { outcome: 'busy', record: check?.record ?? next } : other
  }

  const latest = await store.read<D>(ctx, scope, key)
  const decision = decide(latest?.record ?? null, maxAttempts)
  if (decision === 'claim' || !latest) throw new BusyError(scope, key)
  return decision
}

/** Read-modify-write of an existing record; retried when a conditional write loses a race. */
async function update<D>(
  ctx: LedgerContext,
  scope: string,
  key: string,
  change: (current: ProcessingRecord<D> | null, at: string) => ProcessingRecord<D>
): Promise<ProcessingRecord<D>> {
  for (let round = 0; ; round++) {
    const current = await store.read<D>(ctx, scope, key)
    const next = change(current?.record ?? null, nowIso())
    const write = await store.write(ctx, next, current?.version)
    if (write !== 'lost') return next
    if (round >= 2) throw new BusyError(scope, key)
  }
}

/** The fields a status change keeps; the outcome fields (error, completedAt) start over. */
const carryOver = <D>(scope: string, key: string, current: ProcessingRecord<D> | null) => ({
  scope,
  key,
  attempts: current?.attempts ?? 0,
  owner: current?.owner ?? null,
  claimedAt: current?.claimedAt ?? null,
  leaseExpiresAt: null,
  ...(current?.data === undefined ? {} : { data: current.data }),
})

/** Records work that a producer accepted but nobody claimed yet (e.g. a job behind a 202).
 * A `queued` record is claimable like an absent one; an existing record is left alone. */
export async function enqueue<D>(
  ctx: LedgerContext,
  scope: string,
  key: string,
  data: D
): Promise<ProcessingRecord<D>> {
  const existing = await getRecord<D>(ctx, scope, key)
  if (existing) return existing
  return update<D>(ctx, scope, key, (current, at) => ({
    ...carryOver(scope, key, current),
    status: 'queued',
    updatedAt: at,
    data,
  }))
}

export async function markDone<D>(
  ctx: LedgerContext,
  scope: string,
  key: string,
  data?: D
): Promise<ProcessingRecord<D>> {
  return update<D>(ctx, scope, key, (current, at) => ({
    ...carryOver(scope, key, current),
    status: 'done',
    updatedAt: at,
    completedAt: at,
    ...(data === undefined ? {} : { data }),
  }))
}

export async function markFailed<D>(
  ctx: LedgerContext,
  scope: string,
  key: string,
  error: unknown,
  data?: D
): Promise<ProcessingRecord<D>> {
  return update<D>(ctx, scope, key, (current, at) => ({
    ...carryOver(scope, key, current),
    attempts: Math.max(current?.attempts ?? 0, 1),
    status: 'failed',
    updatedAt: at,
    error: toProcessingError(error),
    ...(data === undefined ? {} : { data }),
  }))
}

/** For input that can never succeed: recorded so it is visible, then never retried. */
export async function markRejected<D>(
  ctx: LedgerContext,
  scope: string,
  key: string,
  reason: string
): Promise<ProcessingRecord<D>> {
  return update<D>(ctx, scope, key, (current, at) => ({
    ...carryOver(scope, key, current),
    status: 'rejected',
    updatedAt: at,
    completedAt: at,
    error: { message: reason.slice(0, 500), status: 400 },
  }))
}

export async function getRecord<D = unknown>(
  ctx: LedgerContext,
  scope: string,
  key: string
): Promise<ProcessingRecord<D> | null> {
  return (await store.read<D>(ctx, scope, key))?.record ?? null
}

/** Records of many keys of one scope, in key order (null where absent). */
export async function getRecords<D = unknown>(
  ctx: LedgerContext,
  scope: string,
  keys: string[],
  concurrency = 10
): Promise<Array<ProcessingRecord<D> | null>> {
  const records: Array<ProcessingRecord<D> | null> = []
  for (let i = 0; i < keys.length; i += concurrency) {
    const chunk = keys.slice(i, i + concurrency)
    records.push(...(await Promise.all(chunk.map((key) => getRecord<D>(ctx, scope, key)))))
  }
  return records
}

/**
 * Claim, do the work once, record the outcome. A failure is recorded as `failed` and
 * rethrown so the caller (and the platform) can retry; the next claim counts an attempt.
 */
export async function runOnce<D = unknown>(
  ctx: LedgerContext,
  { scope, key, ...options }: { scope: string; key: string } & ClaimOptions,
  work: (record: ProcessingRecord<D>) => Promise<D | void>
): Promise<RunResult<D>> {
  const claimed = await claim<D>(ctx, scope, key, options)
  if (claimed.outcome !== 'claimed') {
    const { status, attempts } = claimed.record
    ctx.vtex.logger.info({ message: 'ledger.skipped', scope, key, outcome: claimed.outcome, status, attempts })
    return { outcome: claimed.outcome, record: claimed.record }
  }

  let data: D | void
  try {
    data = await work(claimed.record)
  } catch (error) {
    const { attempts } = claimed.record
    ctx.vtex.logger.error({ message: 'ledger.failed', scope, key, attempts, error: toProcessingError(error) })
    try {
      await markFailed(ctx, scope, key, error)
    } catch (storeError) {
      // The lease still expires, so a redelivery can reclaim; surface the original error.
      ctx.vtex.logger.error({ message: 'ledger.markFailed.failed', scope, key, error: toProcessingError(storeError) })
    }
    throw error
  }
  const record = await markDone<D>(ctx, scope, key, data === undefined ? undefined : data)
  return { outcome: 'processed', record }
}

// --- Storage backend: Master Data (v1) ----------------------------------------------------
//
// One document per record in DATA_ENTITY, its id derived from scope + key so every
// delivery of a unit addresses the same document.
//
// The MasterData client has no etag or conditional write, so every claim is a plain write
// that is then read back by id to see whose owner token survived (last writer wins).
// Remaining window: two deliveries that both decided to claim, where one finishes its
// write + read-back before the other's write lands, both proceed. It needs two deliveries
// of one unit within a round trip of each other; keep side effects idempotent where you
// can. Reads go by id (getDocument), never through search, which is indexed asynchronously
// and can lag behind writes.

/** Create this entity in Master Data v1 with the fields listed in README.md ("Store"). */
const DATA_ENTITY = 'PL'

interface LedgerDocument {
  scope: string
  key: string
  status: ProcessingStatus
  attempts: number
  owner: string | null
  claimedAt: string | null
  leaseExpiresAt: string | null
  updatedAt: string
  completedAt: string | null
  errorMessage: string | null
  errorStatus: number | null
  /** JSON text: Master Data fields are flat. */
  data: string | null
}

const FIELDS: Array<keyof LedgerDocument> = [
  'scope',
  'key',
  'status',
  'attempts',
  'owner',
  'claimedAt',
  'leaseExpiresAt',
  'updatedAt',
  'completedAt',
  'errorMessage',
  'errorStatus',
  'data',
]

const documentId = (scope: string, key: string) => sha256(`${scope}\n${key}`).slice(0, 40)

function toDocument<D>(record: ProcessingRecord<D>): LedgerDocument {
  const { scope, key, status, attempts, owner, claimedAt, leaseExpiresAt, updatedAt } = record
  // Nulls, not missing fields: a partial update must clear what the new status drops.
  return {
    scope,
    key,
    status,
    attempts,
    owner,
    claimedAt,
    leaseExpiresAt,
    updatedAt,
    completedAt: record.completedAt ?? null,
    errorMessage: record.error?.message ?? null,
    errorStatus: record.error?.status ?? null,
    data: record.data === undefined ? null : JSON.stringify(record.data),
  }
}

function fromDocument<D>(doc: LedgerDocument): ProcessingRecord<D> {
  const { scope, key, status, updatedAt, completedAt, errorMessage, errorStatus: httpStatus } = doc
  const error = errorMessage
    ? { message: errorMessage, ...(httpStatus == null ? {} : { status: Number(httpStatus) }) }
    : undefined
  return {
    scope,
    key,
    status,
    attempts: Number(doc.attempts),
    owner: doc.owner ?? null,
    claimedAt: doc.claimedAt ?? null,
    leaseExpiresAt: doc.leaseExpiresAt ?? null,
    updatedAt,
    ...(completedAt ? { completedAt } : {}),
    ...(error ? { error } : {}),
    ...(doc.data ? { data: JSON.parse(doc.data) as D } : {}),
  }
}

type WriteResult = 'won' | 'lost' | 'unknown'

interface Versioned<D> {
  record: ProcessingRecord<D>
  /** Always absent here: the client exposes no document version to write against. */
  version?: string
}

const store = {
  async read<D>(ctx: LedgerContext, scope: string, key: string): Promise<Versioned<D> | null> {
    try {
      const doc = await ctx.clients.masterdata.getDocument<LedgerDocument | null>({
        dataEntity: DATA_ENTITY,
        id: documentId(scope, key),
        fields: FIELDS,
      })
      // An empty answer counts as absent, like a 404.
      return doc?.status ? { record: fromDocument<D>(doc) } : null
    } catch (error) {
      if (errorStatus(error) === 404) return null
      throw error
    }
  },

  async write<D>(ctx: LedgerContext, record: ProcessingRecord<D>, _version?: string): Promise<WriteResult> {
    await ctx.clients.masterdata.createOrUpdatePartialDocument({
      dataEntity: DATA_ENTITY,
      id: documentId(record.scope, record.key),
      fields: toDocument(record),
    })
    return 'unknown'
  },
}
