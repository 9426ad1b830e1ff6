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
  DEFAULT_MAX_ATTEMPTS,
  claim,
  getRecords,
  markDone,
  markFailed,
  markRejected,
  payloadFingerprint,
  runOnce,
} from '../support/processing'
import { isItemId, isItemsSyncRequestedPayload } from '../publishers/itemsSyncRequested'

export const JOBS_SCOPE = 'syncItems:jobs'
export const itemScope = (jobId: string) => `syncItems:job:${jobId}`

/** Small units: bounded parallelism keeps a 100-item job inside the service timeout
 * without a burst of calls against the store or the partner. */
const ITEM_CONCURRENCY = 5

/** Above the item cap: a run that found an item busy did not spend that item's attempt,
 * and the job must not give up before its items have. */
const JOB_MAX_ATTEMPTS = DEFAULT_MAX_ATTEMPTS + 2

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
// It runs once per (jobId, itemId) unless it throws; throwing marks only this item failed.
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

/** The status makes the runtime answer 500, so the platform delivers the job again. */
class JobIncompleteError extends Error {
  public readonly status = 500
}

export function createSyncItemsHandler(work: ProcessItem) {
  return async function syncItems(ctx: EventContext<Clients>): Promise<void> {
    const body: unknown = ctx.body
    const { logger } = ctx.vtex

    if (!isItemsSyncRequestedPayload(body)) {
      const { jobId } = (body ?? {}) as { jobId?: unknown }
      const key = isItemId(jobId) ? jobId : payloadFingerprint(body)
      await markRejected(ctx, JOBS_SCOPE, key, 'invalid items-sync-requested payload')
      logger.warn({ message: 'syncItems.rejected', jobId: key })
      return
    }

    const { jobId } = body
    const itemIds = [...new Set(body.itemIds)]

    // The job claim keeps two deliveries of one job from running side by side.
    const job = await claim<JobData>(ctx, JOBS_SCOPE, jobId, { maxAttempts: JOB_MAX_ATTEMPTS })
    if (job.outcome === 'busy') throw new BusyError(JOBS_SCOPE, jobId)
    if (job.outcome !== 'claimed') {
      logger.info({ message: 'syncItems.skipped', jobId, outcome: job.outcome })
      return
    }

    const scope = itemScope(jobId)
    for (let i = 0; i < itemIds.length; i += ITEM_CONCURRENCY) {
      await Promise.all(
        itemIds.slice(i, i + ITEM_CONCURRENCY).map((itemId) =>
          // A failure is already recorded and logged by runOnce; go on with the rest.
          runOnce(ctx, { scope, key: itemId }, () => work(ctx, { jobId, itemId })).catch(() => undefined)
        )
      )
    }

    // Summarize what the ledger says, not what this run saw: a concurrent or earlier
    // delivery may have finished items this run skipped.
    const summary = summarize(await getRecords(ctx, scope, itemIds))
    const data: JobData = { itemIds, summary }
    const unfinished = summary.retryable + summary.pending

    if (unfinished > 0) {
      const error = new JobIncompleteError(`${unfinished} of ${summary.total} items not done yet`)
      await markFailed(ctx, JOBS_SCOPE, jobId, error, data)
      logger.warn({ message: 'syncItems.incomplete', jobId, attempts: job.record.attempts, ...summary })
      throw error
    }
    if (summary.failed > 0) {
      // Every failed item used all its attempts: report it and stop retrying the job.
      await markFailed(ctx, JOBS_SCOPE, jobId, new Error(`${summary.failed} items failed permanently`), data)
      logger.error({ message: 'syncItems.gaveUp', jobId, ...summary })
      return
    }
    await markDone(ctx, JOBS_SCOPE, jobId, data)
    logger.info({ message: 'syncItems.done', jobId, ...summary })
  }
}

export const syncItems = createSyncItemsHandler(processItem)
