import { advanceClock, createTestApp } from '../platform'
import {
  BusyError,
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_ATTEMPTS,
  MAX_BACKOFF_MS,
  claim,
  enqueue,
  getRecord,
  payloadFingerprint,
  retryDelay,
} from '../../support/processing'
import type { JobItem } from '../../workers/syncItems'
import { JOBS_SCOPE, JOB_MAX_ATTEMPTS, createSyncItemsHandler, itemScope } from '../../workers/syncItems'

const own = { sender: 'acme.order-sync', key: 'items-sync-requested' }

function setup(failing: Set<string> = new Set()) {
  const app = createTestApp()
  const hooks: { during?: (item: JobItem) => Promise<void> | void } = {}
  const work = jest.fn(async (_ctx: unknown, item: JobItem) => {
    await hooks.during?.(item)
    if (failing.has(item.itemId)) throw new Error(`cannot sync ${item.itemId}`)
  })
  const handler = createSyncItemsHandler(work)
  const deliver = (body: unknown) => handler(app.event(body, own))
  const calls = (itemId: string) => work.mock.calls.filter(([, item]) => item.itemId === itemId).length
  const item = (jobId: string, itemId: string) => getRecord(app.ledger(), itemScope(jobId), itemId)
  const job = (jobId: string) => getRecord(app.ledger(), JOBS_SCOPE, jobId)
  return { ...app, work, deliver, calls, failing, hooks, item, job }
}

