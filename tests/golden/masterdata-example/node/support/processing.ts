/**
 * Processing ledger: one durable record per unit of work (scope + key).
 *
 * VTEX delivers events at least once, may redeliver after an error and may run the same
 * event on two replicas at once. Every handler goes through this module so that a unit of
 * work is claimed before its side effect runs, and its outcome (done, failed, rejected) is
 * recorded where retries, duplicates and the status route can see it.
 *
 * Index (public API first, in this order):
 * - runOnce(ctx, { scope, key }, work): claim, run, record. What a handler calls.
 * - PermanentError: throw it from `work` when the unit can never succeed (the partner refused
 *   the input for good): runOnce records it `rejected` and resolves, so it is not redelivered.
 * - BusyError (503, warn), LeaseLostError, WorkError: what reaches the runtime; retryable
 *   failures are answered 5xx (the record keeps the real status).
 * - claim, markDone, markFailed, release, renew: the steps of runOnce, for work of many units
 *   (a job claims itself, then runs one runOnce per item).
 * - enqueue, failQueued, markRejected: records nobody owns yet (a job behind a 202, a payload
 *   too broken to run).
 * - getRecord, getRecords, stuckRecords: reads for status routes and the re-drive route.
 * - purgeRecords: cleanup, on a schedule.
 * - payloadFingerprint, errorStatus, toProcessingError, sanitizeError, retryDelay: helpers.
 * Then the internals (decide, changeOwned, writeUnowned, confirm) and the store: a
 * `LedgerStore` with one backend, Master Data (see "Storage backend" at the end).
 *
 * What it guarantees depends on the store (see the backend, README.md and docs): a
 * redelivery that comes after the first delivery's claim is readable never runs the work
 * again; two deliveries of the same unit that arrive within a few store round trips of each
 * other can both run it. It is at-least-once with duplicates suppressed, not exactly-once:
 * give the side effect an idempotency key (the unit's key) wherever the partner accepts one.
 *
 * Every read that decides a claim or a state change is fresh: the ledger builds its own store
 * client from `ctx.vtex` with memoization off (the SDK's clients remember the first answer of
 * every GET for the life of the client), and its VBase reads bypass the SDK's single-flight
 * map (one per process, keyed by URL), which would hand a read another delivery's older
 * answer. It needs nothing from the app's `Clients` class.
 */
import { createHash, randomUUID } from 'crypto'

import type { InstanceOptions, IOContext } from '@vtex/api'
import { MasterData } from '@vtex/api'

export type ProcessingStatus = 'queued' | 'processing' | 'done' | 'failed' | 'rejected'

export interface ProcessingError {
  message: string
  /** The real status of the failure (e.g. a partner's 429), whatever the event was answered. */
  status?: number
}

export interface ProcessingRecord<D = unknown> {
  scope: string
  key: string
  status: ProcessingStatus
  /** How many times the work was claimed, stale reclaims included. */
  attempts: number
  /** Token of the delivery that holds (or last held) the claim. */
  owner: string | null
  claimedAt: string | null
  /** A `processing` record whose lease has expired belongs to a delivery that died. */
  leaseExpiresAt: string | null
  /** A `failed` unit is not claimed again before this time (backoff); earlier deliveries
   * are answered busy without spending an attempt. */
  notBefore?: string | null
  updatedAt: string
  completedAt?: string
  error?: ProcessingError
  data?: D
  /** Token of the write that produced this version: a writer recognizes its own write
   * when the SDK resent a request that had already landed, or every answer was lost. */
  rev?: string
}

/**
 * - claimed: the caller owns the work now and must finish it with markDone/markFailed.
 * - done / rejected: finished earlier (or refused); skip.
 * - busy: another delivery holds a live lease, or a failed unit's retry is not due yet.
 * - exhausted: claimed `maxAttempts` times without success; left `failed`, never retried.
 */
export type ClaimOutcome = 'claimed' | 'done' | 'busy' | 'rejected' | 'exhausted'

export interface ClaimResult<D = unknown> {
  outcome: ClaimOutcome
  record: ProcessingRecord<D>
}

