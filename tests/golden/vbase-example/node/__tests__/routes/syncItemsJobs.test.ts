import { advanceClock, createTestApp } from '../platform'
import { getRecord } from '../../support/processing'
import { ITEMS_SYNC_REQUESTED } from '../../publishers/itemsSyncRequested'
import { REDRIVE_AFTER_MS, syncItemsJob, syncItemsJobs, syncItemsRedrive } from '../../routes/syncItemsJobs'
import { JOBS_SCOPE, createSyncItemsHandler } from '../../workers/syncItems'

const next = async () => undefined

describe('syncItems job routes', () => {
  it('answers 202 with a job id, records the job and publishes exactly one small event', async () => {
    const { route, platform, ledger } = createTestApp()
    const ctx = route({ method: 'POST', body: { itemIds: ['sku-1', 'sku-2', 'sku-1'] } })

    await syncItemsJobs(ctx, next)

    expect(ctx.status).toBe(202)
    const { jobId, statusUrl } = ctx.body as { jobId: string; statusUrl: string }
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/)
    // Where VTEX serves a private route: app.io.vtex.com/<app>/v<major>/<account>/<workspace><path>.
    expect(statusUrl).toBe(
      `https://app.io.vtex.com/vtex.ledger-test/v0/testaccount/dev/_v/order-sync/sync-items/jobs/${jobId}`
    )
    // Sent through the real Events client: '' as the app id means "as this app".
    expect(platform.events.sent).toEqual([
      { route: ITEMS_SYNC_REQUESTED, resource: '', message: { jobId, itemIds: ['sku-1', 'sku-2'] } },
    ])
    expect(await getRecord(ledger(), JOBS_SCOPE, jobId)).toMatchObject({ status: 'queued' })
  })

  it('answers the same job for a retried POST with the same Idempotency-Key', async () => {
    const { route, platform } = createTestApp()
    const post = (itemIds: string[], key = 'client-request-42') =>
      route({ method: 'POST', headers: { 'Idempotency-Key': key }, body: { itemIds } })

    const first = post(['a', 'b'])
    await syncItemsJobs(first, next)
    const again = post(['a', 'b'])
    await syncItemsJobs(again, next)
    const otherKey = post(['a', 'b'], 'client-request-43')
    await syncItemsJobs(otherKey, next)
    const reused = post(['c'])
    await syncItemsJobs(reused, next)
    const reordered = post(['b', 'a'])
    await syncItemsJobs(reordered, next)

    const firstId = (first.body as { jobId: string }).jobId
    expect([first.status, again.status, otherKey.status, reused.status, reordered.status]).toEqual([202, 202, 202, 422, 202])
    expect((again.body as { jobId: string }).jobId).toBe(firstId)
    expect((reordered.body as { jobId: string }).jobId).toBe(firstId) // the same items in another order
    expect((otherKey.body as { jobId: string }).jobId).not.toBe(firstId)
    // Each accepted POST of a queued job publishes it (the worker skips a duplicate): 4 events, 2 jobs.
    expect(platform.events.sent).toHaveLength(4)
    expect(new Set(platform.events.sent.map((e) => (e.message as { jobId: string }).jobId)).size).toBe(2)
  })

  it('of two concurrent POSTs with one Idempotency-Key and different items, only one is accepted', async () => {
    const { route, platform, ledger } = createTestApp()
    for (let round = 0; round < 5; round++) {
      const key = `race-${round}`
      const post = (itemIds: string[]) => route({ method: 'POST', headers: { 'Idempotency-Key': key }, body: { itemIds } })
      const a = post(['a'])
      const b = post(['b'])
      await Promise.all([syncItemsJobs(a, next), syncItemsJobs(b, next)])
      expect([a.status, b.status].sort()).toEqual([202, 422])
      const winner = a.status === 202 ? ['a'] : ['b']
      const { jobId } = (a.status === 202 ? a.body : b.body) as { jobId: string }
      expect(await getRecord(ledger(), JOBS_SCOPE, jobId)).toMatchObject({ data: { itemIds: winner } })
      expect(platform.events.sent.filter((e) => (e.message as { jobId: string }).jobId === jobId)).toEqual([
        expect.objectContaining({ message: { jobId, itemIds: winner } }),
      ])
    }
  })

  it('re-drives a job nothing will redeliver: republishes it once it is stuck, and the worker finishes it', async () => {
    const app = createTestApp()
    const create = app.route({ method: 'POST', body: { itemIds: ['x', 'y'] } })
    await syncItemsJobs(create, next)
    const { jobId } = create.body as { jobId: string }
    // The event is lost (or its redeliveries stopped): the job stays queued.

    const early = app.route({ method: 'POST' })
    await syncItemsRedrive(early, next)
    expect(early).toMatchObject({ status: 200, body: { republished: [] } })

    advanceClock(REDRIVE_AFTER_MS + 1)
    const late = app.route({ method: 'POST' })
    await syncItemsRedrive(late, next)
    expect(late).toMatchObject({ status: 200, body: { republished: [jobId] } })
    expect(app.platform.events.sent).toHaveLength(2)

    const worker = createSyncItemsHandler(async () => undefined)
    const { message, route: topic } = app.platform.events.sent[1]
    await worker(app.event(message, { sender: 'acme.order-sync', key: topic }))
    expect(await getRecord(app.ledger(), JOBS_SCOPE, jobId)).toMatchObject({ status: 'done' })

    const after = app.route({ method: 'POST' })
    await syncItemsRedrive(after, next)
    expect(after).toMatchObject({ body: { republished: [] } }) // done jobs are left alone
  })

  it.each([
    ['no body', undefined],
    ['not JSON', '{oops'],
    ['empty list', { itemIds: [] }],
    ['not strings', { itemIds: [1, 2] }],
    ['too many', { itemIds: Array.from({ length: 101 }, (_, i) => `sku-${i}`) }],
  ])('answers 400 and publishes nothing for %s', async (_name, body) => {
    const { route, platform } = createTestApp()
    const ctx = route({ method: 'POST', body })
    await syncItemsJobs(ctx, next)
    expect(ctx.status).toBe(400)
    expect(platform.events.sent).toHaveLength(0)
  })

  it('marks the job failed when the event cannot be published, and a retry with the key queues it again', async () => {
    const { route, platform, ledger } = createTestApp()
    platform.events.failWith = 503
    const post = () => route({ method: 'POST', headers: { 'Idempotency-Key': 'k-1' }, body: { itemIds: ['x'] } })
    const failure = await syncItemsJobs(post(), next).catch((e: unknown) => e)
    expect(failure).toMatchObject({ status: 503 })
    expect(failure).not.toHaveProperty('config')
    expect(platform.storedText()).toContain('"status":"failed"')

    platform.events.failWith = undefined
    const retry = post()
    await syncItemsJobs(retry, next)
    expect(retry.status).toBe(202)
    const { jobId } = retry.body as { jobId: string }
    expect(await getRecord(ledger(), JOBS_SCOPE, jobId)).toMatchObject({ status: 'queued' })
    expect(platform.events.sent).toHaveLength(1)
  })

  it('reports per-item status through the status route', async () => {
    const app = createTestApp()
    const create = app.route({ method: 'POST', body: { itemIds: ['ok', 'broken'] } })
    await syncItemsJobs(create, next)
    const { jobId } = create.body as { jobId: string }

    const queued = app.route({ method: 'GET', params: { jobId } })
    await syncItemsJob(queued, next)
    expect(queued.status).toBe(200)
    expect(queued.body).toMatchObject({ jobId, status: 'queued', summary: { total: 2, pending: 2 } })

    const worker = createSyncItemsHandler(async (_ctx, { itemId }) => {
      if (itemId === 'broken') throw new Error('no such item')
    })
    const [sent] = app.platform.events.sent
    await expect(worker(app.event(sent.message, { sender: 'acme.order-sync', key: sent.route }))).rejects.toThrow()

    const after = app.route({ method: 'GET', params: { jobId } })
    await syncItemsJob(after, next)
    expect(after.body).toMatchObject({
      jobId,
      status: 'queued',
      summary: { total: 2, done: 1, failed: 1, retryable: 1 },
      items: [
        { itemId: 'ok', status: 'done', attempts: 1 },
        { itemId: 'broken', status: 'failed', attempts: 1, error: { message: 'no such item' } },
      ],
    })
  })

  it('answers 404 for an unknown job', async () => {
    const { route } = createTestApp()
    const ctx = route({ method: 'GET', params: { jobId: 'nope' } })
    await syncItemsJob(ctx, next)
    expect(ctx.status).toBe(404)
  })
})
