/**
 * Background worker: consumes the app's own `items-sync-requested` event (sender `acme.order-sync`),
 * published by a trigger route after it answered 202 or by any other producer in the app. Each item is its own unit of work in the ledger, so
 * one failing item neither stops nor hides the others, and a redelivery redoes only the
 * items that are not done.
 */
import type { EventContext } from '@vtex/api'

import type { Clients } from '../clients'
import type { ProcessingRecord } from '../support/processing'
import {
  BusyError,
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_ATTEMPTS,
  LedgerError,
  claim,
  getRecords,
  markDone,
  markFailed,
  markRejected,
  payloadFingerprint,
  release,
  renew,
  runOnce,
  toProcessingError,
} from '../support/processing'
import { isItemId, isItemsSyncRequestedPayload } from '../publishers/itemsSyncRequested'

export const JOBS_SCOPE = 'syncItems:jobs'
export const itemScope = (jobId: string) => `syncItems:job:${jobId}`

/** Small units: bounded parallelism keeps a 100-item job inside the service timeout
 * without a burst of calls against the store or the partner. */
const ITEM_CONCURRENCY = 5

/** The job's own lease, renewed after every chunk: a job longer than one lease keeps it. */
const JOB_LEASE_MS = DEFAULT_LEASE_MS

/** Runs of the job that did work (or died): a run that found every unfinished item busy
 * gives its attempt back. Items have their own cap, so a job ends well before this. */
export const JOB_MAX_ATTEMPTS = 2 * DEFAULT_MAX_ATTEMPTS

export interface JobSummary {
  total: number
  done: number
  /** Failed items, retryable or not. */
  failed: number
  /** Failed items that still have attempts left: the job is redelivered for them. */
  retryable: number
  /** Not finished yet (never claimed, or held by another delivery). */
  pending: number
}

export interface JobData {
  itemIds: string[]
  summary?: JobSummary
}

export interface JobItem {
  jobId: string
  itemId: string
}

export type ProcessItem = (ctx: EventContext<Clients>, item: JobItem) => Promise<void>

// >>> Replace with the real per-item side effect (fetch the item, push it to a partner...).
// The ledger skips an item already done or in progress; a throw marks only this item
// failed (retried after a backoff), and the job is redelivered for it; throw
// PermanentError for an item that can never succeed (recorded `rejected`, not retried).
// Use `${jobId}:${itemId}` as the partner's idempotency key where it takes one (see
// README.md, "Guarantees").
export const processItem: ProcessItem = async (ctx, { jobId, itemId }) => {
  ctx.vtex.logger.info({ message: 'syncItems.item', jobId, itemId })
}
// <<<

export function summarize(
  records: Array<ProcessingRecord | null>,
  maxAttempts = DEFAULT_MAX_ATTEMPTS
): JobSummary {
  const summary: JobSummary = { total: records.length, done: 0, failed: 0, retryable: 0, pending: 0 }
  for (const record of records) {
    if (record?.status === 'done') summary.done++
    else if (record?.status === 'failed' || record?.status === 'rejected') {
      summary.failed++
      if (record.status === 'failed' && record.attempts < maxAttempts) summary.retryable++
    } else summary.pending++
  }
  return summary
}

/** Items are left to do: the runtime answers 500, so the platform delivers the job again. */
export class JobIncompleteError extends LedgerError {
  constructor(message: string) {
    super(message, 500, 'warn')
  }
}

export function createSyncItemsHandler(work: ProcessItem) {
  return async function syncItems(ctx: EventContext<Clients>): Promise<void> {
    const body: unknown = ctx.body
    const { logger } = ctx.vtex

    if (!isItemsSyncRequestedPayload(body)) {
      // Keyed by the payload, never by the job id it names: a broken event must not end a
      // live job (markRejected also never replaces an existing record).
      const key = payloadFingerprint(body)
      const { jobId } = (body ?? {}) as { jobId?: unknown }
      await markRejected(ctx, JOBS_SCOPE, key, 'invalid items-sync-requested payload')
      logger.warn({ message: 'syncItems.rejected', key, ...(isItemId(jobId) ? { jobId } : {}) })
      return
    }

    const { jobId } = body
    const itemIds = Array.from(new Set(body.itemIds))

    // The job claim keeps two deliveries of one job from running side by side.
    const job = await claim<JobData>(ctx, JOBS_SCOPE, jobId, { leaseMs: JOB_LEASE_MS, maxAttempts: JOB_MAX_ATTEMPTS })
    if (job.outcome === 'busy') throw new BusyError(JOBS_SCOPE, jobId)
    if (job.outcome !== 'claimed') {
      const entry = { message: `syncItems.${job.outcome}`, jobId, attempts: job.record.attempts }
      if (job.outcome === 'exhausted') logger.error(entry)
      else logger.info(entry)
      return
    }

    let held = job.record
    let progressed = false
    const scope = itemScope(jobId)
    for (let i = 0; i < itemIds.length; i += ITEM_CONCURRENCY) {
      const outcomes = await Promise.all(
        itemIds.slice(i, i + ITEM_CONCURRENCY).map((itemId) =>
          runOnce(ctx, { scope, key: itemId }, () => work(ctx, { jobId, itemId })).then(
            ({ outcome }) => outcome,
            (error: unknown) => {
              // A failed item is recorded (and logged) by runOnce; the job goes on with the
              // others and the summary below, read from the ledger, accounts for it.
              logger.warn({ message: 'syncItems.itemError', jobId, itemId, error: toProcessingError(error) })
              return 'failed' as const
            }
          )
        )
      )
      if (outcomes.some((outcome) => outcome === 'processed' || outcome === 'failed')) progressed = true
      if (i + ITEM_CONCURRENCY < itemIds.length) held = await renew(ctx, held, JOB_LEASE_MS)
    }

    // Decided from the item records, not from what this run saw: a concurrent or earlier
    // delivery may have finished items this run skipped.
    const summary = summarize(await getRecords(ctx, scope, itemIds))
    const data: JobData = { itemIds, summary }
    const unfinished = summary.retryable + summary.pending

    if (unfinished > 0) {
      // Back to `queued` for the redelivery; a run that only found busy items does not count.
      await release(ctx, held, data, { refund: !progressed })
      logger.warn({ message: 'syncItems.incomplete', jobId, attempts: held.attempts, ...summary })
      throw new JobIncompleteError(`${unfinished} of ${summary.total} items not done yet`)
    }
    if (summary.failed > 0) {
      // Every failed item used all its attempts: report it and stop retrying the job.
      await markFailed(ctx, held, new Error(`${summary.failed} items failed permanently`), data)
      logger.error({ message: 'syncItems.gaveUp', jobId, ...summary })
      return
    }
    await markDone(ctx, held, data)
    logger.info({ message: 'syncItems.done', jobId, ...summary })
  }
}

export const syncItems = createSyncItemsHandler(processItem)