export interface ClaimOptions {
  /** Must outlive the work (service.json `timeout` is 60 s) or a live claim looks stale;
   * long work calls `renew` before the lease runs out. */
  leaseMs?: number
  maxAttempts?: number
  /** First retry delay after a failure; it doubles with every attempt (see retryDelay). */
  backoffMs?: number
}

/** `processed`: this call did the work and recorded it as done. `rejected` also covers work
 * that threw a PermanentError in this call. */
export type RunOutcome = 'processed' | Exclude<ClaimOutcome, 'claimed'>

export interface RunResult<D = unknown> {
  outcome: RunOutcome
  record: ProcessingRecord<D>
}

/** Any handler context: events, routes and the ledger itself only need `ctx.vtex`. */
export interface LedgerContext {
  vtex: IOContext
}

export const DEFAULT_LEASE_MS = 90_000
export const DEFAULT_MAX_ATTEMPTS = 5
/** A failed unit waits 10 s, 20 s, 40 s... (at most MAX_BACKOFF_MS) before its next attempt. */
export const DEFAULT_BACKOFF_MS = 10_000
export const MAX_BACKOFF_MS = 10 * 60_000
/** Finished records older than this may be purged (see purgeRecords). Keep it far above
 * any redelivery horizon: a purged unit that is delivered again runs again. */
export const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000
/** Rounds of read + conditional write before a state change gives up. */
const WRITE_ROUNDS = 3

// --- What reaches the runtime -------------------------------------------------------------
//
// The runtime answers an event with the thrown error's `status` (400-599, else 500) and logs
// it at its `level`. The broker redelivers what is answered 5xx, so everything this module
// throws for a failure that should come back carries a 5xx; the record keeps the real status.

/** Errors this module throws to the runtime: a status, a log level the runtime honours, and
 * nothing else (no request or response bodies). */
export class LedgerError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly level: 'warn' | 'error' = 'error'
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** Another delivery holds the claim, or a failed unit's retry is not due yet: the 503 makes
 * the platform deliver the event again later. Expected, so `warn`. */
export class BusyError extends LedgerError {
  constructor(scope: string, key: string) {
    super(`${scope}/${key} is busy: another delivery holds it, or its next retry is not due yet`, 503, 'warn')
  }
}

/** This delivery's lease expired and another delivery took the unit over: the work may have
 * run twice. Answered 500 so the event comes back (and finds the unit done or busy); raise
 * the lease (or renew it) if this shows up in the logs. */
export class LeaseLostError extends LedgerError {
  constructor(scope: string, key: string) {
    super(`${scope}/${key}: the claim was lost to another delivery (lease expired)`, 500, 'error')
  }
}

/** The work (or the store) failed: message and a 5xx status only, safe for the runtime's logs. */
export class WorkError extends LedgerError {}

/**
 * Throw this from `work` for a failure that can never succeed (the item does not exist, the
 * partner refused the input for good): runOnce records the unit `rejected` with this message
 * and status, logs it at `warn` and resolves, so the platform does not deliver it again.
 * Anything else that `work` throws is a retryable failure.
 */
export class PermanentError extends Error {
  constructor(
    message: string,
    public readonly status?: number
  ) {
    super(message)
    this.name = 'PermanentError'
  }
}

// --- Public functions -----------------------------------------------------------------------

/**
 * Claim, do the work, record the outcome. A failure is recorded as `failed` with a retry
 * time (`notBefore`) and rethrown sanitized with a 5xx status so the platform redelivers;
 * the next claim after `notBefore` counts an attempt. A PermanentError is recorded as
 * `rejected` and resolves. If recording the outcome fails (after bounded retries) the error
 * is thrown: the unit stays `processing` and runs again once its lease expires.
 */
