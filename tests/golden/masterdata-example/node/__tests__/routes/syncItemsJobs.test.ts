import { getRecord } from '../../support/processing'
import { ITEMS_SYNC_REQUESTED } from '../../publishers/itemsSyncRequested'
import { syncItemsJob, syncItemsJobs } from '../../routes/syncItemsJobs'
import { JOBS_SCOPE, createSyncItemsHandler } from '../../workers/syncItems'
import { createTestApp } from '../fakes'

const next = async () => undefined

describe('syncItems job routes', () => {
  it('answers 202 with a job id, records the job and publishes exactly one small event', async () => {
    const { route, events, ledger } = createTestApp()
    const ctx = route({ method: 'POST', body: { itemIds: ['sku-1', 'sku-2', 'sku-1'] } })

    await syncItemsJobs(ctx, next)

    expect(ctx.status).toBe(202)
    const { jobId, statusUrl } = ctx.body as { jobId: string; statusUrl: string }
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/)
    expect(statusUrl).toBe(`/_v/order-sync/sync-items/jobs/${jobId}`)
    expect(events.sent).toEqual([
      { appId: '', route: ITEMS_SYNC_REQUESTED, message: { jobId, itemIds: ['sku-1', 'sku-2'] } },
    ])
    expect(await getRecord(ledger, JOBS_SCOPE, jobId)).toMatchObject({ status: 'queued' })
  })

  it.each([
    ['no body', undefined],
    ['not JSON', '{oops'],
    ['empty list', { itemIds: [] }],
    ['not strings', { itemIds: [1, 2] }],
    ['too many', { itemIds: Array.from({ length: 101 }, (_, i) => `sku-${i}`) }],
  ])('answers 400 and publishes nothing for %s', async (_name, body) => {
    const { route, events } = createTestApp()
    const ctx = route({ method: 'POST', body })
    await syncItemsJobs(ctx, next)
    expect(ctx.status).toBe(400)
    expect(events.sent).toHaveLength(0)
  })

  it('marks the job failed when the event cannot be published', async () => {
    const { route, events, vbase, masterdata } = createTestApp()
    events.failWith = new Error('colossus unavailable')
    await expect(syncItemsJobs(route({ method: 'POST', body: { itemIds: ['x'] } }), next)).rejects.toThrow(
      'colossus unavailable'
    )
    const stored = JSON.stringify([...vbase.files.values(), ...masterdata.documents.values()])
    expect(stored).toContain('colossus unavailable')
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
    const [sent] = app.events.sent
    await expect(worker(app.event(sent.message, { sender: 'acme.order-sync', key: sent.route }))).rejects.toThrow()

    const after = app.route({ method: 'GET', params: { jobId } })
    await syncItemsJob(after, next)
    expect(after.body).toMatchObject({
      jobId,
      status: 'failed',
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
