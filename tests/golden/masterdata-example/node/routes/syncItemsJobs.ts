/**
 * Routes of the syncItems worker. The trigger acknowledges at once (202) and publishes
 * one small event; the worker does the work in the background. The status route reads the
 * ledger, so it shows per-item progress while the worker runs. The re-drive route publishes
 * again the event of jobs that nothing will redeliver (call it by hand or from a scheduler).
 *
 * All three are private (`"public": false` in service.json): VTEX serves them at
 * https://app.io.vtex.com/<vendor>.<name>/v<major>/<account>/<workspace><path> and admits
 * only the principals of their `policies` (the account's API keys; the re-drive route also
 * VTEX's scheduler app). See README.md, "Call the routes".
 */
import { createHash, randomUUID } from 'crypto'

import { method } from '@vtex/api'

import { readJsonBody } from '../support/http'
import { enqueue, failQueued, getRecord, getRecords, sanitizeError, stuckRecords } from '../support/processing'
import { MAX_ITEMS_PER_JOB, isItemId, isItemIdList, publishItemsSyncRequested } from '../publishers/itemsSyncRequested'
import type { JobData } from '../workers/syncItems'
import { JOBS_SCOPE, itemScope, summarize } from '../workers/syncItems'

export const syncItemsJobsPath = '/_v/order-sync/sync-items/jobs'
export const syncItemsJobPath = (jobId: string) => `${syncItemsJobsPath}/${jobId}`
export const syncItemsRedrivePath = '/_v/order-sync/sync-items/redrive'

/** A job queued (or left with a dead lease) longer than this is re-driven. Far above the
 * time a redelivery normally takes, so a live job is not published twice for nothing. */
export const REDRIVE_AFTER_MS = 10 * 60_000

/** Where the platform serves a private route of this app (the runtime sets VTEX_APP_ID to
 * `<vendor>.<name>@<version>`; the major version is part of the URL). */
export function privateRouteUrl(vtex: { account: string; workspace: string }, path: string): string {
  const [app, version = '0'] = (process.env.VTEX_APP_ID ?? 'acme.order-sync@0').split('@')
  return `https://app.io.vtex.com/${app}/v${version.split('.')[0]}/${vtex.account}/${vtex.workspace}${path}`
}

/** The job id of an `Idempotency-Key`: the same key always names the same job. */
export function jobIdFor(idempotencyKey: string): string {
  const hex = createHash('sha256').update(`syncItems\n${idempotencyKey}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** Same set of item ids, in any order (both lists are already free of repeats). */
function sameItems(a: string[] | undefined, b: string[]): boolean {
  if (a === undefined || a.length !== b.length) return false
  const wanted = new Set(b)
  return a.every((id) => wanted.has(id))
}

/**
 * POST { itemIds }: records the job, publishes one small event and answers 202. With an
 * `Idempotency-Key` header a retried POST answers the same job instead of creating another
 * (and 422 if the key comes back with different items).
 */
export async function createSyncItemsJob(ctx: Context, next: () => Promise<void>) {
  const body = await readJsonBody(ctx.req)
  const itemIds: unknown = (body as { itemIds?: unknown } | undefined)?.itemIds
  const idempotencyKey = ctx.get('Idempotency-Key')

  ctx.set('Cache-Control', 'no-store')
  if (!isItemIdList(itemIds)) {
    ctx.status = 400
    ctx.body = { error: `body must be { "itemIds": [1 to ${MAX_ITEMS_PER_JOB} non-empty strings] }` }
    return
  }
  if (idempotencyKey !== '' && !isItemId(idempotencyKey)) {
    ctx.status = 400
    ctx.body = { error: 'Idempotency-Key must be 1 to 128 characters' }
    return
  }

  const jobId = idempotencyKey ? jobIdFor(idempotencyKey) : randomUUID()
  const unique = Array.from(new Set(itemIds))
  // The record that stands: another POST with this key may have got there first.
  const job = await enqueue<JobData>(ctx, JOBS_SCOPE, jobId, { itemIds: unique })
  if (!sameItems(job.data?.itemIds, unique)) {
    ctx.status = 422
    ctx.body = { error: 'this Idempotency-Key was used for a job with other items', jobId }
    return
  }

  // Publish while the job waits (again, for a retried POST or a job released for a
  // redelivery: the worker skips a duplicate). A job running or finished is only reported.
  if (job.status === 'queued') {
    try {
      await publishItemsSyncRequested(ctx, { jobId, itemIds: unique })
    } catch (error) {
      // Nobody will pick a job whose event was never sent: say so in its status. A retry
      // of the POST with the same Idempotency-Key queues and publishes it again.
      await failQueued(ctx, JOBS_SCOPE, jobId, error)
      throw sanitizeError(error)
    }
  }

  ctx.vtex.logger.info({ message: 'syncItems.queued', jobId, items: unique.length })
  ctx.status = 202
  ctx.body = { jobId, statusUrl: privateRouteUrl(ctx.vtex, syncItemsJobPath(jobId)) }
  await next()
}

/** GET jobs/:jobId: the job record plus every item's status, read from the ledger. */
export async function getSyncItemsJob(ctx: Context, next: () => Promise<void>) {
  const { jobId } = ctx.vtex.route.params
  ctx.set('Cache-Control', 'no-store')

  const job = typeof jobId === 'string' ? await getRecord<JobData>(ctx, JOBS_SCOPE, jobId) : null
  if (!job || typeof jobId !== 'string') {
    ctx.status = 404
    ctx.body = { error: 'job not found' }
    return
  }

  const itemIds = job.data?.itemIds ?? []
  const records = await getRecords(ctx, itemScope(jobId), itemIds)
  ctx.status = 200
  ctx.body = {
    jobId,
    status: job.status,
    attempts: job.attempts,
    updatedAt: job.updatedAt,
    error: job.error,
    // Live from the item records, so it is current even while the worker runs.
    summary: summarize(records),
    items: itemIds.map((itemId, i) => {
      const record = records[i]
      return {
        itemId,
        status: record?.status ?? 'queued',
        attempts: record?.attempts ?? 0,
        updatedAt: record?.updatedAt,
        error: record?.error,
      }
    }),
  }
  await next()
}

/**
 * POST redrive: publishes again the event of every job stuck for REDRIVE_AFTER_MS (queued
 * and untouched, or processing under a lease long expired), at most 50 per call, and answers
 * 200 `{ republished }`. The platform's redeliveries are not documented; this is the way back
 * for a job they dropped. The worker skips what is done, so a duplicate is harmless.
 */
export async function redriveSyncItemsJobs(ctx: Context, next: () => Promise<void>) {
  ctx.set('Cache-Control', 'no-store')
  const stuck = await stuckRecords<JobData>(ctx, JOBS_SCOPE, { olderThanMs: REDRIVE_AFTER_MS, limit: 50 })
  const republished: string[] = []
  for (const job of stuck) {
    const itemIds = job.data?.itemIds
    if (!isItemIdList(itemIds)) continue
    try {
      await publishItemsSyncRequested(ctx, { jobId: job.key, itemIds })
    } catch (error) {
      throw sanitizeError(error)
    }
    republished.push(job.key)
  }
  ctx.vtex.logger.info({ message: 'syncItems.redrive', stuck: stuck.length, republished: republished.length })
  ctx.status = 200
  ctx.body = { republished }
  await next()
}

// Route ids: each must equal a `routes` key in service.json.
export const syncItemsJobs = method({ POST: createSyncItemsJob })
export const syncItemsJob = method({ GET: getSyncItemsJob })
export const syncItemsRedrive = method({ POST: redriveSyncItemsJobs })