export async function runOnce<D = unknown>(
  ctx: LedgerContext,
  { scope, key, ...options }: { scope: string; key: string } & ClaimOptions,
  work: (record: ProcessingRecord<D>) => Promise<D | void>
): Promise<RunResult<D>> {
  const { logger } = ctx.vtex
  const claimed = await claim<D>(ctx, scope, key, options)
  if (claimed.outcome !== 'claimed') {
    const { status, attempts, notBefore } = claimed.record
    const entry = { message: `ledger.${claimed.outcome}`, scope, key, status, attempts, ...(notBefore ? { notBefore } : {}) }
    if (claimed.outcome === 'exhausted') logger.error(entry)
    else logger.info(entry)
    return { outcome: claimed.outcome, record: claimed.record }
  }

  let data: D | void
  try {
    data = await work(claimed.record)
  } catch (error) {
    const failure = toProcessingError(error)
    if (error instanceof PermanentError) {
      logger.warn({ message: 'ledger.rejected', scope, key, attempts: claimed.record.attempts, error: failure })
      return { outcome: 'rejected', record: await markRejectedClaimed(ctx, claimed.record, failure) }
    }
    logger.error({ message: 'ledger.failed', scope, key, attempts: claimed.record.attempts, error: failure })
    try {
      await markFailed(ctx, claimed.record, failure, undefined, options)
    } catch (storeError) {
      // The lease still expires, so a redelivery can reclaim; the work's error goes up.
      logger.error({ message: 'ledger.markFailed.failed', scope, key, error: toProcessingError(storeError) })
    }
    throw sanitizeError(error)
  }
  const record = await markDone<D>(ctx, claimed.record, data === undefined ? undefined : (data as D))
  return { outcome: 'processed', record }
}

export async function claim<D = unknown>(
  ctx: LedgerContext,
  scope: string,
  key: string,
  { leaseMs = DEFAULT_LEASE_MS, maxAttempts = DEFAULT_MAX_ATTEMPTS }: ClaimOptions = {}
): Promise<ClaimResult<D>> {
  const owner = randomUUID()

  for (let round = 0; round < WRITE_ROUNDS; round++) {
    const current = await guarded(() => store.read<D>(ctx, scope, key))
    const decision = decide(current?.record ?? null, maxAttempts)
    if (decision.kind === 'stop') {
      const { result } = decision
      if (result.outcome !== 'exhausted' || result.record.status === 'failed' || !current) return result
      // The last attempt died holding the claim (or left the unit queued): record it as
      // failed, conditionally, so the status shows it and nothing claims it again.
      const failed: ProcessingRecord<D> = {
        ...carryOver(result.record),
        status: 'failed',
        updatedAt: nowIso(),
        error: {
          message:
            result.record.status === 'processing'
              ? 'lease expired: the last attempt did not finish'
              : `gave up after ${result.record.attempts} attempts`,
        },
        rev: randomUUID(),
      }
      if ((await guarded(() => writeRecognized(ctx, failed, current.version))) === 'lost') continue
      return { outcome: 'exhausted', record: failed }
    }

    const at = nowIso()
    const next: ProcessingRecord<D> = {
      ...carryOver(current?.record ?? fresh<D>(scope, key)),
      status: 'processing',
      attempts: (current?.record.attempts ?? 0) + 1,
      owner,
      claimedAt: at,
      leaseExpiresAt: new Date(Date.now() + leaseMs).toISOString(),
      updatedAt: at,
      rev: randomUUID(),
    }

    const write = await guarded(() => writeRecognized(ctx, next, current?.version))
    if (write === 'lost') continue // someone changed it between our read and write: decide again
    // A compare-and-set on an existing version is exclusive: nobody else can have won it.
    if (current?.version !== undefined) return { outcome: 'claimed', record: next }

    // An unconditional write (a create in VBase, any write in Master Data): another
    // delivery may have written after us. Confirm before doing anything.
    const confirmed = await guarded(() => confirm(ctx, next))
    if (confirmed) return { outcome: 'claimed', record: confirmed }
    const latest = await guarded(() => store.read<D>(ctx, scope, key))
    const other = decide(latest?.record ?? null, maxAttempts)
    return other.kind === 'stop' ? other.result : { outcome: 'busy', record: latest?.record ?? next }
  }
  throw new BusyError(scope, key)
}

export async function markDone<D>(ctx: LedgerContext, claimed: ProcessingRecord<D>, data?: D) {
  return changeOwned<D>(ctx, claimed, (current, at) => ({
    ...carryOver(current),
    status: 'done',
    updatedAt: at,
    completedAt: at,
    ...(data === undefined ? {} : { data }),
  }))
}

