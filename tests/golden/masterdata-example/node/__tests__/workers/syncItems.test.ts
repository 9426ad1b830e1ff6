import { DEFAULT_MAX_ATTEMPTS, getRecord } from '../../support/processing'
import type { JobItem } from '../../workers/syncItems'
import { JOBS_SCOPE, createSyncItemsHandler, itemScope } from '../../workers/syncItems'
import { createTestApp } from '../fakes'

const own = { sender: 'acme.order-sync', key: 'items-sync-requested' }

function setup(failing: Set<string> = new Set()) {
  const app = createTestApp()
  const work = jest.fn(async (_ctx: unknown, { itemId }: JobItem) => {
    if (failing.has(itemId)) throw new Error(`cannot sync ${itemId}`)
  })
  const handler = createSyncItemsHandler(work)
  const deliver = (body: unknown) => handler(app.event(body, own))
  const calls = (itemId: string) => work.mock.calls.filter(([, item]) => item.itemId === itemId).length
  return { ...app, work, deliver, calls, failing }
}

describe('syncItems worker', () => {
  it('completes the other items when one fails, records each, throws, and a re-run skips done items', async () => {
    const { deliver, calls, failing, ledger } = setup(new Set(['b']))
    const job = { jobId: 'job-1', itemIds: ['a', 'b', 'c'] }

    await expect(deliver(job)).rejects.toMatchObject({ status: 500 })
    expect([calls('a'), calls('b'), calls('c')]).toEqual([1, 1, 1])
    expect(await getRecord(ledger, itemScope('job-1'), 'a')).toMatchObject({ status: 'done' })
    expect(await getRecord(ledger, itemScope('job-1'), 'b')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { message: 'cannot sync b' },
    })
    expect(await getRecord(ledger, itemScope('job-1'), 'c')).toMatchObject({ status: 'done' })
    expect(await getRecord(ledger, JOBS_SCOPE, 'job-1')).toMatchObject({
      status: 'failed',
      data: { summary: { total: 3, done: 2, failed: 1, retryable: 1, pending: 0 } },
    })

    failing.clear()
    await deliver(job) // the platform's redelivery
    expect([calls('a'), calls('b'), calls('c')]).toEqual([1, 2, 1])
    expect(await getRecord(ledger, JOBS_SCOPE, 'job-1')).toMatchObject({
      status: 'done',
      data: { summary: { total: 3, done: 3, failed: 0 } },
    })

    await deliver(job) // a late duplicate
    expect(calls('b')).toBe(2)
  })

  it('stops retrying an item that used all its attempts and reports it failed', async () => {
    const { deliver, calls, ledger } = setup(new Set(['bad']))
    const job = { jobId: 'job-2', itemIds: ['ok', 'bad'] }

    const outcomes: string[] = []
    for (let run = 0; run < DEFAULT_MAX_ATTEMPTS + 2; run++) {
      outcomes.push(await deliver(job).then(() => 'resolved', () => 'threw'))
    }

    expect(outcomes.slice(0, DEFAULT_MAX_ATTEMPTS - 1)).toEqual(Array(DEFAULT_MAX_ATTEMPTS - 1).fill('threw'))
    expect(outcomes.slice(DEFAULT_MAX_ATTEMPTS - 1)).toEqual(['resolved', 'resolved', 'resolved'])
    expect([calls('ok'), calls('bad')]).toEqual([1, DEFAULT_MAX_ATTEMPTS])
    expect(await getRecord(ledger, JOBS_SCOPE, 'job-2')).toMatchObject({
      status: 'failed',
      data: { summary: { done: 1, failed: 1, retryable: 0 } },
    })
  })

  it('processes each item once when the same job is delivered twice at the same time', async () => {
    const { deliver, work } = setup()
    const job = { jobId: 'job-3', itemIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] }

    const results = await Promise.allSettled([deliver(job), deliver(job)])
    expect(work).toHaveBeenCalledTimes(7)
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1)
  })

  it('rejects an invalid or oversized payload without doing any work', async () => {
    const { deliver, work, ledger } = setup()
    const tooMany = { jobId: 'job-4', itemIds: Array.from({ length: 101 }, (_, i) => `item-${i}`) }

    await expect(deliver(tooMany)).resolves.toBeUndefined()
    await expect(deliver({ jobId: 'job-5', itemIds: [] })).resolves.toBeUndefined()
    await expect(deliver('not an object')).resolves.toBeUndefined()
    expect(work).not.toHaveBeenCalled()
    expect(await getRecord(ledger, JOBS_SCOPE, 'job-4')).toMatchObject({ status: 'rejected' })
  })

  it('does a repeated item id once', async () => {
    const { deliver, calls } = setup()
    await deliver({ jobId: 'job-6', itemIds: ['a', 'a', 'b'] })
    expect([calls('a'), calls('b')]).toEqual([1, 1])
  })
})