describe('syncItems worker', () => {
  it('completes the other items when one fails, records each, throws, and a re-run skips done items', async () => {
    const { deliver, calls, failing, item, job } = setup(new Set(['b']))
    const body = { jobId: 'job-1', itemIds: ['a', 'b', 'c'] }

    await expect(deliver(body)).rejects.toMatchObject({ status: 500, level: 'warn' })
    expect([calls('a'), calls('b'), calls('c')]).toEqual([1, 1, 1])
    expect(await item('job-1', 'a')).toMatchObject({ status: 'done' })
    expect(await item('job-1', 'b')).toMatchObject({ status: 'failed', attempts: 1, error: { message: 'cannot sync b' } })
    expect(await item('job-1', 'c')).toMatchObject({ status: 'done' })
    // Not done, not given up: queued again for the redelivery, with the summary.
    expect(await job('job-1')).toMatchObject({
      status: 'queued',
      data: { summary: { total: 3, done: 2, failed: 1, retryable: 1, pending: 0 } },
    })

    failing.clear()
    // A redelivery before b's retry is due does no work and spends no job attempt.
    await expect(deliver(body)).rejects.toMatchObject({ status: 500 })
    expect([calls('a'), calls('b'), calls('c')]).toEqual([1, 1, 1])
    expect(await job('job-1')).toMatchObject({ status: 'queued', attempts: 1 })

    advanceClock(retryDelay(1) + 1)
    await deliver(body) // the platform's redelivery, after the backoff
    expect([calls('a'), calls('b'), calls('c')]).toEqual([1, 2, 1])
    expect(await job('job-1')).toMatchObject({ status: 'done', data: { summary: { total: 3, done: 3, failed: 0 } } })

    await deliver(body) // a late duplicate
    advanceClock(DEFAULT_LEASE_MS + 1_000)
    await deliver(body) // and one past the lease
    expect([calls('a'), calls('b'), calls('c')]).toEqual([1, 2, 1])
  })

  it('stops retrying an item that used all its attempts, reports it failed and logs at error', async () => {
    const { deliver, calls, job, logger } = setup(new Set(['bad']))
    const body = { jobId: 'job-2', itemIds: ['ok', 'bad'] }

    const outcomes: string[] = []
    for (let run = 0; run < DEFAULT_MAX_ATTEMPTS + 2; run++) {
      outcomes.push(await deliver(body).then(() => 'resolved', () => 'threw'))
      advanceClock(MAX_BACKOFF_MS + 1) // every retry is due by the next delivery
    }

    expect(outcomes.slice(0, DEFAULT_MAX_ATTEMPTS - 1)).toEqual(Array(DEFAULT_MAX_ATTEMPTS - 1).fill('threw'))
    expect(outcomes.slice(DEFAULT_MAX_ATTEMPTS - 1)).toEqual(['resolved', 'resolved', 'resolved'])
    expect([calls('ok'), calls('bad')]).toEqual([1, DEFAULT_MAX_ATTEMPTS])
    expect(await job('job-2')).toMatchObject({ status: 'failed', data: { summary: { done: 1, failed: 1, retryable: 0 } } })
    expect(logger.messages('error')).toContain('syncItems.gaveUp')
  })

  it('processes each item once when the same job is delivered twice at the same time', async () => {
    const { deliver, work, job } = setup()
    const body = { jobId: 'job-3', itemIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] }

    const results = await Promise.allSettled([deliver(body), deliver(body)])
    expect(work).toHaveBeenCalledTimes(7)
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1)
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(BusyError)
    await deliver(body).catch(() => undefined) // the redelivery of the busy one
    expect(work).toHaveBeenCalledTimes(7)
    expect(await job('job-3')).toMatchObject({ status: 'done' })
  })

  it('renews its lease between chunks, so a job longer than one lease is not taken over', async () => {
    const { deliver, calls, hooks } = setup()
    const itemIds = Array.from({ length: 10 }, (_, i) => `i${i}`)
    const body = { jobId: 'job-long', itemIds }
    const duplicates: Array<Promise<unknown>> = []
    hooks.during = ({ itemId }) => {
      if (itemId === 'i0' || itemId === 'i5') advanceClock(DEFAULT_LEASE_MS * 0.9)
      // Past the first lease: a redelivery now must find the job busy, not stale.
      if (itemId === 'i5') duplicates.push(deliver(body).then(() => 'ran', (e: unknown) => e))
    }

    await deliver(body)
    expect(await Promise.all(duplicates)).toEqual([expect.any(BusyError)])
    expect(itemIds.map(calls)).toEqual(itemIds.map(() => 1))
  })

  it('does not spend job attempts on runs that only found items busy', async () => {
    const { deliver, calls, ledger, job } = setup()
    const body = { jobId: 'job-busy', itemIds: ['held'] }
    await claim(ledger(), itemScope('job-busy'), 'held') // a live claim by a delivery that will die

    for (let run = 0; run < JOB_MAX_ATTEMPTS + 2; run++) {
      await expect(deliver(body)).rejects.toMatchObject({ status: 500 })
    }
    expect(calls('held')).toBe(0)
    expect(await job('job-busy')).toMatchObject({ status: 'queued', attempts: 0 })

    advanceClock(DEFAULT_LEASE_MS + 1_000) // the holder died; its lease expired
    await deliver(body)
    expect(calls('held')).toBe(1)
    expect(await job('job-busy')).toMatchObject({ status: 'done' })
  })

  it('rejects an invalid or oversized payload without doing any work', async () => {
    const { deliver, work, job, ledger } = setup()
    const tooMany = { jobId: 'job-4', itemIds: Array.from({ length: 101 }, (_, i) => `item-${i}`) }

    await expect(deliver(tooMany)).resolves.toBeUndefined()
    await expect(deliver({ jobId: 'job-5', itemIds: [] })).resolves.toBeUndefined()
    await expect(deliver('not an object')).resolves.toBeUndefined()
    expect(work).not.toHaveBeenCalled()
    expect(await getRecord(ledger(), JOBS_SCOPE, payloadFingerprint(tooMany))).toMatchObject({ status: 'rejected' })
    expect(await job('job-4')).toBeNull() // the job id a broken payload names is not trusted
  })

  it('leaves a live job alone when a malformed event names it, so the genuine delivery still runs', async () => {
    const { deliver, calls, job, ledger } = setup()
    await enqueue(ledger(), JOBS_SCOPE, 'job-7', { itemIds: ['a'] }) // accepted by the route

    await expect(deliver({ jobId: 'job-7', itemIds: [] })).resolves.toBeUndefined()
    expect(await job('job-7')).toMatchObject({ status: 'queued' })

    await deliver({ jobId: 'job-7', itemIds: ['a'] })
    expect(calls('a')).toBe(1)
    expect(await job('job-7')).toMatchObject({ status: 'done' })
  })

  it('does a repeated item id once', async () => {
    const { deliver, calls } = setup()
    await deliver({ jobId: 'job-6', itemIds: ['a', 'a', 'b'] })
    expect([calls('a'), calls('b')]).toEqual([1, 1])
  })
})