/** Records a retryable failure; the unit is not claimed again before `notBefore`. */
export async function markFailed<D>(
  ctx: LedgerContext,
  claimed: ProcessingRecord<D>,
  error: unknown,
  data?: D,
  { backoffMs = DEFAULT_BACKOFF_MS }: Pick<ClaimOptions, 'backoffMs'> = {}
) {
  return changeOwned<D>(ctx, claimed, (current, at) => ({
    ...carryOver(current),
    status: 'failed',
    updatedAt: at,
    notBefore: new Date(Date.parse(at) + retryDelay(current.attempts, backoffMs)).toISOString(),
    error: toProcessingError(error),
    ...(data === undefined ? {} : { data }),
  }))
}

/** Gives up the claim so the unit is claimable again at once (e.g. a job that still has
 * items to do and asks to be redelivered). `refund`: this run did no work, so its attempt
 * is given back. */
export async function release<D>(
  ctx: LedgerContext,
  claimed: ProcessingRecord<D>,
  data?: D,
  { refund = false }: { refund?: boolean } = {}
) {
  return changeOwned<D>(ctx, claimed, (current, at) => ({
    ...carryOver(current),
    status: 'queued',
    attempts: refund ? Math.max(current.attempts - 1, 0) : current.attempts,
    updatedAt: at,
    ...(data === undefined ? {} : { data }),
  }))
}

/** Extends the lease of work that runs longer than one lease (e.g. a batch between chunks). */
export async function renew<D>(ctx: LedgerContext, claimed: ProcessingRecord<D>, leaseMs = DEFAULT_LEASE_MS) {
  return changeOwned<D>(ctx, claimed, (current, at) => ({
    ...current,
    leaseExpiresAt: new Date(Date.now() + leaseMs).toISOString(),
    updatedAt: at,
  }))
}

/** Records work that a producer accepted but nobody claimed yet (e.g. a job behind a 202),
 * and returns the record that won: another producer's, if it got there first (compare its
 * `data`). A `queued` record is claimable like an absent one. An existing record is left
 * alone, unless it failed before anyone claimed it (its event was never sent): then it is
 * queued again. */
export async function enqueue<D>(ctx: LedgerContext, scope: string, key: string, data: D) {
  return writeUnowned<D>(
    ctx,
    scope,
    key,
    (current) => current === null || (current.status === 'failed' && current.attempts === 0),
    (_current, at) => ({ ...fresh<D>(scope, key), updatedAt: at, data })
  )
}

/** A `queued` unit that nobody ever claimed and that can never be picked up (e.g. its event
 * could not be published). A unit that ran before stays queued (see stuckRecords). */
export async function failQueued<D>(ctx: LedgerContext, scope: string, key: string, error: unknown) {
  return writeUnowned<D>(
    ctx,
    scope,
    key,
    (current) => current?.status === 'queued' && current.attempts === 0,
    (current, at) => ({ ...carryOver(current!), status: 'failed', updatedAt: at, error: toProcessingError(error) })
  )
}

/** For input that can never succeed and names no unit of its own (a malformed payload, keyed
 * by payloadFingerprint): recorded so it is visible, then never retried. It never replaces
 * an existing record, so a bad event cannot end someone else's live unit. */
export async function markRejected<D>(ctx: LedgerContext, scope: string, key: string, reason: string) {
  return writeUnowned<D>(
    ctx,
    scope,
    key,
    (current) => current === null,
    (_current, at) => ({
      ...fresh<D>(scope, key),
      status: 'rejected',
      updatedAt: at,
      completedAt: at,
      error: { message: reason.slice(0, 500), status: 400 },
    })
  )
}

export async function getRecord<D = unknown>(
  ctx: LedgerContext,
  scope: string,
  key: string
): Promise<ProcessingRecord<D> | null> {
  return (await guarded(() => store.read<D>(ctx, scope, key)))?.record ?? null
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
 * Units of `scope` that nobody is working on and nothing will redeliver by itself: `queued`
 * and not updated for `olderThanMs` (a job released for a redelivery that never came, or
 * whose event was lost), or `processing` with a lease expired `olderThanMs` ago (its replica
 * died). At most `limit`. A re-drive route publishes their event again; the ledger makes a
 * duplicate harmless. It reads the scope's records one by one (on Master Data: those its
 * search finds by status), so keep finished ones purged.
 */
