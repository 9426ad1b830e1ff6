/**
 * The example job end to end: its route called at its private path, the event it publishes
 * delivered by the broker to the worker, on the app booted on its runtime (see
 * `./harness.ts`). `scaffold remove-worker syncItems` deletes this file with the worker,
 * unless it was edited.
 */
import { bootApp } from './harness'

const app = bootApp()

test('the job route answers 202 at its private path and the worker finishes every item', async () => {
  const jobs = app.service.routes.syncItemsJobs.path
  const posted = await app.call('POST', jobs, { itemIds: ['sku-1', 'sku-2', 'sku-3'] })
  expect(posted.status).toBe(202)
  // The route published the job: the courier delivers it to the worker.
  await app.server.settled()
  const job = await app.call('GET', `${jobs}/${posted.body.jobId}`)
  expect(job.status).toBe(200)
  expect(job.body).toMatchObject({ status: 'done', summary: { total: 3, done: 3, failed: 0 } })
  expect(app.records(`syncItems:job:${posted.body.jobId}`).map((r) => r.status)).toEqual(['done', 'done', 'done'])
})