export async function stuckRecords<D = unknown>(
  ctx: LedgerContext,
  scope: string,
  { olderThanMs = 10 * 60_000, limit = 50 }: { olderThanMs?: number; limit?: number } = {}
): Promise<Array<ProcessingRecord<D>>> {
  const cutoff = Date.now() - olderThanMs
  const stuck: Array<ProcessingRecord<D>> = []
  for await (const { record } of store.list(ctx, { scope, statuses: ['queued', 'processing'] })) {
    if (stuck.length >= limit) break
    const since = record.status === 'queued' ? record.updatedAt : record.leaseExpiresAt
    if (since && Date.parse(since) < cutoff) stuck.push(record as ProcessingRecord<D>)
  }
  return stuck
}

/**
 * Cleanup: deletes finished records (done, rejected, failed) last updated before
 * `olderThanMs` ago, at most `limit` per call; returns how many it deleted. Records do not
 * expire by themselves: call this on a schedule (a private route polled by a scheduler, or
 * from a worker). A purged unit that is delivered again runs again, so keep the retention
 * far above any redelivery horizon.
 */
export async function purgeRecords(
  ctx: LedgerContext,
  { olderThanMs = DEFAULT_RETENTION_MS, limit = 500 }: { olderThanMs?: number; limit?: number } = {}
): Promise<number> {
  const cutoff = Date.now() - olderThanMs
  let deleted = 0
  for await (const stored of store.list(ctx, { statuses: TERMINAL })) {
    if (deleted >= limit) break
    if (Date.parse(stored.record.updatedAt) >= cutoff) continue
    if ((await guarded(() => store.remove(ctx, stored))) === 'removed') deleted++
  }
  return deleted
}

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
  const { message: text } = (typeof error === 'object' && error !== null ? error : {}) as { message?: unknown }
  const message = typeof text === 'string' ? text : String(error)
  const status = errorStatus(error)
  // Bounded: records are read by the status route and Master Data text fields are limited.
  return { message: message.slice(0, 500), ...(status === undefined ? {} : { status }) }
}

/** What may reach the runtime: an axios error carries `config.data` and `response.data`
 * (partner payloads), which the runtime's error middleware would log. A failure keeps its
 * status only if it is a 5xx: a partner's 4xx (429, 401, 404...) would otherwise become the
 * event's answer, which the platform need not redeliver. */
export function sanitizeError(error: unknown): LedgerError {
  if (error instanceof LedgerError) return error
  const { message, status } = toProcessingError(error)
  return new WorkError(message, status !== undefined && status >= 500 && status <= 599 ? status : 500)
}

/** Delay before attempt `attempts + 1` of a failed unit: base, 2 x base, 4 x base... capped. */
export function retryDelay(attempts: number, backoffMs = DEFAULT_BACKOFF_MS): number {
  return Math.min(backoffMs * 2 ** Math.max(attempts - 1, 0), MAX_BACKOFF_MS)
}

// --- Internals ------------------------------------------------------------------------------

// Date.now() (not `new Date()`): tests move the clock past leases by replacing it.
const nowIso = () => new Date(Date.now()).toISOString()

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const TERMINAL: ProcessingStatus[] = ['done', 'rejected', 'failed']

/** Runs a store call; what it throws is sanitized. */
async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw sanitizeError(error)
  }
}

type Decision<D> = { kind: 'claim' } | { kind: 'stop'; result: ClaimResult<D> }

function decide<D>(record: ProcessingRecord<D> | null, maxAttempts: number): Decision<D> {
  if (!record) return { kind: 'claim' }
  const stop = (outcome: ClaimOutcome): Decision<D> => ({ kind: 'stop', result: { outcome, record } })
  switch (record.status) {
    case 'queued':
      // Released by earlier runs (a job with items left): those runs count too.
      return record.attempts >= maxAttempts ? stop('exhausted') : { kind: 'claim' }
    case 'done':
      return stop('done')
    case 'rejected':
      return stop('rejected')
    case 'failed':
      if (record.attempts >= maxAttempts) return stop('exhausted')
      // Backoff: a redelivery before the retry is due waits without spending an attempt.
      return record.notBefore && Date.parse(record.notBefore) > Date.now() ? stop('busy') : { kind: 'claim' }
    case 'processing': {
      const lease = record.leaseExpiresAt ? Date.parse(record.leaseExpiresAt) : 0
      if (lease > Date.now()) return stop('busy')
      // A stale claim was an attempt too: a handler that crashes the process is capped.
      return record.attempts >= maxAttempts ? stop('exhausted') : { kind: 'claim' }
    }
  }
}

/** The fields a status change keeps; the outcome fields (error, completedAt, notBefore)
 * start over. */
const carryOver = <D>(record: ProcessingRecord<D>) => ({
  scope: record.scope,
  key: record.key,
  attempts: record.attempts,
  owner: record.owner,
  claimedAt: record.claimedAt,
  leaseExpiresAt: null as string | null,
  ...(record.data === undefined ? {} : { data: record.data }),
})

const fresh = <D>(scope: string, key: string): ProcessingRecord<D> => ({
  scope,
  key,
  status: 'queued',
  attempts: 0,
  owner: null,
  claimedAt: null,
  leaseExpiresAt: null as string | null,
  updatedAt: nowIso(),
})

/** A PermanentError from the work of a claimed unit: `rejected`, never retried. */
async function markRejectedClaimed<D>(ctx: LedgerContext, claimed: ProcessingRecord<D>, error: ProcessingError) {
  return changeOwned<D>(ctx, claimed, (current, at) => ({
    ...carryOver(current),
    status: 'rejected',
    updatedAt: at,
    completedAt: at,
    error,
  }))
}

/** A write whose every answer was lost (timeouts, resets: the SDK retried and gave up) may
 * still have landed: read back, and recognize it by its `rev`. */
async function writeRecognized<D>(ctx: LedgerContext, next: ProcessingRecord<D>, version?: string): Promise<WriteResult> {
  try {
    return await store.write(ctx, next, version)
  } catch (error) {
    const back = await store.read<D>(ctx, next.scope, next.key).catch(() => null)
    if (next.rev !== undefined && back?.record.rev === next.rev) return 'written'
    throw error
  }
}

/**
 * A state change by the delivery that holds the claim: re-read (fresh), check that the
 * record still is `processing` under our owner token, write (conditionally where the store
 * can). A record carrying the `rev` of one of our own earlier rounds is our write that
 * landed though its answer was lost. Bounded: WRITE_ROUNDS rounds, then the last error is
 * thrown (sanitized).
 */
async function changeOwned<D>(
  ctx: LedgerContext,
  claimed: ProcessingRecord<D>,
  change: (current: ProcessingRecord<D>, at: string) => ProcessingRecord<D>
): Promise<ProcessingRecord<D>> {
  const { scope, key, owner } = claimed
  const sent = new Set<string>()
  let lastError: unknown = new BusyError(scope, key)
  for (let round = 0; round < WRITE_ROUNDS; round++) {
    if (round > 0) await pause(50 * round)
    try {
      const current = await store.read<D>(ctx, scope, key)
      if (current?.record.rev !== undefined && sent.has(current.record.rev)) return current.record
      if (current?.record.owner !== owner || current.record.status !== 'processing') {
        throw new LeaseLostError(scope, key)
      }
      const rev = randomUUID()
      sent.add(rev)
      const next = { ...change(current.record, nowIso()), rev }
      if ((await store.write(ctx, next, current.version)) === 'written') return next
    } catch (error) {
      if (error instanceof LeaseLostError) throw error
      lastError = error
    }
  }
  throw sanitizeError(lastError)
}

/** Writes of records nobody owns (queued, rejected): read, and write only if `accept` says
 * the current record may be replaced. Returns the record that stands afterwards: ours, or
 * the one a concurrent writer got in first with (a create cannot be conditional, so it is
 * confirmed like a claim). */
async function writeUnowned<D>(
  ctx: LedgerContext,
  scope: string,
  key: string,
  accept: (current: ProcessingRecord<D> | null) => boolean,
  make: (current: ProcessingRecord<D> | null, at: string) => ProcessingRecord<D>
): Promise<ProcessingRecord<D>> {
  for (let round = 0; round < WRITE_ROUNDS; round++) {
    const current = await guarded(() => store.read<D>(ctx, scope, key))
    if (!accept(current?.record ?? null)) return current!.record
    const next = { ...make(current?.record ?? null, nowIso()), rev: randomUUID() }
    if ((await guarded(() => writeRecognized(ctx, next, current?.version))) === 'lost') continue
    if (current?.version !== undefined) return next
    const confirmed = await guarded(() => confirm(ctx, next))
    if (confirmed) return confirmed
    const latest = await guarded(() => store.read<D>(ctx, scope, key))
    if (latest) return latest.record
  }
  throw new BusyError(scope, key)
}

/** Confirms a record written without a version (see the backend's guarantees): ours is the
 * one whose `rev` is still there. */
async function confirm<D>(ctx: LedgerContext, mine: ProcessingRecord<D>): Promise<ProcessingRecord<D> | null> {
  const back = await store.read<D>(ctx, mine.scope, mine.key)
  if (!back || back.record.rev !== mine.rev) return null
  if (back.version !== undefined) {
    // A compare-and-set on what we read back: a create that overwrote ours since fails it.
    const again = { ...back.record, rev: randomUUID() }
    return (await writeRecognized(ctx, again, back.version)) === 'written' ? again : null
  }
  // No versions (Master Data): read once more; a late overwrite usually shows by now.
  const last = await store.read<D>(ctx, mine.scope, mine.key)
  return last && last.record.rev === mine.rev ? last.record : null
}

// --- Storage backend ------------------------------------------------------------------------

/** One stored record. `version` is the store's concurrency token (a VBase etag); a write with
 * a version only lands if the record still has it ('lost' otherwise). */
interface Stored<D> {
  record: ProcessingRecord<D>
  version?: string
}

type WriteResult = 'written' | 'lost'

/** What a backend implements; the protocol above uses nothing else. Every `read` is fresh:
 * no memoization, no single-flight sharing with another delivery's read. */
export interface LedgerStore {
  read<D>(ctx: LedgerContext, scope: string, key: string): Promise<Stored<D> | null>
  /** Unconditional without `version`; with it, a compare-and-set ('lost' if it changed). */
  write<D>(ctx: LedgerContext, record: ProcessingRecord<D>, version?: string): Promise<WriteResult>
  /** Deletes a listed record unless it changed since it was listed. */
  remove<D>(ctx: LedgerContext, stored: Stored<D>): Promise<'removed' | 'kept'>
  /** Records with one of `statuses` (of one `scope` if given), each read fresh. */
  list(ctx: LedgerContext, filter: { scope?: string; statuses: ProcessingStatus[] }): AsyncGenerator<Stored<unknown>>
}

/** No memoization (fresh reads), a short timeout, and the SDK's own retries: network errors
 * and timeouts on any method, plus any 5xx on GET/HEAD/OPTIONS/PUT/DELETE (@vtex/api
 * lib/utils/retry.js). So a PUT that landed can be sent again (records carry `rev`), and a
 * PATCH is retried only when no answer came at all. */
const CLIENT_OPTIONS: InstanceOptions = { memoizable: false, timeout: 3000, retries: 2 }

// --- Storage backend: Master Data (v1) ----------------------------------------------------
//
// One document per record in DATA_ENTITY, its id derived from scope + key so every
// delivery of a unit addresses the same document. Reads go by id (getDocument), never
// through search, which is indexed asynchronously and can lag behind writes.
//
// Guarantees. The MasterData client has no etag and no conditional write, so every claim is
// a plain write that the claim then reads back twice to see whose owner token survived
// (last writer wins):
// - a redelivery that arrives after the first delivery's claim is readable (sequential
//   redeliveries, redeliveries after a failure or after the lease expired) does not run the
//   work twice: it sees `processing` (busy), `done` or `failed`;
// - two deliveries of one unit that both read the record before either write landed both
//   write; the later write wins, and the earlier one proceeds too if its two read-backs both
//   happened before the later write landed (a window of about two store round trips, wider
//   when a write is slow). Both then run the work: give the side effect an idempotency key;
// - state changes (done, failed, lease renewal) check the owner token first but cannot do so
//   atomically: a delivery whose lease expired and was taken over between that read and its
//   write overwrites the new owner's record. Keep the lease far above the work's duration.

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
  notBefore: string | null
  updatedAt: string
  completedAt: string | null
  errorMessage: string | null
  errorStatus: number | null
  /** JSON text: Master Data fields are flat. */
  data: string | null
  rev: string | null
}

const FIELDS: Array<keyof LedgerDocument | 'id'> = [
  'id',
  'scope',
  'key',
  'status',
  'attempts',
  'owner',
  'claimedAt',
  'leaseExpiresAt',
  'notBefore',
  'updatedAt',
  'completedAt',
  'errorMessage',
  'errorStatus',
  'data',
  'rev',
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
    notBefore: record.notBefore ?? null,
    updatedAt,
    completedAt: record.completedAt ?? null,
    errorMessage: record.error?.message ?? null,
    errorStatus: record.error?.status ?? null,
    data: record.data === undefined ? null : JSON.stringify(record.data),
    rev: record.rev ?? null,
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
    ...(doc.notBefore ? { notBefore: doc.notBefore } : {}),
    updatedAt,
    ...(completedAt ? { completedAt } : {}),
    ...(error ? { error } : {}),
    ...(doc.data ? { data: JSON.parse(doc.data) as D } : {}),
    ...(doc.rev ? { rev: doc.rev } : {}),
  }
}

const masterdataClients = new WeakMap<IOContext, MasterData>()

/** One non-memoized client per delivery context. */
function masterdata(ctx: LedgerContext): MasterData {
  let client = masterdataClients.get(ctx.vtex)
  if (!client) {
    client = new MasterData(ctx.vtex, CLIENT_OPTIONS)
    masterdataClients.set(ctx.vtex, client)
  }
  return client
}

const store: LedgerStore = {
  /** getDocument sets no single-flight key in the SDK, and the client is not memoized. */
  async read<D>(ctx: LedgerContext, scope: string, key: string): Promise<Stored<D> | null> {
    try {
      const doc = await masterdata(ctx).getDocument<LedgerDocument | null>({
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

  /** Always unconditional: Master Data has no version to write against. */
  async write<D>(ctx: LedgerContext, record: ProcessingRecord<D>, _version?: string): Promise<WriteResult> {
    await masterdata(ctx).createOrUpdatePartialDocument({
      dataEntity: DATA_ENTITY,
      id: documentId(record.scope, record.key),
      fields: toDocument(record),
    })
    return 'written'
  },

  async remove<D>(ctx: LedgerContext, { record }: Stored<D>): Promise<'removed' | 'kept'> {
    // Re-read by id: search results lag, and the unit may have been claimed again since.
    const current = await store.read<D>(ctx, record.scope, record.key)
    if (!current || current.record.rev !== record.rev) return 'kept'
    await masterdata(ctx).deleteDocument({ dataEntity: DATA_ENTITY, id: documentId(record.scope, record.key) })
    return 'removed'
  },

  /** Found through search (needs `status` filterable in the entity; see README.md), which
   * lags behind writes: each hit is read again by id. */
  async *list(ctx: LedgerContext, { scope, statuses }: { scope?: string; statuses: ProcessingStatus[] }) {
    for (const status of statuses) {
      for (let page = 1; ; page++) {
        const docs = await guarded(() =>
          masterdata(ctx).searchDocuments<LedgerDocument>({
            dataEntity: DATA_ENTITY,
            fields: FIELDS,
            where: `status=${status}`,
            pagination: { page, pageSize: 100 },
          })
        )
        for (const doc of docs) {
          if (scope !== undefined && doc.scope !== scope) continue
          const current = await guarded(() => store.read(ctx, doc.scope, doc.key))
          if (current && current.record.status === status) yield current
        }
        if (docs.length < 100) break
      }
    }
  },
}
